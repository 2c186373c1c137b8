"""Recorded cloud answers, the openstacksdk way: each sample is a body in the API's own format
(the api-ref page named beside it), turned into the SDK's resource as openstacksdk does with
what the cloud returned. A ``RecordedCloud`` hands them out where the adapters ask the SDK's
proxies; nothing of the tool's own code is replaced."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import requests
from openstack.compute.v2 import flavor, keypair, limits, server
from openstack.image.v2 import image
from openstack.network.v2 import floating_ip, network, port, router, security_group_rule, subnet

# -- Nova (api-ref compute) -------------------------------------------------------------------

#: "Show rate and absolute limits" (GET /limits), the absolute part: 16 of 20 cores used.
LIMITS = {"maxTotalCores": 20, "totalCoresUsed": 16, "maxTotalInstances": 10,
          "totalInstancesUsed": 2, "maxTotalRAMSize": 51200, "totalRAMUsed": 8192,
          "maxTotalKeypairs": 100, "totalServerGroupsUsed": 0}
#: The same with no limit on cores (-1 means unlimited).
UNLIMITED = {**LIMITS, "maxTotalCores": -1, "maxTotalRAMSize": -1, "maxTotalInstances": -1}


def flavor_answer(name: str, vcpus: int, ram: int) -> Any:
    """"Show flavor details" (GET /flavors/{id})."""
    return flavor.Flavor.existing(id=f"id-{name}", name=name, vcpus=vcpus, ram=ram, disk=20,
                                  **{"os-flavor-access:is_public": True})


def server_answer(name: str, status: str, **extra: Any) -> Any:
    """"Show server details" (GET /servers/{id}); ``fault`` only in ERROR."""
    return server.Server.existing(id=f"id-{name}", name=name, status=status,
                                  metadata=extra.pop("metadata", {}), **extra)


# -- Neutron (api-ref network v2) -------------------------------------------------------------

def network_answer(name: str, external: bool = False) -> Any:
    """"Show network details" (GET /v2.0/networks/{id})."""
    return network.Network.existing(id=f"id-{name}", name=name, status="ACTIVE",
                                    **{"router:external": external})


def subnet_answer(name: str, cidr: str, network: str = "net") -> Any:
    """"Show subnet details" (GET /v2.0/subnets/{id})."""
    return subnet.Subnet.existing(id=f"id-{name}", name=name, cidr=cidr, ip_version=4,
                                  network_id=f"id-{network}")


def router_answer(name: str, routes: list[dict[str, str]] | None = None) -> Any:
    """"Show router details" (GET /v2.0/routers/{id}): ``routes`` are its static routes."""
    return router.Router.existing(id=f"id-{name}", name=name, status="ACTIVE",
                                  routes=routes or [])


def port_answer(name: str, device_id: str, subnet_id: str, ip: str) -> Any:
    """"Show port details" (GET /v2.0/ports/{id})."""
    return port.Port.existing(id=f"id-{name}", name=name, device_id=device_id,
                              device_owner="network:router_interface",
                              fixed_ips=[{"subnet_id": subnet_id, "ip_address": ip}])


def floating_ip_answer(address: str, port_id: str | None) -> Any:
    """"Show floating IP address details" (GET /v2.0/floatingips/{id})."""
    return floating_ip.FloatingIP.existing(id=f"id-{address}", floating_ip_address=address,
                                           port_id=port_id, status="ACTIVE")


def rule_answer(group_id: str, protocol: str | None, port_number: int | None,
                prefix: str | None, remote_group: str | None = None) -> Any:
    """"Show security group rule" (GET /v2.0/security-group-rules/{id})."""
    return security_group_rule.SecurityGroupRule.existing(
        id=f"rule-{protocol}-{port_number}-{prefix}", security_group_id=group_id,
        direction="ingress", ethertype="IPv4", protocol=protocol,
        port_range_min=port_number, port_range_max=port_number, remote_ip_prefix=prefix,
        remote_group_id=remote_group)


# -- Glance (api-ref image v2) ----------------------------------------------------------------

def image_answer(name: str, **properties: str) -> Any:
    """"Show image" (GET /v2/images/{id}): extra properties sit at the top level."""
    return image.Image.existing(id=f"id-{name}", name=name, status="active", **properties)


class RecordedCloud:
    """An openstacksdk Connection's surface as far as the adapters use it, answering from the
    recorded samples. ``calls`` lists what was asked, to show what a decision needed."""

    def __init__(self, *, flavors: tuple[Any, ...] = (), images: tuple[Any, ...] = (),
                 keypairs: tuple[str, ...] = (), networks: tuple[Any, ...] = (),
                 subnets: tuple[Any, ...] = (), routers: tuple[Any, ...] = (),
                 ports: tuple[Any, ...] = (), servers: tuple[Any, ...] = (),
                 absolute: dict[str, int] | None = None) -> None:
        self.calls: list[str] = []
        # Neither throttled nor listened to: the adapters ask the proxies directly.
        self.session = SimpleNamespace(session=requests.Session())

        def by_name(items: list[Any], what: str) -> Callable[..., Any]:
            def find(name: str, ignore_missing: bool = True) -> Any:
                self.calls.append(f"find {what} {name}")
                return next((i for i in items if name in (i.name, i.id)), None)
            return find

        def listing(items: list[Any], what: str) -> Callable[..., Any]:
            def lister(**query: Any) -> list[Any]:
                self.calls.append(f"list {what} {query}")
                return [i for i in items if all(
                    str(getattr(i, k if k != "tags" else "tags", v)) == str(v)
                    for k, v in query.items() if k not in ("tags", "name"))]
            return lister

        def get_limits() -> Any:
            self.calls.append("get limits")
            return limits.Limits.existing(absolute=absolute or LIMITS, rate=[])

        self.compute = SimpleNamespace(
            find_flavor=by_name(list(flavors), "flavor"),
            find_keypair=lambda name, ignore_missing=True: (
                keypair.Keypair.existing(name=name) if name in keypairs else None),
            get_limits=get_limits, servers=listing(list(servers), "servers"))
        self.image = SimpleNamespace(find_image=by_name(list(images), "image"))
        self.network = SimpleNamespace(
            find_network=by_name(list(networks), "network"),
            find_subnet=by_name(list(subnets), "subnet"),
            find_router=by_name(list(routers), "router"),
            subnets=listing(list(subnets), "subnets"), ports=listing(list(ports), "ports"))
