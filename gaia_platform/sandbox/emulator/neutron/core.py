"""Networks and subnets: Neutron's core resources, with IP address management.

Shapes and rules from https://docs.openstack.org/api-ref/network/v2/ ("Networks",
"Subnets"); messages from neutron-lib's exceptions. A project sees its own networks plus shared
and external ones (and their subnets); ports only its own.
"""

from __future__ import annotations

import ipaddress
import itertools
import secrets
from typing import Any

from ..store import Record
from .base import Kind
from .errors import (
    NeutronError,
    bad_resource_request,
    in_use,
    invalid_attr,
    invalid_input,
    not_found,
    policy,
)

STANDARD = frozenset({"name", "description", "tags", "project_id", "tenant_id"})


def parse_network(text: str, attr: str = "cidr") -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except (ValueError, TypeError):
        raise invalid_attr(attr, f"'{text}' is not a valid IP subnet") from None


def parse_address(text: Any, attr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except (ValueError, TypeError):
        raise invalid_attr(attr, f"'{text}' is not a valid IP address") from None


def cidrs_overlap(a: str, b: str) -> bool:
    one, two = parse_network(a), parse_network(b)
    return one.version == two.version and (
        int(one.network_address) <= int(two.broadcast_address)
        and int(two.network_address) <= int(one.broadcast_address))


class Networks(Kind):
    collection = table_name = "networks"
    singular = "network"
    quota_key = "network"
    post_attrs = STANDARD | {"admin_state_up", "shared", "router:external", "mtu",
                             "port_security_enabled", "availability_zone_hints", "dns_domain",
                             "provider:network_type", "provider:physical_network",
                             "provider:segmentation_id", "qos_policy_id", "is_default"}
    put_attrs = frozenset({"name", "description", "admin_state_up", "mtu", "dns_domain",
                           "port_security_enabled", "qos_policy_id", "shared",
                           "router:external", "is_default"})
    ADMIN_ONLY = ("shared", "router:external", "provider:network_type",
                  "provider:physical_network", "provider:segmentation_id", "is_default")

    def not_found(self, rid: str) -> NeutronError:
        return not_found("NetworkNotFound", f"Network {rid} could not be found.")

    def visible(self, record: Record, project_id: str) -> bool:
        return bool(record["project_id"] == project_id or record["shared"]
                    or record["router:external"])

    def create(self, project_id: str, body: dict[str, Any], admin: bool = False) -> Record:
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        if not admin:
            for attr in self.ADMIN_ONLY:
                if attr in body:
                    raise policy(f"rule:create_network and rule:create_network:{attr}")
        self.check_quota(project_id)
        network_type = body.get("provider:network_type", "geneve")
        return self.new_record(
            project_id, body,
            admin_state_up=body.get("admin_state_up", True),
            status="ACTIVE",
            subnets=[],
            shared=bool(body.get("shared", False)),
            mtu=body.get("mtu", 1500 if network_type in ("vlan", "flat") else 1442),
            port_security_enabled=body.get("port_security_enabled", True),
            availability_zone_hints=body.get("availability_zone_hints", []),
            availability_zones=["nova"],
            ipv4_address_scope=None,
            ipv6_address_scope=None,
            l2_adjacency=True,
            dns_domain=body.get("dns_domain", ""),
            qos_policy_id=body.get("qos_policy_id"),
            is_default=bool(body.get("is_default", False)),
            **{
                "router:external": bool(body.get("router:external", False)),
                "provider:network_type": network_type,
                "provider:physical_network": body.get("provider:physical_network"),
                "provider:segmentation_id": body.get(
                    "provider:segmentation_id", secrets.randbelow(60000) + 1000),
            },
        )

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        for attr in self.ADMIN_ONLY:
            if attr in body:
                raise policy(f"rule:update_network and rule:update_network:{attr}")
        return super().update(project_id, rid, body)

    def delete(self, project_id: str, rid: str) -> None:
        self.find_owned(project_id, rid, "delete")
        ports = self.backend.ports
        if any(p["network_id"] == rid and not p["device_owner"].startswith("network:dhcp")
               for p in ports.rows.values()):
            raise in_use("NetworkInUse", f"Unable to complete operation on network {rid}. "
                         "There are one or more ports still in use on the network.")
        for subnet_id in list(self.rows[rid]["subnets"]):
            self.backend.subnets.rows.pop(subnet_id, None)
        del self.rows[rid]


class Subnets(Kind):
    collection = table_name = "subnets"
    singular = "subnet"
    quota_key = "subnet"
    post_attrs = STANDARD | {"network_id", "cidr", "ip_version", "gateway_ip",
                             "allocation_pools", "dns_nameservers", "host_routes",
                             "enable_dhcp", "ipv6_ra_mode", "ipv6_address_mode",
                             "subnetpool_id", "prefixlen", "service_types", "segment_id",
                             "dns_publish_fixed_ip", "use_default_subnetpool"}
    put_attrs = frozenset({"name", "description", "gateway_ip", "allocation_pools",
                           "dns_nameservers", "host_routes", "enable_dhcp", "service_types",
                           "dns_publish_fixed_ip", "segment_id"})

    def not_found(self, rid: str) -> NeutronError:
        return not_found("SubnetNotFound", f"Subnet {rid} could not be found.")

    def visible(self, record: Record, project_id: str) -> bool:
        network = self.backend.networks.rows.get(record["network_id"])
        return bool(record["project_id"] == project_id
                    or (network is not None and self.backend.networks.visible(network,
                                                                              project_id)))

    def view(self, record: Record) -> Record:
        network = self.backend.networks.rows.get(record["network_id"], {})
        return {**super().view(record), "router:external": network.get("router:external", False)}

    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        self.require(body, "network_id", "ip_version")
        network = self.backend.networks.find(project_id, str(body["network_id"]))
        if network["project_id"] != project_id:
            # neutron hides networks the project may not add subnets to
            raise not_found("HTTPNotFound", "The resource could not be found.")
        if "cidr" not in body:
            raise bad_resource_request("subnets", "a subnetpool must be specified in the "
                                       "absence of a cidr")
        version = body["ip_version"]
        if version not in (4, 6, "4", "6"):
            raise invalid_attr("ip_version", f"{version} is not in [4, 6]")
        cidr = parse_network(str(body["cidr"]))
        if cidr.version != int(version):
            raise invalid_input("InvalidInput", "Invalid input for operation: Cidr "
                                f"{cidr} does not match ip_version {version}.")
        self.check_quota(project_id)
        for other_id in network["subnets"]:
            if cidrs_overlap(self.rows[other_id]["cidr"], str(cidr)):
                raise invalid_input("InvalidInput", "Invalid input for operation: Requested "
                                    f"subnet with cidr: {cidr} for network: {network['id']} "
                                    "overlaps with another subnet.")
        gateway = self._gateway(cidr, body)
        pools = self._pools(cidr, gateway, body.get("allocation_pools"))
        dns = list(body.get("dns_nameservers") or [])
        for server in dns:
            parse_address(server, "dns_nameservers")
        if len(set(dns)) != len(dns):
            raise invalid_attr("dns_nameservers", f"Duplicate nameserver '{dns[0]}'")
        record = self.new_record(
            project_id, body,
            network_id=network["id"],
            cidr=str(cidr),
            ip_version=cidr.version,
            gateway_ip=gateway,
            allocation_pools=pools,
            dns_nameservers=dns,
            host_routes=list(body.get("host_routes") or []),
            enable_dhcp=body.get("enable_dhcp", True),
            ipv6_ra_mode=body.get("ipv6_ra_mode"),
            ipv6_address_mode=body.get("ipv6_address_mode"),
            subnetpool_id=None,
            service_types=list(body.get("service_types") or []),
            segment_id=body.get("segment_id"),
            dns_publish_fixed_ip=bool(body.get("dns_publish_fixed_ip", False)),
        )
        network["subnets"].append(record["id"])
        self.touch(network)
        return record

    @staticmethod
    def _gateway(cidr: ipaddress.IPv4Network | ipaddress.IPv6Network,
                 body: dict[str, Any]) -> str | None:
        if "gateway_ip" not in body:
            return str(next(cidr.hosts()))
        if body["gateway_ip"] is None:
            return None
        gateway = parse_address(body["gateway_ip"], "gateway_ip")
        if gateway == cidr.network_address or (cidr.version == 4
                                               and gateway == cidr.broadcast_address):
            raise invalid_input("InvalidInput",
                                f"Invalid input for operation: Gateway is not valid on subnet "
                                f"{cidr}.")
        return str(gateway)

    @staticmethod
    def _pools(cidr: ipaddress.IPv4Network | ipaddress.IPv6Network, gateway: str | None,
               wanted: Any) -> list[dict[str, str]]:
        # Compared as integers: ipaddress refuses to order mixed IPv4/IPv6 values.
        gw = int(ipaddress.ip_address(gateway)) if gateway else None
        if not wanted:
            # Every usable address but the gateway: one range, or two around the gateway.
            first = int(cidr.network_address) + 1
            last = int(cidr.broadcast_address) - (1 if cidr.version == 4 else 0)
            bounds = [(first, last)]
            if gw is not None and first <= gw <= last:
                bounds = [(first, gw - 1), (gw + 1, last)]
            return [{"start": str(ipaddress.ip_address(s)), "end": str(ipaddress.ip_address(e))}
                    for s, e in bounds if s <= e]
        ranges: list[tuple[int, int, str]] = []
        for pool in wanted:
            start = parse_address(pool.get("start"), "allocation_pools")
            end = parse_address(pool.get("end"), "allocation_pools")
            text = f"{start}-{end}"
            if start.version != end.version or int(start) > int(end):
                raise invalid_input("InvalidAllocationPool",
                                    f"The allocation pool {text} is not valid.")
            if start not in cidr or end not in cidr:
                raise invalid_input("OutOfBoundsAllocationPool",
                                    f"The allocation pool {text} spans beyond the subnet "
                                    f"cidr {cidr}.")
            if gw is not None and int(start) <= gw <= int(end):
                raise in_use("GatewayConflictWithAllocationPools",
                             f"Gateway ip {gateway} conflicts with allocation pool {text}.")
            ranges.append((int(start), int(end), text))
        ranges.sort()
        for (_, end_a, text_a), (start_b, _, text_b) in itertools.pairwise(ranges):
            if start_b <= end_a:
                raise invalid_input("OverlappingAllocationPools",
                                    f"Found overlapping allocation pools: {text_a} {text_b} "
                                    f"for subnet {cidr}.")
        return [{"start": text.split("-")[0], "end": text.split("-")[1]} for _, _, text in ranges]

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        subnet = self.find_owned(project_id, rid, "update")
        self.check_body(body, creating=False)
        cidr = parse_network(subnet["cidr"])
        changes = dict(body)
        if "gateway_ip" in body:
            changes["gateway_ip"] = self._gateway(cidr, body)
        if "gateway_ip" in body or "allocation_pools" in body:
            gateway = changes.get("gateway_ip", subnet["gateway_ip"])
            changes["allocation_pools"] = self._pools(
                cidr, gateway, body.get("allocation_pools", subnet["allocation_pools"]))
        for server in body.get("dns_nameservers") or []:
            parse_address(server, "dns_nameservers")
        subnet.update(changes)
        self.touch(subnet)
        return subnet

    def delete(self, project_id: str, rid: str) -> None:
        subnet = self.find_owned(project_id, rid, "delete")
        for port in self.backend.ports.rows.values():
            if any(ip["subnet_id"] == rid for ip in port["fixed_ips"]):
                raise in_use("SubnetInUse", f"Unable to complete operation on subnet {rid}: "
                             "One or more ports have an IP allocation from this subnet.")
        network = self.backend.networks.rows.get(subnet["network_id"])
        if network is not None and rid in network["subnets"]:
            network["subnets"].remove(rid)
            self.touch(network)
        del self.rows[rid]

    # -- IP address management -------------------------------------------------------------
    def used_ips(self, subnet_id: str) -> set[str]:
        return {ip["ip_address"] for port in self.backend.ports.rows.values()
                for ip in port["fixed_ips"] if ip["subnet_id"] == subnet_id}

    def allocate(self, subnet: Record, wanted: str | None = None) -> str:
        used = self.used_ips(subnet["id"])
        cidr = parse_network(subnet["cidr"])
        if wanted is not None:
            address = parse_address(wanted, "fixed_ips")
            if address not in cidr:
                raise invalid_input("InvalidIpForSubnet",
                                    f"IP address {wanted} is not a valid IP for the specified "
                                    "subnet.")
            if str(address) in used:
                raise in_use("IpAddressAlreadyAllocated",
                             f"IP address {address} already allocated in subnet "
                             f"{subnet['id']}")
            return str(address)
        for pool in subnet["allocation_pools"]:
            for number in range(int(ipaddress.ip_address(pool["start"])),
                                int(ipaddress.ip_address(pool["end"])) + 1):
                candidate = str(ipaddress.ip_address(number))
                if candidate not in used:
                    return candidate
        raise in_use("IpAddressGenerationFailure",
                     f"No more IP addresses available on network {subnet['network_id']}.")
