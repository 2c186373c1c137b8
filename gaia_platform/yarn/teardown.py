"""``platform yarn-fallback-delete``: removes what the fallback made, in the order the cloud
allows. Shares are never touched (they hold the data and belong to both routes); only the
fallback's own access rules on them go. The network, routes and rules are taken apart as
``platform delete`` does (dismantle.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..cloud.manila import Manila
from ..cloud.neutron import Neutron
from ..dismantle import delete_network, delete_router, kept, owned_elsewhere, remove_cephfs_route
from ..dismantle import revoke as revoke_access
from ..steps.base import Context
from .compute import delete_and_wait, find_server, our_servers
from .layout import YarnPlan
from .security import find_group

Progress = Callable[[str], None]


def delete(ctx: Context, plan: YarnPlan, progress: Progress) -> dict[str, Any]:
    neutron = Neutron(ctx.cloud)
    removed: list[str] = []

    # 1. The floating IP, then every server (planned names and anything tagged as ours).
    for ip in neutron.floating_ips(tags=plan.tags):
        neutron.delete_floating_ip(ip)
        removed.append(f"floating IP {ip.floating_ip_address}")
    servers = {s.id: s for s in our_servers(ctx, plan)}
    for vm in plan.vms:
        found = find_server(ctx, vm.name)
        if found is not None:
            servers[found.id] = found
    for server in sorted(servers.values(), key=lambda s: str(s.name)):
        progress(f"deleting server {server.name}")
        for ip in neutron.server_floating_ips(server.id):
            neutron.delete_floating_ip(ip)
            removed.append(f"floating IP {ip.floating_ip_address}")
        delete_and_wait(ctx, server, progress)
        removed.append(f"server {server.name}")

    # 2. Security groups, once no port uses them.
    for group in plan.groups:
        found = find_group(ctx, group.name)
        if found is not None:
            neutron.delete_security_group(found)
            removed.append(f"security group {group.name}")

    # 3. The route to CephFS before its router, then the routers.
    removed += remove_cephfs_route(ctx.cloud, plan.router, plan.cephfs_route)
    if plan.cephfs_route:
        removed += delete_router(ctx.cloud, plan.cephfs_route.router)
    removed += delete_router(ctx.cloud, plan.router)

    # 4. The fallback's own access rules; the shares stay.
    manila = Manila(ctx.cloud)
    shares = []
    for share in plan.shares:
        elsewhere = owned_elsewhere(share)
        if elsewhere is not None:  # another project's share and rule: untouched
            shares.append(elsewhere)
            continue
        found = manila.find_share(share.name)
        if found is None:
            continue
        removed += revoke_access(manila, found, share)
        shares.append(kept(share, found))

    # 5. The network.
    removed += delete_network(ctx.cloud, plan.network, plan.subnet)
    return {"deployment": plan.deployment, "removed": removed, "shares_kept": shares,
            "shares_deleted": []}
