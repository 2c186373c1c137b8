"""The fallback's own network: network, subnet, router to the outside, and (where the Ceph
monitors sit on a provider network) a CephFS router with a static route, as the main route has.

The network, the routers and the static route reuse the main route's kinds (steps/network.py);
the subnet differs (it keeps its lower half for fixed VM addresses) and so has its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import CloudError
from ..plan import Action, Decision
from ..steps.base import Context, Progress, Unknown
from .layout import YarnPlan

NETWORK_STEP, SUBNET_STEP, ROUTER_STEP = "yarn.network", "yarn.subnet", "yarn.router"
CEPHFS_ROUTER_STEP, CEPHFS_ROUTE_STEP = "yarn.cephfs-router", "yarn.cephfs-route"


@dataclass(frozen=True)
class YarnNet:
    plan: YarnPlan


class SubnetKind:
    kind = "yarn.subnet"

    def observe(self, ctx: Context, target: YarnNet) -> Any:
        return ctx.cloud.network.find_subnet(target.plan.subnet)

    def decide(self, target: YarnNet, observed: Any) -> Decision:
        plan = target.plan
        what = f"{plan.cidr}, DHCP {plan.pool[0]}-{plan.pool[1]}"
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{what} ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, what)
        if observed.cidr != plan.cidr:
            return Decision(Action.CHECK, f"exists with {observed.cidr}, profile says "
                            f"{plan.cidr} (yarn.cidr): run yarn-fallback-delete to change it")
        return Decision(Action.NOOP, what)

    def apply(self, ctx: Context, target: YarnNet, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        plan = target.plan
        if decision.action is Action.CHECK:
            raise CloudError(f"Subnet {plan.subnet} {decision.reason}.")
        if decision.action is Action.CREATE:
            observed = ctx.cloud.network.create_subnet(
                name=plan.subnet, network_id=ctx.result(NETWORK_STEP)["network_id"],
                ip_version=4, cidr=plan.cidr, gateway_ip=plan.gateway_ip,
                # DHCP hands out the upper half only: the VMs' fixed addresses are below it.
                allocation_pools=[{"start": plan.pool[0], "end": plan.pool[1]}],
                dns_nameservers=list(plan.dns_nameservers),
            )
            ctx.cloud.network.set_tags(observed, plan.tags)
        return {"subnet_id": observed.id, "network_id": observed.network_id}
