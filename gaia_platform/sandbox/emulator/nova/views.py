"""A server as the API shows it at a given microversion.

Fields per https://docs.openstack.org/api-ref/compute/ "Show Server Details": the
``OS-EXT-SRV-ATTR:*`` admin fields (hidden from the sandbox's member but for
``OS-EXT-SRV-ATTR:hostname`` from 2.90), ``locked`` 2.9, ``host_status`` 2.16,
``description`` 2.19, ``tags`` 2.26, the embedded flavor 2.47, ``trusted_image_certificates``
2.63, ``server_groups`` 2.71, ``locked_reason`` 2.73, ``pinned_availability_zone`` 2.96, image
``properties`` 2.98, ``scheduler_hints`` 2.100.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..store import Record
from . import flavors
from .models import POWER, status_of
from .versions import at_least

if TYPE_CHECKING:
    from .models import NovaBackend

PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")


def links(base: str, server_id: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/v2.1/servers/{server_id}"},
            {"rel": "bookmark", "href": f"{base}/servers/{server_id}"}]


def brief(server: Record, base: str) -> dict[str, Any]:
    return {"id": server["id"], "name": server["name"], "links": links(base, server["id"])}


def addresses(backend: NovaBackend, server: Record) -> dict[str, list[dict[str, Any]]]:
    neutron = backend.neutron
    result: dict[str, list[dict[str, Any]]] = {}
    for port in neutron.server_ports(server["id"]):
        network = neutron.networks.rows.get(port["network_id"], {})
        entries = result.setdefault(network.get("name") or port["network_id"], [])
        for ip in port["fixed_ips"]:
            entries.append({"version": 6 if ":" in ip["ip_address"] else 4,
                            "addr": ip["ip_address"], "OS-EXT-IPS:type": "fixed",
                            "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
        for floating in neutron.floating_addresses(port["id"]):
            entries.append({"version": 4, "addr": floating, "OS-EXT-IPS:type": "floating",
                            "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
    return result


def _image(backend: NovaBackend, server: Record, base: str, version: str | None) -> Any:
    if server["_image"] is None:
        return ""  # booted from a volume
    view: dict[str, Any] = {"id": server["_image"], "links": [
        {"rel": "bookmark", "href": f"{base}/images/{server['_image']}"}]}
    if at_least(version, "2.98"):
        view["properties"] = backend.state.backends["glance"].properties(server["_image"])
    return view


def detail(backend: NovaBackend, server: Record, base: str, version: str | None
           ) -> dict[str, Any]:
    status = status_of(server)
    active = server["vm_state"] not in ("building", "error")
    host = server["_host"] if active else None
    view: dict[str, Any] = {
        "id": server["id"], "name": server["name"], "status": status,
        "tenant_id": server["tenant_id"], "user_id": server["user_id"],
        "metadata": dict(server["metadata"]),
        "hostId": hashlib.sha224((server["tenant_id"] + host).encode()).hexdigest()
        if host else "",
        "image": _image(backend, server, base, version),
        "flavor": flavors.embedded(server["_flavor"], base, version),
        "created": server["created"], "updated": server["updated"],
        "addresses": addresses(backend, server),
        "accessIPv4": server["accessIPv4"], "accessIPv6": server["accessIPv6"],
        "links": links(base, server["id"]),
        "OS-DCF:diskConfig": server["OS-DCF:diskConfig"],
        "OS-EXT-AZ:availability_zone": "nova" if active else "",
        "config_drive": server["config_drive"],
        "key_name": server["key_name"],
        "OS-SRV-USG:launched_at": server["OS-SRV-USG:launched_at"],
        "OS-SRV-USG:terminated_at": None,
        "security_groups": [{"name": name} for name in server["_security_groups"]],
        "OS-EXT-STS:task_state": server["task_state"],
        "OS-EXT-STS:vm_state": server["vm_state"],
        "OS-EXT-STS:power_state": POWER[server["vm_state"]],
        "os-extended-volumes:volumes_attached": [],
    }
    # The OS-EXT-SRV-ATTR:* attributes (host, instance name, user_data, ...) and host_status
    # are admin-only by default policy (nova/policies/extended_server_attributes.py,
    # servers.py show:host_status); the emulated user is a member, so, as
    # nova/api/openstack/compute/views/servers.py show does for members, only the hostname
    # appears, from 2.90. user_data included: what a server was given is read back where its
    # cloud-init reads it, the metadata service (control.py /_sandbox/metadata).
    if status in PROGRESS_STATUSES:
        view["progress"] = 0
    if server.get("fault"):
        view["fault"] = dict(server["fault"])
    if at_least(version, "2.90"):
        view["OS-EXT-SRV-ATTR:hostname"] = server["_hostname"]
    optional = [
        ("2.9", "locked", server["locked"]),
        ("2.19", "description", server["description"]),
        ("2.26", "tags", list(server["tags"])),
        ("2.63", "trusted_image_certificates", None),
        ("2.71", "server_groups", []),
        ("2.73", "locked_reason", None),
        ("2.96", "pinned_availability_zone", None),
        ("2.100", "scheduler_hints", {}),
    ]
    for since, key, value in optional:
        if at_least(version, since):
            view[key] = value
    return view
