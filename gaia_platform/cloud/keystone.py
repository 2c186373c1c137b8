"""Keystone: the connection's own identity, its service catalogue and its application
credentials (api-ref identity v3, "Application Credentials")."""

from __future__ import annotations

from typing import Any


class Keystone:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.proxy = connection.identity

    @property
    def user_id(self) -> str:
        return str(self.connection.current_user_id)

    @property
    def project_id(self) -> str:
        return str(self.connection.current_project_id)

    @property
    def auth_url(self) -> str:
        return str(self.connection.config.auth["auth_url"])

    @property
    def region(self) -> str:
        return str(self.connection.config.region_name or "RegionOne")

    def given_application_credential(self) -> tuple[str, str] | None:
        """The application credential the clouds.yaml entry itself authenticates with."""
        auth = self.connection.config.auth
        cred_id, secret = auth.get("application_credential_id"), auth.get(
            "application_credential_secret")
        return (str(cred_id), str(secret)) if cred_id and secret else None

    def has_service(self, service_type: str) -> bool:
        """Whether the catalogue has an endpoint of that type (e.g. container-infra)."""
        return bool(self.connection.endpoint_for(service_type))

    # -- application credentials ----------------------------------------------------------------
    def application_credentials(self) -> list[Any]:
        return list(self.proxy.application_credentials(user=self.user_id))

    def create_application_credential(self, name: str, description: str) -> Any:
        """A restricted one (unrestricted=False: it cannot make other credentials); the
        secret is in the answer only."""
        return self.proxy.create_application_credential(
            user=self.user_id, name=name, unrestricted=False, description=description)

    def delete_application_credential(self, name: str) -> list[str]:
        """Every credential of that name (Keystone allows one per user and name); what went."""
        removed = []
        for cred in self.application_credentials():
            if cred.name == name:
                self.proxy.delete_application_credential(user=self.user_id,
                                                         application_credential=cred)
                removed.append(f"application credential {cred.name}")
        return removed
