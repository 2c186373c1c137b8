"""Magnum's state: cluster templates, clusters and their node groups.

Records are the API's JSON objects (stored in the emulator's store); fields starting with ``_``
are bookkeeping: the operation under way (``_op``), when it ends (``_due``), how it ends
(``_fail``: a failure reason decided when it starts), the nodes a node group has
(``_nodes``), and a cluster's own CA when no real control plane stands behind it.
The state machines themselves are in lifecycle.py.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import Record
from . import lifecycle
from .errors import not_found
from .validation import is_uuid_like
from .versions import PREFIX

if TYPE_CHECKING:
    from ..state import EmulatorState


def stamp(moment: float | None = None) -> str:
    """Magnum's timestamps: ISO 8601 to the second, with the UTC offset."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(moment))


class MagnumBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # -- tables ---------------------------------------------------------------------------
    @property
    def templates(self) -> dict[str, Record]:
        return self.state.store.table("magnum", "clustertemplates")

    @property
    def clusters(self) -> dict[str, Record]:
        return self.state.store.table("magnum", "clusters")

    @property
    def nodegroups(self) -> dict[str, Record]:
        return self.state.store.table("magnum", "nodegroups")

    def next_id(self, kind: str) -> int:
        """Database-style integer ids (node groups show theirs), never reused."""
        counters = self.state.store.table("magnum", "counters")
        counter = counters.setdefault(kind, {"next": 1})
        value = int(counter["next"])
        counter["next"] = value + 1
        return value

    # -- helpers shared by the resource modules -----------------------------------------
    @staticmethod
    def new_uuid() -> str:
        return str(uuid.uuid4())

    def stamp(self) -> str:
        return stamp(self.state.now())

    @property
    def app_url(self) -> str:
        return self.state.config.base_url + PREFIX

    def links(self, resource: str, ident: str) -> list[dict[str, str]]:
        return [
            {"href": f"{self.app_url}/v1/{resource}/{ident}", "rel": "self"},
            {"href": f"{self.app_url}/{resource}/{ident}", "rel": "bookmark"},
        ]

    def duration(self, operation: str) -> float:
        return self.state.config.duration(operation)

    def take_failure(self, operation: str) -> str | None:
        """The failure reason an outcome fault sets for this operation, if one is armed."""
        rule = self.state.faults.take_outcome(operation)
        if rule is None:
            return None
        return str(rule.get("reason") or f"{operation} failed (injected fault)")

    # -- lookups (uuid or name, as magnum/api/utils.py get_resource) -------------------
    def _by_ident(
        self, table: dict[str, Record], ident: str, visible: Any, kind: str, plural: str,
        uuid_word: str,
    ) -> Record:
        if is_uuid_like(ident):
            record = table.get(str(uuid.UUID(ident)))
            if record is None or not visible(record):
                raise not_found(kind, ident)
            return record
        matches = [r for r in table.values() if r["name"] == ident and visible(r)]
        if len(matches) > 1:
            raise ApiError(409, f"Multiple {plural} exist with same name. Please use the "
                                f"{uuid_word} uuid instead.")
        if not matches:
            raise not_found(kind, ident)
        return matches[0]

    def template(self, ident: str, project_id: str) -> Record:
        def visible(record: Record) -> bool:
            own = record["project_id"] == project_id
            return bool(own or (record["public"] and not record["hidden"]))

        return self._by_ident(self.templates, ident, visible, "ClusterTemplate",
                              "ClusterTemplates", "ClusterTemplate")

    def visible_templates(self, project_id: str) -> list[Record]:
        return [t for t in self.templates.values()
                if t["project_id"] == project_id or (t["public"] and not t["hidden"])]

    def cluster(self, ident: str, project_id: str) -> Record:
        return self._by_ident(self.clusters, ident, lambda r: r["project_id"] == project_id,
                              "Cluster", "clusters", "cluster")

    def project_clusters(self, project_id: str) -> list[Record]:
        return [c for c in self.clusters.values() if c["project_id"] == project_id]

    def cluster_nodegroups(self, cluster_uuid: str) -> list[Record]:
        groups = [g for g in self.nodegroups.values() if g["cluster_id"] == cluster_uuid]
        return sorted(groups, key=lambda g: int(g["id"]))

    def nodegroup(self, cluster: Record, ident: str) -> Record:
        groups = {g["uuid"]: g for g in self.cluster_nodegroups(cluster["uuid"])}
        return self._by_ident(groups, ident, lambda r: True, "Nodegroup", "nodegroups",
                              "nodegroup")

    # -- the state machines --------------------------------------------------------------
    def advance(self, now: float) -> bool:
        return lifecycle.advance(self, now)
