"""``platform yarn-fallback-status``: the fallback as the cloud reports it now."""

from __future__ import annotations

from typing import Any

from ..cloud.manila import Manila
from ..cloud.neutron import Neutron
from ..report import access_rule
from ..steps.base import Context
from .compute import find_server, our_servers
from .layout import ROLE_KEY, YarnPlan
from .security import find_group


def collect(ctx: Context, plan: YarnPlan) -> dict[str, Any]:
    neutron = Neutron(ctx.cloud)
    servers = []
    planned = {vm.name for vm in plan.vms}
    floating: str | None = None
    for vm in plan.vms:
        server = find_server(ctx, vm.name)
        entry: dict[str, Any] = {"name": vm.name, "role": vm.role, "flavor": vm.flavor,
                                 "address": vm.address, "exists": server is not None,
                                 "status": None, "floating_ip": None}
        if server is not None:
            entry["status"] = server.status
            for ip in neutron.server_floating_ips(server.id):
                entry["floating_ip"] = ip.floating_ip_address
            if vm.role == "gateway":
                floating = entry["floating_ip"]
        servers.append(entry)
    extra = [{"name": s.name, "role": (s.metadata or {}).get(ROLE_KEY), "status": s.status}
             for s in our_servers(ctx, plan) if s.name not in planned]
    groups = []
    for group in plan.groups:
        group_found = find_group(ctx, group.name)
        found_id = group_found.id if group_found is not None else None
        rules = [] if group_found is None else [
            {"direction": r.direction, "protocol": r.protocol, "port_min": r.port_range_min,
             "port_max": r.port_range_max, "remote_ip_prefix": r.remote_ip_prefix,
             "remote_group": r.remote_group_id == found_id}
            for r in neutron.ingress_rules(group_found.id)]
        groups.append({"name": group.name, "exists": group_found is not None,
                       "ingress": rules})
    manila = Manila(ctx.cloud)
    shares = []
    for share in plan.shares:
        found = manila.find_share(share.name)
        entry = {"name": share.name, "purpose": share.share.purpose,
                 "mount_path": share.share.mount_path, "status": None, "access_rule": None}
        if found is not None:
            entry["status"] = found.status
            entry["access_rule"] = access_rule(manila, found, share.cephx_id)
        shares.append(entry)
    ready = all(s["status"] == "ACTIVE" for s in servers) and floating is not None
    return {
        "deployment": plan.deployment,
        "cloud": ctx.deployment.profile.openstack.cloud,
        "ready": ready,
        "zeppelin_url": f"https://{floating}/" if floating else None,
        "servers": servers,
        "extra_servers": extra,
        "network": {"name": plan.network, "exists":
                    neutron.find_network(plan.network) is not None, "cidr": plan.cidr},
        "security_groups": groups,
        "shares": shares,
    }
