"""The Yarn fallback as a graph of steps (pure): which resources, in which order.

The shares are the main route's (same names, same catalogue) and are made here too if
missing; the access rules are the fallback's own (its own cephx ids).
"""

from __future__ import annotations

from typing import Any

from ..steps.base import Node
from ..steps.manila import external_nodes, share_nodes
from ..steps.network import network_nodes
from .compute import (
    ExtraWorkersKind,
    FloatingIpKind,
    PreflightKind,
    PreflightTarget,
    ServerKind,
    ServerTarget,
)
from .layout import YarnPlan
from .network import ROUTER_STEP
from .security import GroupTarget, SecurityGroupKind

PREFLIGHT = "yarn.preflight"


def server_step(name: str) -> str:
    return f"yarn.server/{name}"


def yarn_graph(plan: YarnPlan) -> list[Node[Any]]:
    # Their rules are used, never changed.
    external = external_nodes(plan.shares, "yarn.access")
    route = plan.cephfs_route
    nodes: list[Node[Any]] = [
        *external,
        Node(PREFLIGHT, PreflightKind(), "cloud resources and quotas", PreflightTarget(
            plan, route.provider_network if route else None,
            route.monitors_gateway if route else None), tuple(n.id for n in external)),
    ]
    network, route_ready = network_nodes("yarn", plan.network_plan, route, plan.deployment,
                                         PREFLIGHT, tuple(plan.tags))
    nodes += network
    network_ready = [ROUTER_STEP, *route_ready]
    group_steps = []
    for group in plan.groups:
        group_steps.append(group.step)
        nodes.append(Node(group.step, SecurityGroupKind(), group.name,
                          GroupTarget(group, tuple(plan.tags)), (PREFLIGHT,)))
    access_step = {}
    for share in plan.shares:
        access_step[share.name] = f"yarn.access/{share.name}"
        if share.project_owner is None:  # else checked above
            nodes += share_nodes(share, access_step[share.name], PREFLIGHT)
    for vm in plan.vms:
        steps = tuple(access_step[name] for name in vm.mounts)
        groups = tuple(s for s, g in zip(group_steps, plan.groups, strict=True)
                       if g.name in vm.security_groups)
        nodes.append(Node(server_step(vm.name), ServerKind(), vm.name,
                          ServerTarget(plan, vm, steps, groups),
                          (*network_ready, *groups, *steps)))
    nodes += [
        Node("yarn.extra-workers", ExtraWorkersKind(), f"{plan.prefix}-worker-*",
             plan, (PREFLIGHT,)),
        Node("yarn.floating-ip", FloatingIpKind(), f"{plan.gateway.name} public address",
             plan,
             (server_step(plan.gateway.name), ROUTER_STEP)),
    ]
    return nodes
