"""The control plane's PKI, made once per sandbox and kept in ``<sandbox>/pki``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import pki

# The apiserver is reached as 127.0.0.1 from this machine and as kubernetes.default.svc from
# pods (10.96.0.1 is the first address of the service range, the `kubernetes` Service's IP).
APISERVER_NAMES = (
    "127.0.0.1",
    "localhost",
    "10.96.0.1",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)

# Client identities: (file stem, common name, organisations). The components' names are the
# ones the apiserver's bootstrap RBAC policy grants their permissions to.
CLIENTS = (
    ("admin", "gaia-sandbox-admin", ("system:masters",)),
    ("controller-manager", "system:kube-controller-manager", ()),
    ("scheduler", "system:kube-scheduler", ()),
    ("kwok", "system:kwok-controller", ("system:masters",)),
)


@dataclass(frozen=True)
class Pki:
    directory: Path

    def path(self, name: str) -> Path:
        return self.directory / name

    @property
    def ca_cert(self) -> Path:
        return self.path("ca.crt")

    @property
    def ca_key(self) -> Path:
        return self.path("ca.key")

    def client(self, stem: str) -> tuple[Path, Path]:
        return self.path(f"{stem}.crt"), self.path(f"{stem}.key")


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def ensure(directory: Path) -> Pki:
    """Create whatever part of the PKI is missing; never replace what exists."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    store = Pki(directory)
    if not store.ca_cert.exists():
        ca = pki.new_ca("gaia-sandbox-ca")
        _write(store.ca_cert, ca.cert_pem)
        _write(store.ca_key, ca.key_pem, private=True)
    ca = pki.KeyPair(store.ca_cert.read_bytes(), store.ca_key.read_bytes())
    if not store.path("apiserver.crt").exists():
        serving = pki.new_cert(ca, "kube-apiserver", server_names=APISERVER_NAMES)
        _write(store.path("apiserver.crt"), serving.cert_pem)
        _write(store.path("apiserver.key"), serving.key_pem, private=True)
    if not store.path("sa.key").exists():
        private, public = pki.new_service_account_key()
        _write(store.path("sa.key"), private, private=True)
        _write(store.path("sa.pub"), public)
    for stem, common_name, orgs in CLIENTS:
        cert, key = store.client(stem)
        if not cert.exists():
            pair = pki.new_cert(ca, common_name, orgs)
            _write(cert, pair.cert_pem)
            _write(key, pair.key_pem, private=True)
    return store
