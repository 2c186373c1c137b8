"""Keypairs: imported public keys, or (before microversion 2.92) generated key pairs.

https://docs.openstack.org/api-ref/compute/ "Keypairs (keypairs)": ``type`` from 2.2, create
answers 201 (not 200) and delete 204 (not 202) from 2.2, ``user_id`` from 2.10, generation
dropped and names may hold ``@`` and ``.`` from 2.92. Keypairs belong to the user.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..http import ApiError
from ..store import iso, public
from .versions import at_least

if TYPE_CHECKING:
    from .models import NovaBackend

_NAME_OLD = re.compile(r"^[a-zA-Z0-9 _-]+$")
_NAME_292 = re.compile(r"^[a-zA-Z0-9 _@.-]+$")


def _ssh_fingerprint(public_key: str) -> str:
    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.split()[1])
    except (ValueError, IndexError, TypeError):
        raise ApiError(400, "Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _x509_fingerprint(public_key: str) -> str:
    try:
        certificate = x509.load_pem_x509_certificate(public_key.encode())
    except ValueError:
        raise ApiError(400, "Keypair data is invalid: failed to generate fingerprint") from None
    digest = certificate.fingerprint(hashes.SHA1()).hex()  # Nova shows SHA-1 for x509
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _generate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public_key = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
    return private, f"{public_key} Generated-by-Nova"


class Keypairs:
    def __init__(self, backend: NovaBackend) -> None:
        self.backend = backend

    @property
    def rows(self) -> dict[str, dict[str, Any]]:
        return self.backend.state.store.table("nova", "keypairs")

    def mine(self, user_id: str) -> list[dict[str, Any]]:
        return [k for k in self.rows.values() if k["user_id"] == user_id]

    def get(self, user_id: str, name: str) -> dict[str, Any]:
        keypair = self.rows.get(f"{user_id}/{name}")
        if keypair is None:
            raise ApiError(404, f"Keypair {name} not found for user {user_id}")
        return keypair

    def create(self, user_id: str, body: dict[str, Any], version: str | None) -> dict[str, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, f"Invalid input for field/attribute keypair. Value: {body}. "
                                "'name' is a required property")
        pattern = _NAME_292 if at_least(version, "2.92") else _NAME_OLD
        if len(name) > 255 or not pattern.match(name):
            raise ApiError(400, "Keypair data is invalid: Keypair name contains unsafe "
                                "characters")
        if body.get("user_id", user_id) != user_id:
            raise ApiError(403, "Policy doesn't allow os_compute_api:os-keypairs:create to "
                                "be performed.")
        key_type = body.get("type", "ssh") if at_least(version, "2.2") else "ssh"
        if key_type not in ("ssh", "x509"):
            raise ApiError(400, f"Invalid input for field/attribute type. Value: {key_type}. "
                                f"'{key_type}' is not one of ['ssh', 'x509']")
        public_key = body.get("public_key")
        private_key = None
        if public_key is None:
            if at_least(version, "2.92"):
                raise ApiError(400, f"Invalid input for field/attribute keypair. Value: {body}. "
                                    "'public_key' is a required property")
            private_key, public_key = _generate()
        fingerprint = (_x509_fingerprint if key_type == "x509" else _ssh_fingerprint)(public_key)
        limit = self.backend.quota_limits()["key_pairs"]
        if 0 <= limit <= len(self.mine(user_id)):
            raise ApiError(403, "Quota exceeded, too many key pairs.")
        if f"{user_id}/{name}" in self.rows:
            raise ApiError(409, f"Key pair '{name}' already exists.")
        keypair = {"id": len(self.rows) + 1, "name": name, "public_key": public_key,
                   "fingerprint": fingerprint, "user_id": user_id, "type": key_type,
                   "created_at": iso(), "updated_at": None, "deleted_at": None,
                   "deleted": False}
        self.rows[f"{user_id}/{name}"] = keypair
        view = self.view(keypair, version, brief=True)
        view["user_id"] = user_id
        if private_key is not None:
            view["private_key"] = private_key
        return view

    def delete(self, user_id: str, name: str) -> None:
        self.get(user_id, name)
        del self.rows[f"{user_id}/{name}"]

    @staticmethod
    def view(keypair: dict[str, Any], version: str | None, brief: bool) -> dict[str, Any]:
        fields = ("name", "public_key", "fingerprint") if brief else tuple(public(keypair))
        view = {k: keypair[k] for k in fields}
        if at_least(version, "2.2"):
            view["type"] = keypair["type"]
        else:
            view.pop("type", None)
        return view
