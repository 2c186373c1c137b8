"""What ``platform delete`` and ``platform yarn-fallback-delete`` both take apart, in the order
the cloud allows: the route to CephFS before its router, routers before the network, and of
each share only this deployment's access rule (the share and its data stay)."""

from __future__ import annotations

from typing import Any

from .cloud.manila import Manila
from .cloud.neutron import Neutron
from .desired import CephfsRoutePlan, SharePlan
from .steps.network import monitors_route


def remove_cephfs_route(cloud: Any, main_router: str, route: CephfsRoutePlan | None
                        ) -> list[str]:
    """The main router's static route to the monitors. It goes first: while it needs the
    CephFS router's interface, Neutron refuses to detach it (what stopped aglais's deletes)."""
    if route is None:
        return []
    wanted = monitors_route(route)
    if not Neutron(cloud).remove_route(main_router, wanted):
        return []
    return [f"route {wanted['destination']} via {wanted['nexthop']}"]


def delete_router(cloud: Any, name: str) -> list[str]:
    return [f"router {name}"] if Neutron(cloud).delete_router(name) else []


def delete_network(cloud: Any, network: str, subnet: str) -> list[str]:
    return Neutron(cloud).delete_network(network, subnet)


def owned_elsewhere(plan: SharePlan) -> dict[str, Any] | None:
    """The report entry of a share another project owns: its rule and it are untouched."""
    if plan.project_owner is None:
        return None
    return {"name": plan.name, "owner_project": plan.project_owner.project,
            "purpose": plan.share.purpose}


def kept(plan: SharePlan, share: Any) -> dict[str, Any]:
    return {"name": plan.name, "id": share.id, "purpose": plan.share.purpose,
            "size_gb": share.size}


def revoke(manila: Manila, share: Any, plan: SharePlan) -> list[str]:
    """This deployment's cephx rule on the share, if it is there."""
    if manila.deny_cephx(share.id, plan.cephx_id):
        return [f"access rule {plan.cephx_id} on share {plan.name}"]
    return []
