"""The deployment's network, its router to the outside, and the optional route to CephFS.

On clouds where the Ceph monitors sit on a provider network (Arcus, cumulus) a second router
joins that network to the deployment's subnet, and a static route on the main router sends
the monitors' range through it (what aglais did by hand with cephfs-router.sh).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cloud.neutron import Neutron
from ..desired import OWNER_KEY, CephfsRoutePlan, NetworkPlan
from ..errors import CloudError
from ..plan import Action, Decision
from .base import Context, Node, Progress, Unknown


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

    def tag_list(self) -> list[str]:
        return list(self.tags) or [_tag(self.deployment)]


def created_unless_there(observed: Any, what: str) -> Decision | None:
    """CREATE when the thing is missing (or could not be looked at), else None."""
    if isinstance(observed, Unknown):
        return Decision(Action.CREATE, f"{what} ({observed.why})")
    return Decision(Action.CREATE, what) if observed is None else None


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
            observed = Neutron(ctx.cloud).create_network(target.plan.network, target.tag_list())
        return {"network_id": observed.id}


class SubnetKind:
    """The subnet, with its DHCP pool: what is outside it is for fixed addresses (the CephFS
    router's interface; the Yarn fallback's VMs)."""

    kind = "network.subnet"

    def decide(self, target: NetTarget, observed: Any) -> Decision:
        plan = target.plan
        what = f"{plan.cidr}, DHCP {plan.pool[0]}-{plan.pool[1]}"
        missing = created_unless_there(observed, what)
        if missing:
            return missing
        if observed.cidr != plan.cidr:
            return Decision(Action.CHECK, f"exists with {observed.cidr}, profile says "
                            f"{plan.cidr} ({plan.cidr_field}): run {plan.delete_command} to "
                            "change it")
        return Decision(Action.NOOP, what)

    def observe(self, ctx: Context, target: NetTarget) -> Any:
        return Neutron(ctx.cloud).find_subnet(target.plan.subnet)

    def apply(self, ctx: Context, target: NetTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        plan = target.plan
        if decision.action is Action.CHECK:
            raise CloudError(f"Subnet {plan.subnet} {decision.reason}.")
        if decision.action is Action.CREATE:
            observed = Neutron(ctx.cloud).create_subnet(
                name=plan.subnet, network_id=ctx.result(target.network_step)["network_id"],
                cidr=plan.cidr, gateway_ip=plan.gateway_ip, pool=plan.pool,
                dns_nameservers=list(plan.dns_nameservers), tags=target.tag_list())
        return {"subnet_id": observed.id, "network_id": observed.network_id}


def _router_on(ctx: Context, router_name: str, subnet_name: str) -> Any:
    """A router and whether it has an interface on the subnet (None: no router)."""
    neutron = Neutron(ctx.cloud)
    router = neutron.find_router(router_name)
    if router is None:
        return None
    subnet = neutron.find_subnet(subnet_name)
    return {"router": router,
            "attached": bool(subnet and neutron.interfaces_on(router.id, subnet.id))}


class RouterKind:
    kind = "network.router"

    def observe(self, ctx: Context, target: NetTarget) -> Any:
        return _router_on(ctx, target.plan.router, target.plan.subnet)

    def decide(self, target: NetTarget, observed: Any) -> Decision:
        missing = created_unless_there(observed, f"gateway {target.plan.external_network}")
        if missing:
            return missing
        if not observed["attached"]:
            return Decision(Action.UPDATE, "attach the subnet")
        return Decision(Action.NOOP, "exists, subnet attached")

    def apply(self, ctx: Context, target: NetTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        neutron = Neutron(ctx.cloud)
        router = observed["router"] if isinstance(observed, dict) else None
        if router is None:
            external = find_external(ctx, target.plan.external_network,
                                     target.plan.external_field)
            router = neutron.create_router(target.plan.router, external.id, target.tag_list())
        if decision.action is not Action.NOOP and not (
            isinstance(observed, dict) and observed["attached"]
        ):
            neutron.add_interface(router, subnet_id=ctx.result(target.subnet_step)["subnet_id"])
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
        return _router_on(ctx, target.plan.router, target.subnet)

    def decide(self, target: CephfsTarget, observed: Any) -> Decision:
        missing = created_unless_there(
            observed, f"gateway {target.plan.provider_network}, {target.plan.interface_ip} on "
                      f"{target.subnet}")
        if missing:
            return missing
        if not observed["attached"]:
            return Decision(Action.UPDATE, f"attach {target.plan.interface_ip}")
        return Decision(Action.NOOP, f"gateway {target.plan.provider_network}, "
                        f"{target.plan.interface_ip} on {target.subnet}")

    def apply(self, ctx: Context, target: CephfsTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        neutron = Neutron(ctx.cloud)
        router = observed["router"] if isinstance(observed, dict) else None
        if router is None:
            provider = find_external(ctx, target.plan.provider_network,
                                     "cephfs.router.provider_network")
            router = neutron.create_router(target.plan.router, provider.id,
                                           list(target.tags) or [_tag(target.deployment)])
        if not (isinstance(observed, dict) and observed["attached"]):
            subnet = ctx.result(target.subnet_step)
            port = self._port_left_behind(ctx, target, subnet, router.id)
            if port is None:
                port = neutron.create_port(
                    name=self.port_name(target), network_id=subnet["network_id"],
                    subnet_id=subnet["subnet_id"], ip_address=target.plan.interface_ip)
            else:
                progress(f"adopting port {port.id} ({target.plan.interface_ip}) left by an "
                         "interrupted run")
            if port.device_id != router.id:
                neutron.add_interface(router, port_id=port.id)
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
        for port in Neutron(ctx.cloud).ports(network_id=subnet["network_id"]):
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


def monitors_route(plan: CephfsRoutePlan) -> dict[str, str]:
    """The main router's static route: the monitors' range via the CephFS router."""
    return {"destination": plan.monitors_cidr, "nexthop": plan.interface_ip}


class _StaticRoute:
    """One static route on one router; the routes are read from Neutron itself just before
    they are written (replaced as a whole), not from this run's listing."""

    kind = ""

    def router(self, target: CephfsTarget) -> str:
        raise NotImplementedError

    def route(self, target: CephfsTarget) -> dict[str, str]:
        raise NotImplementedError

    def observe(self, ctx: Context, target: CephfsTarget) -> Any:
        router = Neutron(ctx.cloud).find_router(self.router(target))
        return None if router is None else list(router.routes or [])

    def decide(self, target: CephfsTarget, observed: Any) -> Decision:
        route = self.route(target)
        text = f"{route['destination']} via {route['nexthop']} on {self.router(target)}"
        if isinstance(observed, list) and route in observed:
            return Decision(Action.NOOP, text)
        return Decision(Action.CREATE, text)

    def apply(self, ctx: Context, target: CephfsTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.CREATE:
            Neutron(ctx.cloud).add_route(self.router(target), self.route(target))
        return {"route": self.route(target)}


class CephfsRouteKind(_StaticRoute):
    kind = "network.cephfs-route"

    def router(self, target: CephfsTarget) -> str:
        return target.main_router

    def route(self, target: CephfsTarget) -> dict[str, str]:
        return monitors_route(target.plan)


class CephfsRouterRouteKind(_StaticRoute):
    """The CephFS router's own route to the monitors' range, through the provider network's
    gateway (gaia-dmp deployments/openstack/bin/cephfs-router.sh: ``router set --route
    destination=<cephinner.cidr>,gateway=<cephinner.link>`` on the CephFS router)."""

    kind = "network.cephfs-router-route"

    def router(self, target: CephfsTarget) -> str:
        return target.plan.router

    def route(self, target: CephfsTarget) -> dict[str, str]:
        return {"destination": target.plan.monitors_cidr,
                "nexthop": str(target.plan.monitors_gateway)}


def network_nodes(prefix: str, plan: NetworkPlan, route: CephfsRoutePlan | None,
                  deployment: str, after: str, tags: tuple[str, ...] = ()
                  ) -> tuple[list[Node[Any]], tuple[str, ...]]:
    """A network of the deployment's own (steps ``<prefix>.network``, ``.subnet``,
    ``.router``) and, where the profile has cephfs.router, the route to the Ceph monitors;
    the main route and the Yarn fallback each have one. Returns the nodes and the steps the
    route to CephFS is ready after (none without one)."""
    network_step, subnet_step = f"{prefix}.network", f"{prefix}.subnet"
    router_step, cephfs_router = f"{prefix}.router", f"{prefix}.cephfs-router"
    # The network carries the deployment's tag only; subnet and routers all of ``tags``.
    tagged = NetTarget(plan, deployment, tags, network_step, subnet_step)
    nodes: list[Node[Any]] = [
        Node(network_step, NetworkKind(), plan.network,
             NetTarget(plan, deployment, (), network_step, subnet_step), (after,)),
        Node(subnet_step, SubnetKind(), plan.subnet, tagged, (network_step,)),
        Node(router_step, RouterKind(), plan.router, tagged, (subnet_step,)),
    ]
    if route is None:
        return nodes, ()
    cephfs = CephfsTarget(route, plan.subnet, plan.router, deployment, tags, subnet_step)
    nodes += [
        Node(cephfs_router, CephfsRouterKind(), route.router, cephfs, (subnet_step,)),
        Node(f"{prefix}.cephfs-route", CephfsRouteKind(), plan.router, cephfs,
             (router_step, cephfs_router)),
    ]
    ready: tuple[str, ...] = (f"{prefix}.cephfs-route",)
    if route.monitors_gateway:
        nodes.append(Node(f"{cephfs_router}-route", CephfsRouterRouteKind(), route.router,
                          cephfs, (cephfs_router,)))
        ready += (f"{cephfs_router}-route",)
    return nodes, ready
