"""Magnum (container-infra v1) through raw REST with an explicit microversion: the SDK's Cluster
resource lacks faults, health_status and nodegroups and misreads status_reason."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ..errors import CloudError
from ..waiting import wait_until
from .rest import NotFound, call

# 1.10: nodegroups (1.9) and node_count 0 allowed; supported by every Magnum since Ussuri.
MICROVERSION = "container-infra 1.10"


class Magnum:
    def __init__(self, connection: Any) -> None:
        self.proxy = connection.container_infrastructure_management

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        return call(self.proxy, method, path, microversion=MICROVERSION, body=body)

    # -- cluster templates ------------------------------------------------------------------
    def find_template(self, name: str) -> dict[str, Any] | None:
        found = [t for t in self._call("GET", "/clustertemplates/detail")["clustertemplates"]
                 if t["name"] == name]
        if len(found) > 1:
            raise CloudError(f"There are {len(found)} Magnum cluster templates named {name!r}; "
                             "delete the extra ones (openstack coe cluster template delete).")
        return found[0] if found else None

    def create_template(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/clustertemplates", body)
        return result

    def update_template(self, uuid: str, patch: list[dict[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PATCH", f"/clustertemplates/{uuid}", patch)
        return result

    def delete_template(self, uuid: str, ignore_missing: bool = True) -> None:
        with contextlib.suppress(*((NotFound,) if ignore_missing else ())):
            self._call("DELETE", f"/clustertemplates/{uuid}")

    # -- clusters ---------------------------------------------------------------------------
    def find_cluster(self, name: str) -> dict[str, Any] | None:
        summaries = self._call("GET", "/clusters")["clusters"]
        found = [c for c in summaries if c["name"] == name]
        if len(found) > 1:
            raise CloudError(f"There are {len(found)} Magnum clusters named {name!r}; the "
                             "deployment cannot tell which is its own. Delete the extra ones.")
        return self.get_cluster(found[0]["uuid"]) if found else None

    def get_cluster(self, uuid: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/clusters/{uuid}")
        return result

    def create_cluster(self, body: dict[str, Any]) -> str:
        return str(self._call("POST", "/clusters", body)["uuid"])

    def resize(self, uuid: str, node_count: int) -> None:
        self._call("POST", f"/clusters/{uuid}/actions/resize", {"node_count": node_count})

    def delete_cluster(self, uuid: str, ignore_missing: bool = True) -> None:
        with contextlib.suppress(*((NotFound,) if ignore_missing else ())):
            self._call("DELETE", f"/clusters/{uuid}")

    def wait_for_delete(self, uuid: str, name: str, *, timeout: float,
                        progress: Callable[[str], None]) -> None:
        """Until Magnum no longer knows the cluster (404); DELETE_FAILED stops the wait with
        Magnum's own reason."""
        def gone() -> tuple[bool, None, str]:
            try:
                cluster = self.get_cluster(uuid)
            except NotFound:
                return True, None, "gone"
            if cluster["status"] == "DELETE_FAILED":
                raise CloudError(f"Magnum could not delete cluster {name}: "
                                 f"{failure_text(cluster)}")
            return False, None, deletion_text(cluster)

        wait_until(gone, what=f"deleting cluster {name}", timeout=timeout, report=progress)

    def nodegroups(self, uuid: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"/clusters/{uuid}/nodegroups")[
            "nodegroups"]
        return result

    # -- certificates -----------------------------------------------------------------------
    def sign(self, cluster_uuid: str, csr_pem: str) -> str:
        body = {"cluster_uuid": cluster_uuid, "csr": csr_pem}
        return str(self._call("POST", "/certificates", body)["pem"])

    def ca(self, cluster_uuid: str) -> str:
        return str(self._call("GET", f"/certificates/{cluster_uuid}")["pem"])


def failure_text(cluster: dict[str, Any]) -> str:
    """Magnum's own account of a failure: status_reason plus the per-nodegroup faults."""
    parts = [str(cluster.get("status_reason") or "no reason given")]
    for group, fault in (cluster.get("faults") or {}).items():
        parts.append(f"{group}: {fault}")
    return "; ".join(parts)


def deletion_text(cluster: dict[str, Any]) -> str:
    """A cluster being deleted, as Magnum answers it (the Cluster API driver reports the
    deletion done once the Helm release and its Cluster API objects are gone)."""
    return f"{cluster.get('status')}, reason {cluster.get('status_reason') or 'none given'}"
