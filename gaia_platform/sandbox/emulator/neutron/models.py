"""Neutron's state: the resource kinds, quotas, the seeded provider networks, and the calls
Nova makes to plug servers in (as nova-compute does through the Neutron API)."""

from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING, Any

from ..store import Record
from .base import DEFAULT_QUOTAS, Kind
from .core import Networks, Subnets
from .floatingips import FloatingIPs
from .l3 import Routers
from .ports import Ports
from .secgroups import SecurityGroupRules, SecurityGroups

if TYPE_CHECKING:
    from ..state import EmulatorState

# The cloud operator's project: owns the external and provider networks (and public images).
ADMIN_PROJECT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "gaia-sandbox/admin").hex
PUBLIC_CIDR = "192.0.2.0/24"  # RFC 5737 documentation range, standing in for real public IPs
KIND_TYPES: tuple[type[Kind], ...] = (Networks, Subnets, Ports, Routers, FloatingIPs,
                                      SecurityGroups, SecurityGroupRules)


class NeutronBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.networks = Networks(self)
        self.subnets = Subnets(self)
        self.ports = Ports(self)
        self.routers = Routers(self)
        self.floatingips = FloatingIPs(self)
        self.security_groups = SecurityGroups(self)
        self.security_group_rules = SecurityGroupRules(self)
        self.kinds: dict[str, Kind] = {
            kind.collection: kind
            for kind in (self.networks, self.subnets, self.ports, self.routers,
                         self.floatingips, self.security_groups, self.security_group_rules)
        }
        assert {type(k) for k in self.kinds.values()} == set(KIND_TYPES)

    def advance(self, now: float) -> bool:
        meta = self.state.store.table("neutron", "meta")
        if "seed" in meta:
            return False
        meta["seed"] = {"at": now}
        self._seed()
        return True

    def quotas(self) -> dict[str, int]:
        return {**DEFAULT_QUOTAS, **self.state.config.quotas.get("network", {})}

    def usage(self, project_id: str) -> dict[str, int]:
        used = {key: 0 for key in self.quotas()}
        for kind in self.kinds.values():
            if kind.quota_key is not None:
                used[kind.quota_key] = kind.used(project_id)
        return used

    def ensure_project(self, project_id: str) -> None:
        """Neutron creates a project's default security group on its first API call."""
        self.security_groups.default_for(project_id)

    # -- seed ----------------------------------------------------------------------------------
    def _seed(self) -> None:
        admin = ADMIN_PROJECT_ID
        public = self.networks.create(admin, {
            "name": "public", "description": "External network for floating IPs",
            "router:external": True, "is_default": True, "provider:network_type": "flat",
            "provider:physical_network": "external"}, admin=True)
        self.subnets.create(admin, {
            "name": "public-subnet", "network_id": public["id"], "ip_version": 4,
            "cidr": PUBLIC_CIDR, "enable_dhcp": False,
            "allocation_pools": [{"start": "192.0.2.10", "end": "192.0.2.254"}]})
        cephfs = self.networks.create(admin, {
            # External, as cumulus-internal is on the predecessor's cloud: a project router
            # takes its gateway there to reach the monitors (aglais's cephfs-router.sh).
            "name": "cephfs", "description": "Provider network of the CephFS monitors",
            "shared": True, "router:external": True, "provider:network_type": "vlan",
            "provider:physical_network": "physnet1", "provider:segmentation_id": 200},
            admin=True)
        cidr, pool_start = self._ceph_subnet()
        self.subnets.create(admin, {
            "name": "cephfs-subnet", "network_id": cephfs["id"], "ip_version": 4,
            "cidr": str(cidr), "enable_dhcp": True,
            "allocation_pools": [{"start": str(pool_start), "end": str(cidr[-2])}]})

    def _ceph_subnet(self) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Address]:
        """The /24 holding config.ceph_monitors; the pool starts above the monitors' addresses."""
        monitors = self.state.config.ceph_monitors
        hosts = [ipaddress.IPv4Address(m.rsplit(":", 1)[0]) for m in monitors]
        cidr = ipaddress.IPv4Network(f"{hosts[0]}/24", strict=False) if hosts else \
            ipaddress.IPv4Network("10.4.200.0/24")
        highest = max((int(h) - int(cidr.network_address) for h in hosts if h in cidr), default=0)
        return cidr, cidr.network_address + min((highest // 32 + 1) * 32, 200)

    # -- what Nova calls -----------------------------------------------------------------------
    def server_networks(self, project_id: str) -> list[Record]:
        """Networks Nova picks from when a boot names none: the project's own non-shared
        networks, then every shared one, external or not (nova/network/neutron.py
        _get_available_networks). Nova refuses an external non-shared one afterwards
        (_check_external_network_attach), not by leaving it out."""
        rows = self.networks.rows.values()
        own = [n for n in rows if n["project_id"] == project_id and not n["shared"]]
        return own + [n for n in rows if n["shared"]]

    def security_group_ids(self, project_id: str, names: list[str]) -> dict[str, list[str]]:
        """Each requested name (or id) with the project's groups that match it."""
        self.ensure_project(project_id)
        groups = [g for g in self.security_groups.rows.values() if g["project_id"] == project_id]
        return {name: [g["id"] for g in groups if name in (g["id"], g["name"])]
                for name in names}

    def create_server_port(self, project_id: str, server_id: str, network_id: str,
                           group_ids: list[str], fixed_ip: str | None = None) -> Record:
        body: dict[str, Any] = {"network_id": network_id, "device_id": server_id,
                                "device_owner": "compute:nova", "security_groups": group_ids}
        if fixed_ip:
            body["fixed_ips"] = [{"ip_address": fixed_ip}]
        port = self.ports.create(project_id, body, owner=project_id)
        port["_created_by_nova"] = True
        return port

    def bind_port(self, project_id: str, port_id: str, server_id: str) -> Record:
        port = self.ports.find(project_id, port_id)
        port.update(device_id=server_id, device_owner="compute:nova")
        self.ports.touch(port)
        return port

    def server_ports(self, server_id: str) -> list[Record]:
        return [p for p in self.ports.rows.values() if p["device_id"] == server_id]

    def set_server_ports_status(self, server_id: str, status: str) -> None:
        for port in self.server_ports(server_id):
            port["status"] = status

    def release_server_ports(self, server_id: str) -> None:
        """Nova deletes the ports it made and unbinds the ones the user passed in."""
        for port in self.server_ports(server_id):
            if port.get("_created_by_nova"):
                self.ports.remove(port["id"])
            else:
                port.update(device_id="", device_owner="", status="DOWN")
                self.ports.touch(port)

    def floating_addresses(self, port_id: str) -> list[str]:
        return [f["floating_ip_address"] for f in self.floatingips.rows.values()
                if f["port_id"] == port_id]
