"""The Yarn fallback as a graph of steps (pure): which resources, in which order.

The shares are the main route's (same names, same catalogue) and are made here too if
missing; the access rules are the fallback's own (its own cephx ids).
"""

from __future__ import annotations

from typing import Any

from ..steps.base import Node
from ..steps.manila import (
    AccessKind,
    AccessTarget,
    ExternalShareKind,
    ExternalTarget,
    ShareKind,
    ShareTarget,
)
from ..steps.network import network_nodes
from .compute import (
    ExtraTarget,
    ExtraWorkersKind,
    FloatingIpKind,
    FloatingTarget,
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
    # Shares another project owns are checked first: a missing one stops the run before
    # preflight lets anything be made (their rules are used, never changed).
    external = [Node(f"yarn.access/{s.name}", ExternalShareKind(), s.name, ExternalTarget(s))
                for s in plan.shares if s.project_owner is not None]
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
        step = f"yarn.security-group/{group.name.rsplit('-', 1)[-1]}"
        group_steps.append(step)
        nodes.append(Node(step, SecurityGroupKind(), group.name,
                          GroupTarget(group, tuple(plan.tags)), (PREFLIGHT,)))
    access_step = {}
    for share in plan.shares:
        share_step = f"manila.share/{share.name}"
        access_step[share.name] = f"yarn.access/{share.name}"
        if share.project_owner is not None:  # checked above
            continue
        nodes += [
            Node(share_step, ShareKind(), share.name, ShareTarget(share), (PREFLIGHT,)),
            Node(access_step[share.name], AccessKind(), share.cephx_id,
                 AccessTarget(share, share_step), (share_step,)),
        ]
    for vm in plan.vms:
        steps = tuple(access_step[name] for name in vm.mounts)
        groups = tuple(s for s, g in zip(group_steps, plan.groups, strict=True)
                       if g.name in vm.security_groups)
        nodes.append(Node(server_step(vm.name), ServerKind(), vm.name,
                          ServerTarget(plan, vm, steps, groups),
                          (*network_ready, *groups, *steps)))
    nodes += [
        Node("yarn.extra-workers", ExtraWorkersKind(), f"{plan.prefix}-worker-*",
             ExtraTarget(plan), (PREFLIGHT,)),
        Node("yarn.floating-ip", FloatingIpKind(), f"{plan.gateway.name} public address",
             FloatingTarget(plan, server_step(plan.gateway.name)),
             (server_step(plan.gateway.name), ROUTER_STEP)),
    ]
    return nodes
