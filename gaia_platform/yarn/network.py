"""The fallback's own network: network, subnet, router to the outside, and (where the Ceph
monitors sit on a provider network) a CephFS router with a static route, as the main route has.

The network itself and the static route reuse the main route's kinds (steps/network.py); the
subnet and routers differ (the subnet keeps its lower half for fixed VM addresses) and so have
their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..desired import CephfsRoutePlan
from ..errors import CloudError
from ..plan import Action, Decision
from ..steps.base import Context, Progress, Unknown
from .layout import YarnPlan

NETWORK_STEP, SUBNET_STEP, ROUTER_STEP = "yarn.network", "yarn.subnet", "yarn.router"
CEPHFS_ROUTER_STEP, CEPHFS_ROUTE_STEP = "yarn.cephfs-router", "yarn.cephfs-route"


def find_external(ctx: Context, name: str, field: str) -> Any:
    network = ctx.cloud.network.find_network(name)
    if network is None:
        raise CloudError(f"Network {name!r} does not exist (the profile's {field} names it).")
    return network


def router_ports_on(ctx: Context, router_id: str, subnet_id: str) -> list[Any]:
    return [p for p in ctx.cloud.network.ports(device_id=router_id)
            if any(ip.get("subnet_id") == subnet_id for ip in p.fixed_ips or [])]


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


class RouterKind:
    kind = "yarn.router"

    def observe(self, ctx: Context, target: YarnNet) -> Any:
        router = ctx.cloud.network.find_router(target.plan.router)
        if router is None:
            return None
        subnet = ctx.cloud.network.find_subnet(target.plan.subnet)
        return {"router": router,
                "attached": bool(subnet and router_ports_on(ctx, router.id, subnet.id))}

    def decide(self, target: YarnNet, observed: Any) -> Decision:
        what = f"gateway {target.plan.external_network}"
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{what} ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, what)
        if not observed["attached"]:
            return Decision(Action.UPDATE, f"attach {target.plan.subnet}")
        return Decision(Action.NOOP, f"{what}, subnet attached")

    def apply(self, ctx: Context, target: YarnNet, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        plan, network = target.plan, ctx.cloud.network
        router = observed["router"] if isinstance(observed, dict) else None
        if router is None:
            external = find_external(ctx, plan.external_network, "yarn.external_network")
            router = network.create_router(name=plan.router,
                                           external_gateway_info={"network_id": external.id})
            network.set_tags(router, plan.tags)
        if not (isinstance(observed, dict) and observed["attached"]):
            network.add_interface_to_router(router,
                                            subnet_id=ctx.result(SUBNET_STEP)["subnet_id"])
        return {"router_id": router.id}


@dataclass(frozen=True)
class YarnCephfs:
    plan: YarnPlan
    route: CephfsRoutePlan


class CephfsRouterKind:
    """A second router from the fallback's subnet to the provider network of the monitors."""

    kind = "yarn.cephfs-router"

    def observe(self, ctx: Context, target: YarnCephfs) -> Any:
        router = ctx.cloud.network.find_router(target.route.router)
        if router is None:
            return None
        subnet = ctx.cloud.network.find_subnet(target.plan.subnet)
        return {"router": router,
                "attached": bool(subnet and router_ports_on(ctx, router.id, subnet.id))}

    def decide(self, target: YarnCephfs, observed: Any) -> Decision:
        what = f"gateway {target.route.provider_network}, {target.route.interface_ip} on " \
               f"{target.plan.subnet}"
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{what} ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, what)
        if not observed["attached"]:
            return Decision(Action.UPDATE, f"attach {target.route.interface_ip}")
        return Decision(Action.NOOP, what)

    def apply(self, ctx: Context, target: YarnCephfs, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        network, route = ctx.cloud.network, target.route
        router = observed["router"] if isinstance(observed, dict) else None
        if router is None:
            provider = find_external(ctx, route.provider_network,
                                     "cephfs.router.provider_network")
            router = network.create_router(name=route.router,
                                           external_gateway_info={"network_id": provider.id})
            network.set_tags(router, target.plan.tags)
        if not (isinstance(observed, dict) and observed["attached"]):
            subnet = ctx.result(SUBNET_STEP)
            port = network.create_port(
                name=f"{route.router}-port", network_id=subnet["network_id"],
                fixed_ips=[{"subnet_id": subnet["subnet_id"], "ip_address": route.interface_ip}],
            )
            network.add_interface_to_router(router, port_id=port.id)
        return {"router_id": router.id}
