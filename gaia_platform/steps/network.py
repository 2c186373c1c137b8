"""The deployment's network, its router to the outside, and the optional route to CephFS.

On clouds where the Ceph monitors sit on a provider network (Arcus, cumulus) a second router
joins that network to the deployment's subnet, and a static route on the main router sends
the monitors' range through it (what aglais did by hand with cephfs-router.sh).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ..cloud.neutron import Neutron
from ..desired import OWNER_KEY, CephfsRoutePlan, NetworkPlan
from ..errors import CloudError
from ..plan import Action, Decision
from .base import Context, Progress, Unknown


def _tag(deployment: str) -> str:
    return f"{OWNER_KEY}={deployment}"


def find_external(ctx: Context, name: str, field: str) -> Any:
    network = Neutron(ctx.cloud).find_network(name)
    if network is None:
        raise CloudError(f"Network {name!r} does not exist (the profile's {field} names it).")
    return network


@dataclass(frozen=True)
class NetTarget:
    plan: NetworkPlan
    deployment: str
    #: Tags for what the step makes (default: the deployment's owner tag).
    tags: tuple[str, ...] = ()
    #: The steps whose results hold the network's and subnet's ids (the Yarn fallback has its
    #: own network beside the main route's).
    network_step: str = "network.network"
    subnet_step: str = "network.subnet"
    external_field: str = "cluster.external_network"

    def tag_list(self) -> list[str]:
        return list(self.tags) or [_tag(self.deployment)]


class NetworkKind:
    kind = "network.network"

    def observe(self, ctx: Context, target: NetTarget) -> Any:
        return Neutron(ctx.cloud).find_network(target.plan.network)

    def decide(self, target: NetTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"create unless present ({observed.why})")
        return Decision(Action.CREATE, "missing") if observed is None \
            else Decision(Action.NOOP, "exists")

    def apply(self, ctx: Context, target: NetTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.CREATE:
            observed = ctx.cloud.network.create_network(name=target.plan.network)
            ctx.cloud.network.set_tags(observed, target.tag_list())
        return {"network_id": observed.id}


class SubnetKind:
    kind = "network.subnet"

    def observe(self, ctx: Context, target: NetTarget) -> Any:
        return Neutron(ctx.cloud).find_subnet(target.plan.subnet)

    def decide(self, target: NetTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{target.plan.cidr} ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, f"{target.plan.cidr}")
        if observed.cidr != target.plan.cidr:
            return Decision(Action.CHECK, f"exists with {observed.cidr}, profile says "
                            f"{target.plan.cidr}: delete the deployment to change it")
        return Decision(Action.NOOP, f"{observed.cidr}")

    def apply(self, ctx: Context, target: NetTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.CHECK:
            raise CloudError(f"Subnet {target.plan.subnet} {decision.reason}.")
        if decision.action is Action.CREATE:
            net = ipaddress.ip_network(target.plan.cidr)
            first, last = net.network_address, net.broadcast_address
            observed = ctx.cloud.network.create_subnet(
                name=target.plan.subnet, network_id=ctx.result(target.network_step)["network_id"],
                ip_version=4, cidr=target.plan.cidr, gateway_ip=str(first + 1),
                # The top few addresses stay out of DHCP: the CephFS router's interface uses one.
                allocation_pools=[{"start": str(first + 10), "end": str(last - 4)}],
                dns_nameservers=list(target.plan.dns_nameservers),
            )
            ctx.cloud.network.set_tags(observed, target.tag_list())
        return {"subnet_id": observed.id, "network_id": observed.network_id}


def router_ports_on(ctx: Context, router_id: str, subnet_id: str) -> list[Any]:
    return [p for p in ctx.cloud.network.ports(device_id=router_id)
            if any(ip.get("subnet_id") == subnet_id for ip in p.fixed_ips or [])]


class RouterKind:
    kind = "network.router"

    def observe(self, ctx: Context, target: NetTarget) -> Any:
        router = Neutron(ctx.cloud).find_router(target.plan.router)
        if router is None:
            return None
        subnet = Neutron(ctx.cloud).find_subnet(target.plan.subnet)
        attached = bool(subnet and router_ports_on(ctx, router.id, subnet.id))
        return {"router": router, "attached": attached}

    def decide(self, target: NetTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"gateway {target.plan.external_network} "
                            f"({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, f"gateway {target.plan.external_network}")
        if not observed["attached"]:
            return Decision(Action.UPDATE, "attach the subnet")
        return Decision(Action.NOOP, "exists, subnet attached")

    def apply(self, ctx: Context, target: NetTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        network = ctx.cloud.network
        router = observed["router"] if isinstance(observed, dict) else None
        if router is None:
            external = find_external(ctx, target.plan.external_network, target.external_field)
            router = network.create_router(name=target.plan.router,
                                           external_gateway_info={"network_id": external.id})
            network.set_tags(router, target.tag_list())
        if decision.action is not Action.NOOP and not (
            isinstance(observed, dict) and observed["attached"]
        ):
            network.add_interface_to_router(router, subnet_id=ctx.result(
                target.subnet_step)["subnet_id"])
        return {"router_id": router.id}


@dataclass(frozen=True)
class CephfsTarget:
    plan: CephfsRoutePlan
    subnet: str
    main_router: str
    deployment: str
    tags: tuple[str, ...] = ()
    subnet_step: str = "network.subnet"


class CephfsRouterKind:
    kind = "network.cephfs-router"

    def observe(self, ctx: Context, target: CephfsTarget) -> Any:
        router = Neutron(ctx.cloud).find_router(target.plan.router)
        if router is None:
            return None
        subnet = Neutron(ctx.cloud).find_subnet(target.subnet)
        attached = bool(subnet and router_ports_on(ctx, router.id, subnet.id))
        return {"router": router, "attached": attached}

    def decide(self, target: CephfsTarget, observed: Any) -> Decision:
        what = f"gateway {target.plan.provider_network}, {target.plan.interface_ip} on " \
               f"{target.subnet}"
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{what} ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, what)
        if not observed["attached"]:
            return Decision(Action.UPDATE, f"attach {target.plan.interface_ip}")
        return Decision(Action.NOOP, what)

    def apply(self, ctx: Context, target: CephfsTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        network = ctx.cloud.network
        router = observed["router"] if isinstance(observed, dict) else None
        if router is None:
            provider = find_external(ctx, target.plan.provider_network,
                                     "cephfs.router.provider_network")
            router = network.create_router(name=target.plan.router,
                                           external_gateway_info={"network_id": provider.id})
            network.set_tags(router, list(target.tags) or [_tag(target.deployment)])
        if not (isinstance(observed, dict) and observed["attached"]):
            subnet = ctx.result(target.subnet_step)
            port = self._port_left_behind(ctx, target, subnet, router.id)
            if port is None:
                port = network.create_port(
                    name=self.port_name(target), network_id=subnet["network_id"],
                    fixed_ips=[{"subnet_id": subnet["subnet_id"],
                                "ip_address": target.plan.interface_ip}],
                )
            else:
                progress(f"adopting port {port.id} ({target.plan.interface_ip}) left by an "
                         "interrupted run")
            if port.device_id != router.id:
                network.add_interface_to_router(router, port_id=port.id)
        return {"router_id": router.id}

    @staticmethod
    def port_name(target: CephfsTarget) -> str:
        return f"{target.plan.router}-port"

    def _port_left_behind(self, ctx: Context, target: CephfsTarget, subnet: dict[str, Any],
                          router_id: str) -> Any | None:
        """The port holding the interface address, if an earlier run made it (by its name)
        and it is free or already on this router; anything else holding the address stops
        the step: Neutron would refuse the new port with 409 "IP address ... already
        allocated" (neutron api-ref, ports: "Create port", 409 IpAddressAlreadyAllocated)."""
        ip = target.plan.interface_ip
        for port in ctx.cloud.network.ports(network_id=subnet["network_id"]):
            if not any(f.get("ip_address") == ip for f in port.fixed_ips or []):
                continue
            if port.name == self.port_name(target) and port.device_id in ("", None, router_id):
                return port
            raise CloudError(
                f"The CephFS router's address {ip} (the third-highest of the profile's "
                f"network.cidr) is held by port {port.id} ({port.name or 'unnamed'}, device "
                f"{port.device_id or 'none'}), which this deployment did not make. Free the "
                "address (openstack port delete) or give the deployment another network.cidr.")
        return None


