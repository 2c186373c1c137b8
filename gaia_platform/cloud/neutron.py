"""Neutron: networks, subnets, routers, ports, security groups and floating IPs, with the verbs
openstacksdk's proxies use (find / create / delete with ignore_missing).

Lookups by name come from one list call per resource type and run (see listing.py).

openstacksdk's ``find_network(name)`` asks for the name as an id first (a 404), then lists
with a name filter: two calls per lookup, and a deploy looks up the same networks, subnets
and routers several times. Here each type is listed once per run, and again only after a
change to it: every mutating call on the connection (whoever makes it) marks the listings of
its resource type stale (cloud/throttle.py tells).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from ..errors import CloudError
from .listing import Listing

#: The part of a Neutron URL naming what a mutating call changes, and the listings it stales
#: (a router's interfaces are added through the router; tags through the resource).
_STALES = {"/networks": ("networks",), "/subnets": ("subnets", "routers"),
           "/routers": ("routers",), "/ports": ("routers",)}


class _Observed:
    def changed(self, method: str, url: str) -> None:
        path = url.split("?", 1)[0]
        for part, names in _STALES.items():
            if part in path:
                for name in names:
                    getattr(self, name).invalidate()

    def __init__(self, proxy: Any) -> None:
        # GET /v2.0/networks shows the project's networks and the shared and external ones
        # (api-ref: network, "List networks"); subnets and routers likewise.
        self.networks = Listing(lambda: proxy.networks(), key=lambda r: str(r.id))
        self.subnets = Listing(lambda: proxy.subnets(), key=lambda r: str(r.id))
        self.routers = Listing(lambda: proxy.routers(), key=lambda r: str(r.id))


_OBSERVED: weakref.WeakKeyDictionary[Any, _Observed] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class Neutron:
    def __init__(self, connection: Any) -> None:
        from . import throttle  # requests' adapter: not imported by plan without credentials

        self.proxy = connection.network
        self.seen: _Observed | None = None
        with _LOCK:
            if connection not in _OBSERVED:
                observed = _Observed(connection.network)
                if not throttle.listen(connection, observed.changed):
                    return  # no way to hear of changes: ask the SDK every time
                _OBSERVED[connection] = observed
            self.seen = _OBSERVED[connection]

    @staticmethod
    def _one(listing: Listing, what: str, ref: str) -> Any | None:
        found = listing.find(lambda r: ref in (r.id, r.name))
        if len(found) > 1:
            raise CloudError(f"There are {len(found)} Neutron {what}s named {ref!r}; rename or "
                             "delete the extra ones, or name the one to use by its id.")
        return found[0] if found else None

    def find_network(self, ref: str) -> Any | None:
        if self.seen is None:
            return self.proxy.find_network(ref)
        return self._one(self.seen.networks, "network", ref)

    def find_subnet(self, ref: str) -> Any | None:
        if self.seen is None:
            return self.proxy.find_subnet(ref)
        return self._one(self.seen.subnets, "subnet", ref)

    def find_router(self, ref: str) -> Any | None:
        if self.seen is None:
            return self.proxy.find_router(ref)
        return self._one(self.seen.routers, "router", ref)

    def read_router(self, ref: str) -> Any | None:
        """The router as Neutron holds it now (not this run's listing): for a read just before
        a write of something replaced as a whole (its routes)."""
        return self.proxy.find_router(ref)

    # -- networks and subnets ------------------------------------------------------------------
    def create_network(self, name: str, tags: list[str]) -> Any:
        network = self.proxy.create_network(name=name)
        self.proxy.set_tags(network, tags)
        return network

    def create_subnet(self, *, name: str, network_id: str, cidr: str, gateway_ip: str,
                      pool: tuple[str, str], dns_nameservers: list[str],
                      tags: list[str]) -> Any:
        subnet = self.proxy.create_subnet(
            name=name, network_id=network_id, ip_version=4, cidr=cidr, gateway_ip=gateway_ip,
            allocation_pools=[{"start": pool[0], "end": pool[1]}],
            dns_nameservers=dns_nameservers)
        self.proxy.set_tags(subnet, tags)
        return subnet

    def subnets(self, network_id: str) -> list[Any]:
        return list(self.proxy.subnets(network_id=network_id))

    def delete_network(self, network: str, subnet: str) -> list[str]:
        """The subnet (with every port left on it), then the network; what went."""
        removed = []
        found_subnet = self.find_subnet(subnet)
        if found_subnet is not None:
            for port in self.ports(network_id=found_subnet.network_id):
                self.proxy.delete_port(port)
            self.proxy.delete_subnet(found_subnet)
            removed.append(f"subnet {subnet}")
        found = self.find_network(network)
        if found is not None:
            self.proxy.delete_network(found)
            removed.append(f"network {network}")
        return removed

    # -- ports ---------------------------------------------------------------------------------
    def ports(self, *, device_id: str | None = None, network_id: str | None = None
              ) -> list[Any]:
        query = {k: v for k, v in (("device_id", device_id), ("network_id", network_id)) if v}
        return list(self.proxy.ports(**query))

    def create_port(self, *, name: str, network_id: str, subnet_id: str, ip_address: str
                    ) -> Any:
        return self.proxy.create_port(name=name, network_id=network_id, fixed_ips=[
            {"subnet_id": subnet_id, "ip_address": ip_address}])

    # -- routers -------------------------------------------------------------------------------
    def create_router(self, name: str, gateway_network_id: str, tags: list[str]) -> Any:
        router = self.proxy.create_router(
            name=name, external_gateway_info={"network_id": gateway_network_id})
        self.proxy.set_tags(router, tags)
        return router

    def add_interface(self, router: Any, *, subnet_id: str | None = None,
                      port_id: str | None = None) -> None:
        if subnet_id is not None:
            self.proxy.add_interface_to_router(router, subnet_id=subnet_id)
        else:
            self.proxy.add_interface_to_router(router, port_id=port_id)

    def interfaces_on(self, router_id: str, subnet_id: str) -> list[Any]:
        """The router's ports on the subnet (its interfaces there)."""
        return [p for p in self.ports(device_id=router_id)
                if any(ip.get("subnet_id") == subnet_id for ip in p.fixed_ips or [])]

    def add_route(self, router_name: str, route: dict[str, str]) -> None:
        """Read just before the write: a router's routes are replaced as a whole."""
        router = self.read_router(router_name)
        if router is None:
            raise CloudError(f"Router {router_name} disappeared; re-run to make it again.")
        self.proxy.update_router(router, routes=[*list(router.routes or []), route])

    def remove_route(self, router_name: str, route: dict[str, str]) -> bool:
        router = self.read_router(router_name)
        if router is None or route not in (router.routes or []):
            return False
        self.proxy.update_router(router, routes=[r for r in router.routes if r != route])
        return True

    def delete_router(self, name: str) -> bool:
        """Routes, interfaces, gateway, then the router (Neutron refuses the router while any
        is there: api-ref network, "Delete router", 409 RouterInUse). False if it was gone."""
        router = self.find_router(name)
        if router is None:
            return False
        if router.routes:  # a route's next hop keeps its interface or gateway in use
            self.proxy.update_router(router, routes=[])
        for port in self.ports(device_id=router.id):
            if port.device_owner == "network:router_gateway":
                continue
            self.proxy.remove_interface_from_router(router, port_id=port.id)
        self.proxy.update_router(router, external_gateway_info={})
        self.proxy.delete_router(router)
        return True

    # -- security groups -----------------------------------------------------------------------
    def find_security_group(self, name: str, project_id: str) -> Any | None:
        # Names are not unique across projects: an admin sees every project's "default".
        groups = list(self.proxy.security_groups(name=name, project_id=project_id))
        return groups[0] if groups else None

    def ingress_rules(self, group_id: str) -> list[Any]:
        return [r for r in self.proxy.security_group_rules(security_group_id=group_id)
                if r.direction == "ingress"]

    def create_security_group(self, name: str, description: str, tags: list[str]) -> Any:
        group = self.proxy.create_security_group(name=name, description=description)
        self.proxy.set_tags(group, tags)
        return group

    def create_security_group_rule(self, **attrs: Any) -> Any:
        return self.proxy.create_security_group_rule(**attrs)

    def delete_security_group_rule(self, rule: Any, ignore_missing: bool = True) -> None:
        self.proxy.delete_security_group_rule(rule, ignore_missing=ignore_missing)

    def delete_security_group(self, group: Any, ignore_missing: bool = True) -> None:
        self.proxy.delete_security_group(group, ignore_missing=ignore_missing)

    # -- floating IPs --------------------------------------------------------------------------
    def floating_ips(self, *, tags: list[str] | None = None, port_id: str | None = None
                     ) -> list[Any]:
        if tags is not None:
            return list(self.proxy.ips(tags=",".join(tags)))
        return list(self.proxy.ips(port_id=port_id))

    def server_floating_ips(self, server_id: str) -> list[Any]:
        """The floating IPs on any of a server's ports."""
        return [ip for port in self.ports(device_id=server_id)
                for ip in self.floating_ips(port_id=port.id)]

    def create_floating_ip(self, *, network_id: str, port_id: str, description: str,
                           tags: list[str]) -> Any:
        ip = self.proxy.create_ip(floating_network_id=network_id, port_id=port_id,
                                  description=description)
        self.proxy.set_tags(ip, tags)
        return ip

    def associate_floating_ip(self, ip: Any, port_id: str) -> Any:
        return self.proxy.update_ip(ip, port_id=port_id)

    def delete_floating_ip(self, ip: Any, ignore_missing: bool = True) -> None:
        self.proxy.delete_ip(ip, ignore_missing=ignore_missing)
