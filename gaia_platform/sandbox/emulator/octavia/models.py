"""Octavia's state: load balancers, per project.

Nothing in the product creates a load balancer through Octavia (on a real cloud the cluster's
cloud-provider-openstack and Cluster API's OpenStack provider do); preflight only lists them to
learn whether the service answers to this project's roles. The policy is Octavia's default
"advanced RBAC": reads need one of the load-balancer roles (octavia/common/policies/base.py,
docs "Octavia Policies"), not just Keystone's member role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import public

if TYPE_CHECKING:
    from ..state import EmulatorState

Record = dict[str, Any]

#: Roles that pass ``load-balancer:read`` for a project's own resources.
READ_ROLES = frozenset({"load-balancer_observer", "load-balancer_global_observer",
                        "load-balancer_member", "load-balancer_admin", "admin"})
#: The providers of a cloud that enables Octavia's defaults: the reference driver and its
#: deprecated alias (octavia/common/config.py, [api_settings] enabled_provider_drivers; docs
#: "Available Provider Drivers": default provider name amphora).
PROVIDERS = [
    {"name": "amphora", "description": "The Octavia Amphora driver."},
    {"name": "octavia", "description": "Deprecated alias of the Octavia Amphora driver."},
]


class OctaviaBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    @property
    def _load_balancers(self) -> dict[str, Record]:
        return self.state.store.table("octavia", "load_balancers")

    def advance(self, now: float) -> bool:
        return False

    @staticmethod
    def authorize_read(token: dict[str, Any]) -> None:
        roles = {role["name"] for role in token.get("roles", [])}
        if not roles & READ_ROLES:
            # octavia/common/exceptions.py PolicyForbidden.
            raise ApiError(403, "Policy does not allow this request to be performed.")

    def load_balancers(self, project_id: str) -> list[Record]:
        return [public(lb) for lb in self._load_balancers.values()
                if lb["project_id"] == project_id]

    def load_balancer(self, project_id: str, lb_id: str) -> Record:
        found = self._load_balancers.get(lb_id)
        if found is None or found["project_id"] != project_id:
            raise ApiError(404, f"Load Balancer {lb_id} not found.")
        return public(found)
