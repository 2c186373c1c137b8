"""Routers: gateways, interfaces and extra routes.

Behaviour from https://docs.openstack.org/api-ref/network/v2/ ("Routers") and
neutron/db/l3_db.py + extraroute_db.py: an extra route's nexthop must sit on a subnet the router
is attached to, and an interface that a route (or a floating IP) needs cannot be removed (the
409 the aglais scripts hit when tearing down the CephFS router).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..store import Record
from .base import Kind
from .core import cidrs_overlap
from .errors import (
    NeutronError,
    bad_resource_request,
    in_use,
    invalid_attr,
    invalid_input,
    not_found,
    policy,
)

INTERFACE = "network:router_interface"
GATEWAY = "network:router_gateway"
MAX_ROUTES = 30  # neutron's max_routes option


class Routers(Kind):
    collection = table_name = "routers"
    singular = "router"
    quota_key = "router"
    post_attrs = frozenset({"name", "description", "tags", "project_id", "tenant_id",
                            "admin_state_up", "external_gateway_info",
                            "availability_zone_hints", "flavor_id"})
    put_attrs = frozenset({"name", "description", "admin_state_up", "external_gateway_info",
                           "routes"})

    def not_found(self, rid: str) -> NeutronError:
        return not_found("RouterNotFound", f"Router {rid} could not be found")

    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        self.check_quota(project_id)
        info = body.get("external_gateway_info")
        if info:
            self._external_network(project_id, info)
        router = self.new_record(
            project_id, body, admin_state_up=body.get("admin_state_up", True),
            status="ACTIVE", external_gateway_info=None, routes=[],
            availability_zone_hints=body.get("availability_zone_hints", []),
            availability_zones=["nova"], flavor_id=body.get("flavor_id"),
        )
        if info:
            self._set_gateway(project_id, router, info)
        return router

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        router = self.find_owned(project_id, rid, "update")
        self.check_body(body, creating=False)
        if "routes" in body:
            router["routes"] = self.validated_routes(router, body["routes"])
        if "external_gateway_info" in body:
            info = body["external_gateway_info"]
            if info:
                self._external_network(project_id, info, "update")
            self._clear_gateway(router)
            if info:
                self._set_gateway(project_id, router, info)
        router.update({k: v for k, v in body.items()
                       if k not in ("routes", "external_gateway_info")})
        self.touch(router)
        return router

    def delete(self, project_id: str, rid: str) -> None:
        router = self.find_owned(project_id, rid, "delete")
        attached = [p["id"] for p in self.interfaces(rid)]
        if attached:
            raise in_use("RouterInUse",
                         f"Router {rid} has ports still attached: {', '.join(attached)}")
        self._clear_gateway(router)
        del self.rows[rid]

    # -- gateway -------------------------------------------------------------------------------
    def _external_network(self, project_id: str, info: Any, action: str = "create",
                          ) -> Record:
        if not isinstance(info, dict) or "network_id" not in info:
            raise invalid_attr("external_gateway_info",
                               f"Validation of dictionary's keys failed. Expected keys: "
                               f"{{'network_id'}} Provided keys: {set(info or {})}")
        for attr in ("enable_snat", "external_fixed_ips"):
            # neutron/conf/policies/router.py: admin only, for create and update alike.
            if attr in info:
                raise policy(f"rule:{action}_router:external_gateway_info:{attr}")
        network = self.backend.networks.find(project_id, str(info["network_id"]))
        if not network["router:external"]:
            raise bad_resource_request("router", f"Network {network['id']} is not an external "
                                                 "network")
        return network

    def _set_gateway(self, project_id: str, router: Record, info: dict[str, Any]) -> None:
        network = self.backend.networks.find(project_id, str(info["network_id"]))
        port_body: dict[str, Any] = {"network_id": network["id"], "device_id": router["id"],
                                     "device_owner": GATEWAY}
        if info.get("external_fixed_ips"):
            port_body["fixed_ips"] = info["external_fixed_ips"]
        port = self.backend.ports.create(project_id, port_body, owner="")
        router["external_gateway_info"] = {
            "network_id": network["id"],
            "enable_snat": info.get("enable_snat", True),
            "external_fixed_ips": [dict(ip) for ip in port["fixed_ips"]],
        }

    def _clear_gateway(self, router: Record) -> None:
        info = router["external_gateway_info"]
        if not info:
            return
        if any(f["router_id"] == router["id"] for f in self.backend.floatingips.rows.values()):
            raise in_use("RouterExternalGatewayInUseByFloatingIp",
                         f"Gateway cannot be updated for router {router['id']}, since a gateway "
                         f"to external network {info['network_id']} is required by one or more "
                         "floating IPs.")
        for port in self.ports_of(router["id"], GATEWAY):
            self.backend.ports.remove(port["id"])
        router["external_gateway_info"] = None

    # -- interfaces ----------------------------------------------------------------------------
    def ports_of(self, router_id: str, owner: str) -> list[Record]:
        return [p for p in self.backend.ports.rows.values()
                if p["device_id"] == router_id and p["device_owner"] == owner]

    def interfaces(self, router_id: str) -> list[Record]:
        return self.ports_of(router_id, INTERFACE)

    def attached_subnet_ids(self, router_id: str) -> list[str]:
        return [ip["subnet_id"] for p in self.interfaces(router_id) for ip in p["fixed_ips"]]

    def add_interface(self, project_id: str, rid: str, info: dict[str, Any]) -> Record:
        router = self.find_owned(project_id, rid, "add_router_interface")
        ports, subnets = self.backend.ports, self.backend.subnets
        if "port_id" in info and "subnet_id" in info:
            raise bad_resource_request("router", "Cannot specify both subnet-id and port-id")
        if "port_id" in info:
            port = ports.find(project_id, str(info["port_id"]))
            if port["device_id"]:
                raise in_use("PortInUse", f"Unable to complete operation on port {port['id']} "
                             f"for network {port['network_id']}. Port already has an attached "
                             f"device {port['device_id']}.")
            if not port["fixed_ips"]:
                raise bad_resource_request("router",
                                           "Router port must have at least one fixed IP")
            new_subnets = [subnets.rows[ip["subnet_id"]] for ip in port["fixed_ips"]]
            self._check_overlap(router, new_subnets)
            port.update(device_id=rid, device_owner=INTERFACE, status="ACTIVE")
            ports.touch(port)
        elif "subnet_id" in info:
            subnet = subnets.find(project_id, str(info["subnet_id"]))
            if not subnet["gateway_ip"]:
                raise bad_resource_request("router",
                                           "Subnet for router interface must have a gateway IP")
            network = self.backend.networks.rows[subnet["network_id"]]
            if subnet["project_id"] != project_id and not network["shared"]:
                raise bad_resource_request("router", "Cannot add interface to router because "
                                           f"subnet {subnet['id']} is not owned by project "
                                           "making the request")
            self._check_overlap(router, [subnet])
            port = ports.create(project_id, {
                "network_id": subnet["network_id"], "device_id": rid,
                "device_owner": INTERFACE,
                "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
            }, owner=project_id)
            new_subnets = [subnet]
        else:
            raise bad_resource_request("router", "Either subnet_id or port_id must be specified")
        self.touch(router)
        return self._interface_info(router, port, [s["id"] for s in new_subnets])

    def _check_overlap(self, router: Record, new_subnets: list[Record]) -> None:
        subnets = self.backend.subnets.rows
        for attached_id in self.attached_subnet_ids(router["id"]):
            for new in new_subnets:
                if attached_id == new["id"]:
                    raise bad_resource_request("router",
                                               f"Router already has a port on subnet {new['id']}")
                old = subnets[attached_id]
                if cidrs_overlap(old["cidr"], new["cidr"]):
                    raise bad_resource_request(
                        "router", f"Cidr {new['cidr']} of subnet {new['id']} overlaps with cidr "
                                  f"{old['cidr']} of subnet {old['id']}")

    def remove_interface(self, project_id: str, rid: str, info: dict[str, Any]) -> Record:
        router = self.find_owned(project_id, rid, "remove_router_interface")
        if "port_id" in info:
            port = next((p for p in self.interfaces(rid) if p["id"] == info["port_id"]), None)
            if port is None:
                raise not_found("RouterInterfaceNotFound", f"Router {rid} does not have an "
                                f"interface with id {info['port_id']}")
        elif "subnet_id" in info:
            self.backend.subnets.find(project_id, str(info["subnet_id"]))
            port = next((p for p in self.interfaces(rid)
                         if any(ip["subnet_id"] == info["subnet_id"] for ip in p["fixed_ips"])),
                        None)
            if port is None:
                raise not_found("RouterInterfaceNotFoundForSubnet", f"Router {rid} has no "
                                f"interface on subnet {info['subnet_id']}")
        else:
            raise bad_resource_request("router", "Either subnet_id or port_id must be specified")
        subnet_ids = [ip["subnet_id"] for ip in port["fixed_ips"]]
        for subnet_id in subnet_ids:
            self._confirm_not_in_use(router, self.backend.subnets.rows[subnet_id])
        self.backend.ports.remove(port["id"])
        self.touch(router)
        return self._interface_info(router, port, subnet_ids)

    def _confirm_not_in_use(self, router: Record, subnet: Record) -> None:
        cidr = ipaddress.ip_network(subnet["cidr"])
        for fip in self.backend.floatingips.rows.values():
            if fip["router_id"] == router["id"] and fip["fixed_ip_address"] and \
                    ipaddress.ip_address(fip["fixed_ip_address"]) in cidr:
                raise in_use("RouterInterfaceInUseByFloatingIP",
                             f"Router interface for subnet {subnet['id']} on router "
                             f"{router['id']} cannot be deleted, as it is required by one or "
                             "more floating IPs.")
        for route in router["routes"]:
            if ipaddress.ip_address(route["nexthop"]) in cidr:
                raise in_use("RouterInterfaceInUseByRoute",
                             f"Router interface for subnet {subnet['id']} on router "
                             f"{router['id']} cannot be deleted, as it is required by one or "
                             "more routes.")

    @staticmethod
    def _interface_info(router: Record, port: Record, subnet_ids: list[str]) -> Record:
        return {"id": router["id"], "tenant_id": router["project_id"],
                "project_id": router["project_id"], "port_id": port["id"],
                "network_id": port["network_id"], "subnet_id": subnet_ids[0],
                "subnet_ids": subnet_ids}

    # -- extra routes --------------------------------------------------------------------------
    def validated_routes(self, router: Record, routes: Any) -> list[dict[str, str]]:
        if not isinstance(routes, list):
            raise invalid_attr("routes", f"Invalid data format for hostroute: '{routes}'")
        if len(routes) > MAX_ROUTES:
            raise NeutronError(400, "RoutesExhausted",
                               f"Unable to complete operation for {router['id']}. The number "
                               f"of routes exceeds the maximum {MAX_ROUTES}.")
        clean: list[dict[str, str]] = []
        for route in routes:
            if not isinstance(route, dict) or set(route) != {"destination", "nexthop"}:
                raise invalid_attr("routes", "Validation of dictionary's keys failed. Expected "
                                   "keys: {'destination', 'nexthop'} Provided keys: "
                                   f"{set(route) if isinstance(route, dict) else route}")
            try:
                destination = ipaddress.ip_network(str(route["destination"]), strict=False)
                nexthop = ipaddress.ip_address(str(route["nexthop"]))
            except ValueError as exc:
                raise invalid_attr("routes", str(exc)) from None
            if str(route["destination"]) != str(destination):
                # neutron-lib validators.validate_hostroutes -> validate_subnet: host bits set
                # (or no prefix length) is refused, with the network it should have been.
                raise invalid_attr("routes", f"'{route['destination']}' isn't a recognized IP "
                                   f"subnet cidr, '{destination}' is recommended")
            entry = {"destination": str(destination), "nexthop": str(nexthop)}
            if entry in clean:
                raise invalid_attr("routes", f"Duplicate hostroute '{route}'")
            clean.append(entry)
        cidrs, addresses = [], set()
        ports = self.interfaces(router["id"]) + self.ports_of(router["id"], GATEWAY)
        for port in ports:
            for ip in port["fixed_ips"]:
                cidrs.append(ipaddress.ip_network(self.backend.subnets.rows[ip["subnet_id"]]
                                                  ["cidr"]))
                addresses.add(ip["ip_address"])
        for entry in clean:
            nexthop = ipaddress.ip_address(entry["nexthop"])
            if not any(nexthop in cidr for cidr in cidrs):
                raise invalid_input("InvalidRoutes", f"Invalid format for routes: {routes}, the "
                                    "nexthop is not connected with router")
            if entry["nexthop"] in addresses:
                raise invalid_input("InvalidRoutes", f"Invalid format for routes: {routes}, the "
                                    "nexthop is used by router")
        return clean

    def change_routes(self, project_id: str, rid: str, body: dict[str, Any],
                      add: bool) -> Record:
        """The extraroute-atomic calls: add_extraroutes / remove_extraroutes."""
        router = self.find_owned(project_id, rid, "update")
        given = body.get("routes")
        if not isinstance(given, list):
            raise invalid_attr("routes", f"Invalid data format for hostroute: '{given}'")
        if add:
            wanted = self.validated_routes(router, given)
            routes = router["routes"] + [r for r in wanted if r not in router["routes"]]
        else:
            gone = [{"destination": str(ipaddress.ip_network(str(r.get("destination")),
                                                             strict=False)),
                     "nexthop": str(r.get("nexthop"))} for r in given if isinstance(r, dict)]
            routes = [r for r in router["routes"] if r not in gone]
        router["routes"] = self.validated_routes(router, routes)
        self.touch(router)
        return router
