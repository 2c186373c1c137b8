"""Keystone's state: issued tokens and application credentials.

Token and catalog shapes follow the Identity v3 API reference
(https://docs.openstack.org/api-ref/identity/v3/, "Password authentication with scoped
authorization", "Authenticating with an Application Credential").
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import iso, new_id, public

if TYPE_CHECKING:
    from ..config import Credentials
    from ..state import EmulatorState

TOKEN_LIFETIME = 12 * 3600.0

# (catalog type, catalog name, path under the emulator's base URL). Magnum and Manila list
# versioned endpoints, as their install guides register them; the rest unversioned.
CATALOG = [
    ("identity", "keystone", "/identity"),
    ("container-infra", "magnum", "/container-infra/v1"),
    ("sharev2", "manilav2", "/sharev2/v2"),
    ("compute", "nova", "/compute/v2.1"),
    ("network", "neutron", "/network"),
    ("image", "glance", "/image"),
    # Octavia registers its unversioned root (octavia devstack/plugin.sh).
    ("load-balancer", "octavia", "/load-balancer"),
]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeystoneBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    @property
    def _tokens(self) -> dict[str, dict[str, Any]]:
        return self.state.store.table("keystone", "tokens")

    @property
    def _app_creds(self) -> dict[str, dict[str, Any]]:
        return self.state.store.table("keystone", "application_credentials")

    def advance(self, now: float) -> bool:
        expired = [key for key, token in self._tokens.items() if token["_expires"] < now]
        for key in expired:
            del self._tokens[key]
        return bool(expired)

    # -- identities -----------------------------------------------------------------------
    # Each account is one user with the member role in one project (config.Credentials): the
    # deployment's, and others such as the project that owns the data shares.
    @staticmethod
    def user(account: Credentials) -> dict[str, Any]:
        return {
            "id": account.user_id,
            "name": account.username,
            "domain": {"id": account.domain_id, "name": account.domain_name},
            "password_expires_at": None,
        }

    @staticmethod
    def project(account: Credentials) -> dict[str, Any]:
        return {
            "id": account.project_id,
            "name": account.project_name,
            "domain": {"id": account.domain_id, "name": account.domain_name},
        }

    def account(self, user_id: str) -> Credentials | None:
        return next((a for a in self.state.config.accounts() if a.user_id == user_id), None)

    def authenticate(self, identity: dict[str, Any]
                     ) -> tuple[Credentials, dict[str, Any]] | None:
        """The account and the application credential used ({} for a password login), or
        None when rejected."""
        methods = identity.get("methods") or []
        if "password" in methods:
            user = (identity.get("password") or {}).get("user") or {}
            for account in self.state.config.accounts():
                name_ok = user.get("name") == account.username or user.get("id") == \
                    account.user_id
                if name_ok and user.get("password") == account.password:
                    return account, {}
            return None
        if "application_credential" in methods:
            return self._by_app_cred(identity.get("application_credential") or {})
        raise ApiError(400, f"Unsupported authentication methods: {methods}")

    def _by_app_cred(self, given: dict[str, Any]) -> tuple[Credentials, dict[str, Any]] | None:
        secret = given.get("secret", "")
        # By name, an application credential is looked up among its user's (Keystone's
        # application_credential auth plugin needs the user then).
        user = (given.get("user") or {}).get("id")
        for account in self.state.config.accounts():
            by_name = given.get("name") == account.app_cred_name and user in (
                None, account.user_id)
            if given.get("id") == account.app_cred_id or (not given.get("id") and by_name):
                if secret == account.app_cred_secret:
                    return account, {"id": account.app_cred_id, "name": account.app_cred_name,
                                     "restricted": False}
                return None
        for stored in self._app_creds.values():
            same = given.get("id") in (stored["id"], None) and given.get("name") in (
                stored["name"], None)
            found = self.account(stored["user_id"])
            if same and found is not None and stored["_secret_hash"] == _hash(secret):
                return found, {"id": stored["id"], "name": stored["name"],
                               "restricted": not stored["unrestricted"]}
        return None

    def token_roles(self, account: Credentials, app_cred: dict[str, Any]) -> list[str]:
        """A made application credential keeps the roles it was made with, less any the user
        has lost since (keystone/application_credential/core.py); a password or the seeded
        credential has the user's roles now."""
        stored = self._app_creds.get(app_cred.get("id", ""))
        if stored is None:
            return list(account.roles)
        return [r["name"] for r in stored["roles"] if r["name"] in account.roles]

    def issue(self, methods: list[str], account: Credentials,
              app_cred: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        now = time.time()
        token_id = "gAAAA" + secrets.token_urlsafe(48)
        token: dict[str, Any] = {
            "methods": methods,
            "user": self.user(account),
            "project": self.project(account),
            "is_domain": False,
            "audit_ids": [secrets.token_urlsafe(16)[:22]],
            "issued_at": iso(now) + "Z",
            "expires_at": iso(now + TOKEN_LIFETIME) + "Z",
            "roles": [{"id": f"r-{role}", "name": role}
                      for role in self.token_roles(account, app_cred)],
            "catalog": self.catalog(),
        }
        if app_cred:
            token["application_credential"] = app_cred
        self._tokens[token_id] = {**token, "_expires": now + TOKEN_LIFETIME}
        return token_id, token

    def validate(self, token_id: str | None) -> dict[str, Any] | None:
        if not token_id:
            return None
        token = self._tokens.get(token_id)
        if token is None or token["_expires"] < time.time():
            return None
        return public(token)

    def revoke(self, token_id: str) -> bool:
        return self._tokens.pop(token_id, None) is not None

    def catalog(self) -> list[dict[str, Any]]:
        base = self.state.config.base_url
        region = self.state.config.credentials.region
        entries = []
        for service_type, name, path in CATALOG:
            if service_type in self.state.config.catalog_absent:
                continue
            endpoints = [
                {
                    "id": hashlib.md5(f"{name}-{iface}".encode()).hexdigest(),
                    "interface": iface,
                    "region": region,
                    "region_id": region,
                    "url": base + path,
                }
                for iface in ("public", "internal", "admin")
            ]
            entries.append(
                {"id": hashlib.md5(name.encode()).hexdigest(), "type": service_type,
                 "name": name, "endpoints": endpoints}
            )
        return entries

    # -- application credentials ------------------------------------------------------
    def create_app_cred(self, user_id: str, project_id: str,
                        body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("name")
        if not name:
            raise ApiError(400, "Invalid input for field 'name': None is not of type 'string'")
        if any(c["name"] == name and c["user_id"] == user_id for c in self._app_creds.values()):
            raise ApiError(409, f"Conflict occurred attempting to store application_credential "
                                f"- Duplicate entry found with name {name}.")
        secret = body.get("secret") or secrets.token_urlsafe(64)
        record = {
            "id": new_id().replace("-", ""),
            "name": name,
            "description": body.get("description"),
            "user_id": user_id,
            "project_id": project_id,
            "expires_at": body.get("expires_at"),
            "unrestricted": bool(body.get("unrestricted", False)),
            # It delegates the roles of the token that made it (Keystone's default).
            "roles": [{"id": f"r-{role}", "name": role, "domain_id": None}
                      for role in self._roles(user_id)],
            "access_rules": body.get("access_rules", []),
            "_secret_hash": _hash(secret),
        }
        self._app_creds[record["id"]] = record
        # The secret is shown once, in the create response only (as Keystone does).
        return {**public(record), "secret": secret}

    def _roles(self, user_id: str) -> list[str]:
        account = self.account(user_id)
        return list(account.roles) if account else []

    def app_creds(self, user_id: str) -> list[dict[str, Any]]:
        return [public(c) for c in self._app_creds.values() if c["user_id"] == user_id]

    def app_cred(self, user_id: str, cred_id: str) -> dict[str, Any]:
        cred = self._app_creds.get(cred_id)
        if cred is None or cred["user_id"] != user_id:
            raise ApiError(404, f"Could not find application credential: {cred_id}.")
        return public(cred)

    def delete_app_cred(self, user_id: str, cred_id: str) -> None:
        self.app_cred(user_id, cred_id)
        del self._app_creds[cred_id]
