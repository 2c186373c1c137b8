"""A kubeconfig made through Magnum's certificates API, as ``openstack coe cluster config``
does: a fresh key and CSR, signed by the cluster CA; the CA fetched from Magnum too."""

from __future__ import annotations

import base64
import datetime
import os
from pathlib import Path
from typing import Any

import yaml

# cryptography is imported where a key or certificate is handled: `platform plan` without
# credentials never needs it, and it is a tenth of that command's start.

#: The identity the tool acts as in the cluster (visible as the user in audit logs).
USER = "gaia-platform"
GROUP = "system:masters"
RENEW_BEFORE = datetime.timedelta(days=7)


def new_key_and_csr() -> tuple[bytes, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, GROUP),
        x509.NameAttribute(NameOID.COMMON_NAME, USER),
    ])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode()


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def write(path: Path, cluster_name: str, server: str, ca_pem: str, cert_pem: str,
          key_pem: bytes) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {
            "server": server, "certificate-authority-data": _b64(ca_pem)}}],
        "users": [{"name": USER, "user": {"client-certificate-data": _b64(cert_pem),
                                          "client-key-data": _b64(key_pem)}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": USER}}],
        "current-context": cluster_name,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written 0600 from the start: it holds a private key.
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(yaml.safe_dump(document, sort_keys=False))
    os.replace(path.with_suffix(".tmp"), path)
    return path


def still_valid(path: Path, server: str, ca_pem: str) -> tuple[bool, str]:
    """Whether an existing kubeconfig can be reused: same server, same CA, cert not expiring."""
    from cryptography import x509

    if not path.is_file():
        return False, "no kubeconfig yet"
    try:
        document: dict[str, Any] = yaml.safe_load(path.read_text())
        cluster = document["clusters"][0]["cluster"]
        user = document["users"][0]["user"]
        ca_in_file = base64.b64decode(cluster["certificate-authority-data"]).decode()
        cert = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
    except (OSError, KeyError, IndexError, TypeError, ValueError, yaml.YAMLError):
        return False, "the existing kubeconfig is unreadable"
    if cluster.get("server") != server:
        return False, "the cluster's API address changed"
    if ca_in_file.strip() != ca_pem.strip():
        return False, "the cluster CA changed"
    remaining = cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    if remaining < RENEW_BEFORE:
        return False, f"the client certificate expires in {remaining.days} days"
    return True, f"valid for {remaining.days} more days"
