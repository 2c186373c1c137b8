"""Floating IPs: an address on an external network, associated with a project port.

https://docs.openstack.org/api-ref/network/v2/ "Floating IPs"; neutron/db/l3_db.py: the floating
network must be external (400), and associating a port needs a router with a gateway on that
network and an interface on the port's subnet (404 ExternalGatewayForFloatingIPNotFound).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..store import Record, public
from .base import Kind
from .errors import NeutronError, bad_resource_request, in_use, not_found


class FloatingIPs(Kind):
    collection = table_name = "floatingips"
    singular = "floatingip"
    quota_key = "floatingip"
    post_attrs = frozenset({"floating_network_id", "port_id", "fixed_ip_address",
                            "floating_ip_address", "subnet_id", "description", "tags",
                            "project_id", "tenant_id", "dns_domain", "dns_name",
                            "qos_policy_id"})
    put_attrs = frozenset({"port_id", "fixed_ip_address", "description", "qos_policy_id"})

    def not_found(self, rid: str) -> NeutronError:
        return not_found("FloatingIPNotFound", f"Floating IP {rid} could not be found")

    def view(self, record: Record) -> Record:
        view = public(record)
        port = self.backend.ports.rows.get(record["port_id"] or "")
        view["port_details"] = None if port is None else {
            key: port[key] for key in ("name", "network_id", "mac_address", "admin_state_up",
                                       "status", "device_id", "device_owner")}
        return view

    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        self.require(body, "floating_network_id")
        network = self.backend.networks.find(project_id, str(body["floating_network_id"]))
        if not network["router:external"]:
            raise bad_resource_request("floatingip", f"Network {network['id']} is not a valid "
                                                     "external network")
        self.check_quota(project_id)
        wanted: dict[str, Any] = {}
        if body.get("subnet_id"):
            wanted["subnet_id"] = body["subnet_id"]
        if body.get("floating_ip_address"):
            wanted["ip_address"] = body["floating_ip_address"]
        fip = self.new_record(
            project_id, body, floating_network_id=network["id"], floating_ip_address=None,
            router_id=None, port_id=None, fixed_ip_address=None, status="DOWN",
            port_forwardings=[], qos_policy_id=body.get("qos_policy_id"),
            dns_domain=body.get("dns_domain", ""), dns_name=body.get("dns_name", ""),
        )
        del fip["name"]
        try:
            port = self.backend.ports.create(project_id, {
                "network_id": network["id"], "device_id": fip["id"],
                "device_owner": "network:floatingip",
                **({"fixed_ips": [wanted]} if wanted else {})}, owner="")
            fip["floating_ip_address"] = port["fixed_ips"][0]["ip_address"]
            if body.get("port_id"):
                self._associate(project_id, fip, str(body["port_id"]),
                                body.get("fixed_ip_address"))
        except NeutronError:
            self._release(fip)
            raise
        return fip

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        fip = self.find(project_id, rid)
        self.check_body(body, creating=False)
        if "port_id" in body:
            if body["port_id"]:
                self._associate(project_id, fip, str(body["port_id"]),
                                body.get("fixed_ip_address"))
            else:
                fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
        for key in ("description", "qos_policy_id"):
            if key in body:
                fip[key] = body[key]
        self.touch(fip)
        return fip

    def delete(self, project_id: str, rid: str) -> None:
        self._release(self.find(project_id, rid))

    def _release(self, fip: Record) -> None:
        for port in [p for p in self.backend.ports.rows.values() if p["device_id"] == fip["id"]]:
            del self.backend.ports.rows[port["id"]]
        self.rows.pop(fip["id"], None)

    def _associate(self, project_id: str, fip: Record, port_id: str,
                   fixed_ip: str | None) -> None:
        port = self.backend.ports.find(project_id, port_id)
        candidates = [ip for ip in port["fixed_ips"]
                      if ipaddress.ip_address(ip["ip_address"]).version == 4]
        if fixed_ip is not None:
            candidates = [ip for ip in candidates if ip["ip_address"] == fixed_ip]
            if not candidates:
                raise bad_resource_request("floatingip", f"Port {port_id} does not have fixed "
                                                         f"ip {fixed_ip}")
        if not candidates:
            raise bad_resource_request("floatingip", f"No IPv4 address found on port {port_id}")
        internal = candidates[0]
        for other in self.rows.values():
            if other["id"] != fip["id"] and other["port_id"] == port_id and \
                    other["fixed_ip_address"] == internal["ip_address"]:
                raise in_use("FloatingIPPortAlreadyAssociated",
                             f"Cannot associate floating IP {fip['floating_ip_address']} "
                             f"({fip['id']}) with port {port_id} using fixed IP "
                             f"{internal['ip_address']}, as that fixed IP already has a "
                             f"floating IP on external network {other['floating_network_id']}.")
        router = self._router_for(fip["floating_network_id"], internal["subnet_id"])
        if router is None:
            raise not_found("ExternalGatewayForFloatingIPNotFound",
                            f"External network {fip['floating_network_id']} is not reachable "
                            f"from subnet {internal['subnet_id']}.  Therefore, cannot associate "
                            f"Port {port_id} with a Floating IP.")
        fip.update(port_id=port_id, fixed_ip_address=internal["ip_address"],
                   router_id=router["id"], status="ACTIVE")

    def _router_for(self, network_id: str, subnet_id: str) -> Record | None:
        routers = self.backend.routers
        for router in routers.rows.values():
            gateway = router["external_gateway_info"] or {}
            if gateway.get("network_id") != network_id:
                continue
            if subnet_id in routers.attached_subnet_ids(router["id"]):
                return router
        return None

    def disassociate_port(self, port_id: str) -> None:
        for fip in self.rows.values():
            if fip["port_id"] == port_id:
                fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
                self.touch(fip)