class CephfsRouteKind:
    kind = "network.cephfs-route"

    def observe(self, ctx: Context, target: CephfsTarget) -> Any:
        router = Neutron(ctx.cloud).find_router(target.main_router)
        if router is None:
            return None
        return {"router": router, "routes": list(router.routes or [])}

    def _route(self, target: CephfsTarget) -> dict[str, str]:
        return {"destination": target.plan.monitors_cidr, "nexthop": target.plan.interface_ip}

    def decide(self, target: CephfsTarget, observed: Any) -> Decision:
        text = f"{target.plan.monitors_cidr} via {target.plan.interface_ip}"
        if isinstance(observed, Unknown) or observed is None:
            return Decision(Action.CREATE, text)
        if self._route(target) in observed["routes"]:
            return Decision(Action.NOOP, text)
        return Decision(Action.CREATE, text)

    def apply(self, ctx: Context, target: CephfsTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.CREATE:
            # Read just before the write (from the SDK, not this run's listing): the routes
            # are replaced as a whole.
            router = ctx.cloud.network.find_router(target.main_router)
            routes = [*list(router.routes or []), self._route(target)]
            ctx.cloud.network.update_router(router, routes=routes)
        return {"route": self._route(target)}


class CephfsRouterRouteKind:
    """The CephFS router's own route to the monitors' range, through the provider network's
    gateway (gaia-dmp deployments/openstack/bin/cephfs-router.sh: ``router set --route
    destination=<cephinner.cidr>,gateway=<cephinner.link>`` on the CephFS router)."""

    kind = "network.cephfs-router-route"

    def _route(self, target: CephfsTarget) -> dict[str, str]:
        return {"destination": target.plan.monitors_cidr,
                "nexthop": str(target.plan.monitors_gateway)}

    def observe(self, ctx: Context, target: CephfsTarget) -> Any:
        router = ctx.cloud.network.find_router(target.plan.router)
        return None if router is None else list(router.routes or [])

    def decide(self, target: CephfsTarget, observed: Any) -> Decision:
        text = f"{target.plan.monitors_cidr} via {target.plan.monitors_gateway} on " \
               f"{target.plan.router}"
        if isinstance(observed, Unknown) or observed is None:
            return Decision(Action.CREATE, text)
        if self._route(target) in observed:
            return Decision(Action.NOOP, text)
        return Decision(Action.CREATE, text)

    def apply(self, ctx: Context, target: CephfsTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.CREATE:
            router = ctx.cloud.network.find_router(target.plan.router)
            routes = [*list(router.routes or []), self._route(target)]
            ctx.cloud.network.update_router(router, routes=routes)
        return {"route": self._route(target)}
