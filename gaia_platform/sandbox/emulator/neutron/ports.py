"""Ports: addresses from the subnets' pools, default security group, device binding.

https://docs.openstack.org/api-ref/network/v2/ "Ports". A port made by a router or a floating IP
belongs to no project (``project_id`` "") and is hidden from the project, as in Neutron.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..store import Record
from .base import Kind
from .core import STANDARD, parse_address, parse_network
from .errors import NeutronError, in_use, invalid_attr, invalid_input, not_found, policy

ROUTER_OWNERS = ("network:router_interface", "network:router_gateway", "network:floatingip",
                 "network:router_interface_distributed", "network:ha_router_replicated_interface")


# neutron/conf/policies/port.py: attributes a member may set only on a port of a network its
# project owns (NET_OWNER_MEMBER), and those only admins or services may set at all. The
# emulated user is a plain member. Neutron checks each attribute the body sets
# (neutron/policy.py _is_attribute_explicitly_set).
NET_OWNER_ONLY = ("mac_address", "port_security_enabled", "allowed_address_pairs")
ADMIN_ONLY = ("binding:host_id", "binding:profile")


def _policy_check(action: str, body: dict[str, Any], network: Record, project_id: str) -> None:
    owner = network["project_id"] == project_id
    for attr in ADMIN_ONLY:
        if attr in body:
            raise policy(f"rule:{action}_port:{attr}")
    if owner:
        return
    for attr in NET_OWNER_ONLY:
        if attr in body:
            raise policy(f"rule:{action}_port:{attr}")
    fixed_ips = body.get("fixed_ips")
    if isinstance(fixed_ips, list):
        if action == "update":
            # update_port:fixed_ips has no 'rule:shared' alternative.
            raise policy("rule:update_port:fixed_ips")
        if any(isinstance(ip, dict) and "ip_address" in ip for ip in fixed_ips):
            # A subnet_id alone is fine on a shared network ('rule:shared').
            raise policy("rule:create_port:fixed_ips:ip_address")


def mac_address() -> str:
    return "fa:16:3e:" + ":".join(f"{secrets.randbelow(256):02x}" for _ in range(3))


class Ports(Kind):
    collection = table_name = "ports"
    singular = "port"
    quota_key = "port"
    post_attrs = STANDARD | {"network_id", "admin_state_up", "mac_address", "fixed_ips",
                             "device_id", "device_owner", "security_groups",
                             "allowed_address_pairs", "extra_dhcp_opts", "binding:vnic_type",
                             "binding:host_id", "binding:profile", "port_security_enabled",
                             "dns_name", "qos_policy_id", "propagate_uplink_status"}
    put_attrs = frozenset({"name", "description", "admin_state_up", "device_id",
                           "device_owner", "security_groups", "allowed_address_pairs",
                           "extra_dhcp_opts", "binding:vnic_type", "binding:host_id",
                           "binding:profile", "port_security_enabled", "dns_name",
                           "qos_policy_id", "fixed_ips"})

    def not_found(self, rid: str) -> NeutronError:
        return not_found("PortNotFound", f"Port {rid} could not be found.")

    def create(self, project_id: str, body: dict[str, Any], owner: str | None = None,
               ) -> Record:
        """A port; ``owner`` is the project recorded on it ("" for router gateway ports)."""
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        self.require(body, "network_id")
        network = self.backend.networks.find(project_id, str(body["network_id"]))
        internal = owner is not None
        if not internal and network["project_id"] != project_id and not network["shared"]:
            raise not_found("HTTPNotFound", "The resource could not be found.")
        if not internal:
            _policy_check("create", body, network, project_id)
            self.check_quota(project_id)
        fixed_ips = self._fixed_ips(network, body.get("fixed_ips"))
        device_owner = body.get("device_owner", "")
        if "security_groups" in body:
            groups = [self.backend.security_groups.find(project_id, sg)["id"]
                      for sg in body["security_groups"] or []]
        elif device_owner.startswith("network:") or not network["port_security_enabled"]:
            groups = []
        else:
            groups = [self.backend.security_groups.default_for(project_id)["id"]]
        return self.new_record(
            project_id if owner is None else owner, body,
            network_id=network["id"],
            admin_state_up=body.get("admin_state_up", True),
            mac_address=body.get("mac_address") or mac_address(),
            fixed_ips=fixed_ips,
            device_id=body.get("device_id", ""),
            device_owner=device_owner,
            status="ACTIVE" if device_owner.startswith("network:") else "DOWN",
            security_groups=groups,
            allowed_address_pairs=list(body.get("allowed_address_pairs") or []),
            extra_dhcp_opts=list(body.get("extra_dhcp_opts") or []),
            port_security_enabled=body.get("port_security_enabled",
                                           network["port_security_enabled"]),
            dns_name=body.get("dns_name", ""),
            qos_policy_id=body.get("qos_policy_id"),
            qos_network_policy_id=None,
            propagate_uplink_status=False,
            ip_allocation="immediate",
            **{"binding:vnic_type": body.get("binding:vnic_type", "normal")},
        )

    def _fixed_ips(self, network: Record, wanted: Any) -> list[dict[str, str]]:
        subnets = self.backend.subnets
        if wanted is None:
            # One address from the first IPv4 subnet with room (and one per IPv6 subnet).
            result: list[dict[str, str]] = []
            errors: list[NeutronError] = []
            for subnet_id in network["subnets"]:
                subnet = subnets.rows[subnet_id]
                if subnet["ip_version"] == 4 and any(
                    subnets.rows[ip["subnet_id"]]["ip_version"] == 4 for ip in result
                ):
                    continue
                try:
                    result.append({"subnet_id": subnet_id,
                                   "ip_address": subnets.allocate(subnet)})
                except NeutronError as exc:
                    errors.append(exc)
            if not result and errors:
                raise errors[0]
            return result
        if not isinstance(wanted, list):
            raise invalid_attr("fixed_ips", f"Invalid data format for fixed IP: '{wanted}'")
        result = []
        for entry in wanted:
            subnet_id = entry.get("subnet_id")
            if subnet_id is None and entry.get("ip_address"):
                ip = parse_address(entry["ip_address"], "fixed_ips")
                subnet_id = next((s for s in network["subnets"]
                                  if ip in parse_network(subnets.rows[s]["cidr"])), None)
                if subnet_id is None:
                    raise invalid_input("InvalidIpForNetwork",
                                        f"IP address {ip} is not a valid IP for any of the "
                                        "subnets on the specified network.")
            if subnet_id not in network["subnets"]:
                if subnet_id not in subnets.rows:
                    raise subnets.not_found(str(subnet_id))
                raise invalid_input("InvalidInput",
                                    f"Invalid input for operation: Failed to create port on "
                                    f"network {network['id']}, because fixed_ips included "
                                    f"invalid subnet {subnet_id}.")
            address = subnets.allocate(subnets.rows[subnet_id], entry.get("ip_address"))
            result.append({"subnet_id": subnet_id, "ip_address": address})
        return result

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        port = self.find(project_id, rid)
        if "mac_address" in body:
            # The API allows it (neutron-lib port definition: allow_put), the default policy
            # does not for a plain member: update_port:mac_address is ADMIN_OR_SERVICE or the
            # network owner's manager (neutron/conf/policies/port.py). The emulated user has
            # the member and reader roles only; neutron/policy.py checks an attribute whenever
            # the body sets it, even to its current value.
            raise policy("rule:update_port:mac_address")
        _policy_check("update", body, self.backend.networks.rows[port["network_id"]], project_id)
        self.check_body(body, creating=False)
        if "security_groups" in body:
            body = {**body, "security_groups": [
                self.backend.security_groups.find(project_id, sg)["id"]
                for sg in body["security_groups"] or []]}
        if "fixed_ips" in body:
            network = self.backend.networks.rows[port["network_id"]]
            previous = port["fixed_ips"]
            port["fixed_ips"] = []
            try:
                body = {**body, "fixed_ips": self._fixed_ips(network, body["fixed_ips"])}
            finally:
                port["fixed_ips"] = previous
        port.update(body)
        self.touch(port)
        return port

    def delete(self, project_id: str, rid: str) -> None:
        port = self.find(project_id, rid)
        if port["device_owner"] in ROUTER_OWNERS:
            raise in_use("L3PortInUse", f"Port {rid} cannot be deleted directly via the port "
                         f"API: has device owner {port['device_owner']}.")
        self.remove(rid)

    def remove(self, rid: str) -> None:
        """Delete without the API's checks (router and server clean-up)."""
        self.backend.floatingips.disassociate_port(rid)
        self.rows.pop(rid, None)
