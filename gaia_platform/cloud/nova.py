"""Nova: servers, flavors, keypairs and the compute quota, with openstacksdk's verbs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import CloudError
from ..waiting import wait_until


@dataclass(frozen=True)
class ComputeLimits:
    """What of the compute quota is left (None: unlimited or not reported)."""

    instances: int | None
    cores: int | None
    ram_mb: int | None
    #: The quota itself, for messages.
    of: dict[str, int | None]


def _left(limit: int | None, used: int | None) -> int | None:
    # -1 is "unlimited" (api-ref compute, "Show rate and absolute limits").
    if limit is None or limit < 0 or used is None:
        return None
    return limit - used


class Nova:
    def __init__(self, connection: Any) -> None:
        self.proxy = connection.compute

    # -- flavors and keypairs -------------------------------------------------------------------
    def find_flavor(self, name: str) -> Any | None:
        return self.proxy.find_flavor(name, ignore_missing=True)

    def find_keypair(self, name: str) -> Any | None:
        return self.proxy.find_keypair(name, ignore_missing=True)

    def limits(self) -> ComputeLimits:
        absolute = self.proxy.get_limits().absolute
        return ComputeLimits(
            instances=_left(absolute.instances, absolute.instances_used),
            cores=_left(absolute.total_cores, absolute.total_cores_used),
            ram_mb=_left(absolute.total_ram, absolute.total_ram_used),
            of={"instances": absolute.instances, "cores": absolute.total_cores,
                "RAM (MB)": absolute.total_ram})

    # -- servers -------------------------------------------------------------------------------
    def find_server(self, name: str) -> Any | None:
        """The one server of that name (Nova's name filter is a regular expression)."""
        found = [s for s in self.proxy.servers(name=f"^{re.escape(name)}$") if s.name == name]
        if len(found) > 1:
            raise CloudError(f"There are {len(found)} servers named {name!r}; delete the extra "
                             "ones (openstack server list --name ...) and re-run.")
        return found[0] if found else None

    def servers(self, tags: list[str]) -> list[Any]:
        """Every server carrying all the tags."""
        return list(self.proxy.servers(tags=",".join(tags)))

    def create_server(self, **attrs: Any) -> Any:
        return self.proxy.create_server(**attrs)

    def wait_for_status(self, server_id: str, name: str, *, status: str = "ACTIVE",
                        timeout: float, progress: Callable[[str], None]) -> Any:
        """Until the server is in ``status``; stops at ERROR with Nova's fault message."""
        def reached() -> tuple[bool, Any, str]:
            server = self.proxy.get_server(server_id)
            if server.status == "ERROR":
                raise CloudError(f"Server {name} went to ERROR: {fault(server)}. Re-run to "
                                 "replace it.")
            return server.status == status, server, str(server.status)

        return wait_until(reached, what=f"server {name}", timeout=timeout, report=progress)

    def delete_server(self, server: Any, *, ignore_missing: bool = True, wait: float = 0,
                      progress: Callable[[str], None] = lambda _m: None) -> None:
        """Delete, and with ``wait`` (seconds) wait until Nova no longer shows it: its port
        and address are free only then."""
        self.proxy.delete_server(server, ignore_missing=ignore_missing)
        if not wait:
            return

        def gone() -> tuple[bool, None, str]:
            current = self.proxy.find_server(server.id, ignore_missing=True)
            return current is None, None, "deleting" if current else "gone"

        wait_until(gone, what=f"deleting server {server.name}", timeout=wait, report=progress)


def fault(server: Any) -> str:
    """Nova's fault message of a server in ERROR (api-ref compute, "Show server details")."""
    found = getattr(server, "fault", None) or {}
    return str(found.get("message") or "no fault recorded")
