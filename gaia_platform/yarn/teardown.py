"""``platform yarn-fallback-delete``: removes what the fallback made, in the order the cloud
allows. Shares are never touched (they hold the data and belong to both routes); only the
fallback's own access rules on them go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..cloud.manila import Manila
from ..steps.base import Context
from ..teardown import delete_router
from .compute import delete_and_wait, find_server, our_servers
from .layout import YarnPlan
from .security import find_group

Progress = Callable[[str], None]


def delete(ctx: Context, plan: YarnPlan, progress: Progress) -> dict[str, Any]:
    network = ctx.cloud.network
    removed: list[str] = []

    # 1. The floating IP, then every server (planned names and anything tagged as ours).
    for ip in network.ips(tags=",".join(plan.tags)):
        network.delete_ip(ip, ignore_missing=True)
        removed.append(f"floating IP {ip.floating_ip_address}")
    servers = {s.id: s for s in our_servers(ctx, plan)}
    for vm in plan.vms:
        found = find_server(ctx, vm.name)
        if found is not None:
            servers[found.id] = found
    for server in sorted(servers.values(), key=lambda s: str(s.name)):
        progress(f"deleting server {server.name}")
        for port in network.ports(device_id=server.id):
            for ip in network.ips(port_id=port.id):
                network.delete_ip(ip, ignore_missing=True)
                removed.append(f"floating IP {ip.floating_ip_address}")
        delete_and_wait(ctx, server, progress)
        removed.append(f"server {server.name}")

    # 2. Security groups, once no port uses them.
    for group in plan.groups:
        found = find_group(ctx, group.name)
        if found is not None:
            network.delete_security_group(found, ignore_missing=True)
            removed.append(f"security group {group.name}")

    # 3. The route to CephFS before its router: Neutron keeps an interface a route needs.
    router = network.find_router(plan.router)
    if plan.cephfs_route:
        route = {"destination": plan.cephfs_route.monitors_cidr,
                 "nexthop": plan.cephfs_route.interface_ip}
        if router is not None and route in (router.routes or []):
            network.update_router(router, routes=[r for r in router.routes if r != route])
            removed.append(f"route {route['destination']} via {route['nexthop']}")
        removed += delete_router(ctx, plan.cephfs_route.router)
    removed += delete_router(ctx, plan.router)

    # 4. The fallback's own access rules; the shares stay.
    manila = Manila(ctx.cloud)
    kept = []
    for share in plan.shares:
        if share.project_owner is not None:  # another project's share and rule: untouched
            kept.append({"name": share.name, "owner_project": share.project_owner.project,
                         "purpose": share.share.purpose})
            continue
        found = manila.find_share(share.name)
        if found is None:
            continue
        if manila.deny_cephx(found.id, share.cephx_id):
            removed.append(f"access rule {share.cephx_id} on share {share.name}")
        kept.append({"name": share.name, "id": found.id, "purpose": share.share.purpose,
                     "size_gb": found.size})

    # 5. The network.
    subnet = network.find_subnet(plan.subnet)
    if subnet is not None:
        for port in network.ports(network_id=subnet.network_id):
            network.delete_port(port)
        network.delete_subnet(subnet)
        removed.append(f"subnet {plan.subnet}")
    net = network.find_network(plan.network)
    if net is not None:
        network.delete_network(net)
        removed.append(f"network {plan.network}")
    return {"deployment": plan.deployment, "removed": removed, "shares_kept": kept,
            "shares_deleted": []}

