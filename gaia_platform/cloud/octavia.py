"""Octavia (load-balancer v2): whether this project may use it, and its provider drivers."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """Octavia answered with an HTTP error (403: the project lacks its roles)."""

    def __init__(self, status: int | None, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class Octavia:
    def __init__(self, connection: Any) -> None:
        self.proxy = connection.load_balancer

    def providers(self) -> list[str]:
        """The provider drivers Octavia offers, asked after a list of load balancers: the call
        Octavia refuses (403) to a project without its roles (api-ref load-balancer v2, "List
        Load Balancers", "List Providers")."""
        from openstack import exceptions

        try:
            next(iter(self.proxy.load_balancers(limit=1)), None)
            return [str(p.name) for p in self.proxy.providers()]
        except exceptions.HttpException as exc:
            raise Refused(exc.status_code, str(exc.details or exc.message)) from exc
