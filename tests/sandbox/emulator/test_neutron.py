"""Neutron v2.0 as openstacksdk (and raw HTTP) sees it."""

from __future__ import annotations

from typing import Any

import openstack
import pytest
import requests

from tests.conftest import Emulator


def _token(emulator: Emulator) -> dict[str, str]:
    conn = emulator.connect()
    return {"X-Auth-Token": conn.session.get_token()}


def _project_network(conn: openstack.connection.Connection, cidr: str = "10.10.0.0/24",
                     name: str = "gaia") -> tuple[Any, Any]:
    network = conn.network.create_network(name=f"{name}-net")
    subnet = conn.network.create_subnet(network_id=network.id, cidr=cidr, ip_version=4,
                                        name=f"{name}-subnet")
    return network, subnet


def test_versions_document_is_public(emulator: Emulator) -> None:
    answer = requests.get(f"{emulator.url}/network/", timeout=5)
    assert answer.status_code == 200
    (version,) = answer.json()["versions"]
    assert version["id"] == "v2.0" and version["status"] == "CURRENT"
    assert version["links"][0]["href"] == f"{emulator.url}/network/v2.0/"
    assert requests.get(f"{emulator.url}/network/v2.0/networks", timeout=5).status_code == 401


def test_extensions_list_what_is_implemented(emulator: Emulator) -> None:
    conn = emulator.connect()
    aliases = {ext.alias for ext in conn.network.extensions()}
    assert {"router", "extraroute", "extraroute-atomic", "security-group", "standard-attr-tag",
            "quotas", "external-net"} <= aliases


def test_seeded_public_and_cephfs_networks_belong_to_the_admin_project(
    emulator: Emulator,
) -> None:
    conn = emulator.connect()
    public = conn.network.find_network("public")
    cephfs = conn.network.find_network("cephfs")
    assert public.is_router_external and not public.is_shared
    assert cephfs.is_shared and cephfs.provider_network_type == "vlan"
    assert public.project_id == cephfs.project_id != conn.current_project_id
    (ceph_subnet,) = conn.network.subnets(network_id=cephfs.id)
    assert ceph_subnet.cidr == "10.4.200.0/24"
    monitors = {m.split(":")[0] for m in emulator.config.ceph_monitors}
    pool = ceph_subnet.allocation_pools[0]
    assert all(int(m.rsplit(".", 1)[1]) < int(pool["start"].rsplit(".", 1)[1]) for m in monitors)
    (public_subnet,) = conn.network.subnets(network_id=public.id)
    assert public_subnet.cidr == "192.0.2.0/24"


def test_subnet_gets_gateway_and_pool_and_bad_cidrs_are_refused(emulator: Emulator) -> None:
    conn = emulator.connect()
    network, subnet = _project_network(conn)
    assert subnet.gateway_ip == "10.10.0.1"
    assert subnet.allocation_pools == [{"start": "10.10.0.2", "end": "10.10.0.254"}]
    with pytest.raises(openstack.exceptions.BadRequestException, match="not a valid IP subnet"):
        conn.network.create_subnet(network_id=network.id, cidr="10.20.0.0/33", ip_version=4)
    with pytest.raises(openstack.exceptions.BadRequestException, match="overlaps"):
        conn.network.create_subnet(network_id=network.id, cidr="10.10.0.128/25", ip_version=4)
    with pytest.raises(openstack.exceptions.BadRequestException, match="ip_version"):
        conn.network.create_subnet(network_id=network.id, cidr="10.30.0.0/24")
    with pytest.raises(openstack.exceptions.BadRequestException, match="spans beyond"):
        conn.network.update_subnet(
            subnet, allocation_pools=[{"start": "10.10.0.10", "end": "10.10.1.10"}])
    subnet = conn.network.update_subnet(
        subnet, allocation_pools=[{"start": "10.10.0.100", "end": "10.10.0.200"}],
        dns_nameservers=["10.10.0.53"])
    port = conn.network.create_port(network_id=network.id)
    assert port.fixed_ips[0]["ip_address"] == "10.10.0.100"


def test_ports_get_addresses_from_the_pool_and_filters_apply(emulator: Emulator) -> None:
    conn = emulator.connect()
    network, subnet = _project_network(conn)
    first = conn.network.create_port(network_id=network.id, device_id="vm-1")
    second = conn.network.create_port(
        network_id=network.id, fixed_ips=[{"subnet_id": subnet.id, "ip_address": "10.10.0.50"}]
    )
    assert first.fixed_ips == [{"subnet_id": subnet.id, "ip_address": "10.10.0.2"}]
    assert second.fixed_ips[0]["ip_address"] == "10.10.0.50"
    default = next(conn.network.security_groups(name="default"))
    assert first.security_group_ids == [default.id]
    assert [p.id for p in conn.network.ports(device_id="vm-1")] == [first.id]
    with pytest.raises(openstack.exceptions.ConflictException, match="already allocated"):
        conn.network.create_port(network_id=network.id,
                                 fixed_ips=[{"ip_address": "10.10.0.50"}])
    with pytest.raises(openstack.exceptions.ConflictException, match="ports still in use"):
        conn.network.delete_network(network)


def test_router_interface_needed_by_a_route_cannot_be_removed(emulator: Emulator) -> None:
    """The teardown failure aglais hit: the CephFS static route pins the interface."""
    conn = emulator.connect()
    _, subnet = _project_network(conn)
    public = conn.network.find_network("public")
    router = conn.network.create_router(name="gaia-router",
                                        external_gateway_info={"network_id": public.id})
    assert router.external_gateway_info["external_fixed_ips"][0]["ip_address"].startswith(
        "192.0.2.")
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    with pytest.raises(openstack.exceptions.BadRequestException,
                       match="nexthop is not connected with router"):
        conn.network.update_router(
            router, routes=[{"destination": "10.4.200.0/24", "nexthop": "10.99.0.5"}])
    route = {"destination": "10.4.200.0/24", "nexthop": "10.10.0.5"}
    router = conn.network.update_router(router, routes=[route])
    assert router.routes == [route]

    answer = requests.put(
        f"{emulator.url}/network/v2.0/routers/{router.id}/remove_router_interface",
        json={"subnet_id": subnet.id}, headers=_token(emulator), timeout=5)
    assert answer.status_code == 409
    error = answer.json()["NeutronError"]
    assert error["type"] == "RouterInterfaceInUseByRoute"
    assert error["message"] == (
        f"Router interface for subnet {subnet.id} on router {router.id} cannot be deleted, "
        "as it is required by one or more routes.")
    with pytest.raises(openstack.exceptions.ConflictException, match="ports still attached"):
        conn.network.delete_router(router)

    conn.network.update_router(router, routes=[])
    conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
    conn.network.delete_router(router)
    assert list(conn.network.routers()) == []


def test_extraroute_atomic_add_and_remove(emulator: Emulator) -> None:
    conn = emulator.connect()
    _, subnet = _project_network(conn)
    router = conn.network.create_router(name="r")
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    route = {"destination": "10.4.200.0/24", "nexthop": "10.10.0.7"}
    router = conn.network.add_extra_routes_to_router(router, body={"router": {"routes": [route]}})
    assert router.routes == [route]
    router = conn.network.remove_extra_routes_from_router(
        router, body={"router": {"routes": [route]}})
    assert router.routes == []


def test_default_security_group_and_rule_validation(emulator: Emulator) -> None:
    conn = emulator.connect()
    (default,) = conn.network.security_groups(name="default")
    assert len(default.security_group_rules) == 4
    group = conn.network.create_security_group(name="gaia-gateway")
    assert sorted(r["direction"] for r in group.security_group_rules) == ["egress", "egress"]
    ssh = {"security_group_id": group.id, "direction": "ingress", "protocol": "tcp",
           "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}
    rule = conn.network.create_security_group_rule(**ssh)
    assert rule.ether_type == "IPv4" and rule.port_range_min == 22
    with pytest.raises(openstack.exceptions.ConflictException,
                       match=f"Security group rule already exists. Rule id is {rule.id}."):
        conn.network.create_security_group_rule(**{**ssh, "protocol": "6"})
    with pytest.raises(openstack.exceptions.BadRequestException, match="port_range_min must be"):
        conn.network.create_security_group_rule(**{**ssh, "port_range_min": 30,
                                                   "port_range_max": 20})
    with pytest.raises(openstack.exceptions.BadRequestException, match="Conflicting value"):
        conn.network.create_security_group_rule(**{**ssh, "remote_ip_prefix": "fe80::/64"})
    with pytest.raises(openstack.exceptions.BadRequestException, match="protocol"):
        conn.network.create_security_group_rule(**{**ssh, "protocol": "bogus"})
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.network.delete_security_group(default)


def test_floating_ip_needs_an_external_network_and_a_router(emulator: Emulator) -> None:
    conn = emulator.connect()
    network, subnet = _project_network(conn)
    public = conn.network.find_network("public")
    port = conn.network.create_port(network_id=network.id)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.network.create_ip(floating_network_id="8d0b8c1e-0000-4000-8000-000000000000")
    with pytest.raises(openstack.exceptions.BadRequestException,
                       match="not a valid external network"):
        conn.network.create_ip(floating_network_id=network.id)
    with pytest.raises(openstack.exceptions.NotFoundException,
                       match="is not reachable from subnet"):
        conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    assert list(conn.network.ips()) == []  # the failed create left nothing behind

    router = conn.network.create_router(external_gateway_info={"network_id": public.id})
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    fip = conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    assert fip.status == "ACTIVE" and fip.router_id == router.id
    assert fip.fixed_ip_address == port.fixed_ips[0]["ip_address"]
    assert fip.floating_ip_address.startswith("192.0.2.")
    with pytest.raises(openstack.exceptions.ConflictException, match="floating IPs"):
        conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
    fip = conn.network.update_ip(fip, port_id=None)
    assert fip.status == "DOWN" and fip.port_id is None


def test_quotas_are_reported_and_enforced(emulator: Emulator) -> None:
    emulator.config.quotas["network"]["router"] = 1
    conn = emulator.connect()
    conn.network.create_router(name="one")
    with pytest.raises(openstack.exceptions.ConflictException,
                       match=r"Quota exceeded for resources: \['router'\]"):
        conn.network.create_router(name="two")
    quota = conn.network.get_quota(conn.current_project_id)
    assert quota.routers == 1 and quota.networks == 20
    details = conn.network.get_quota(conn.current_project_id, details=True)
    assert details.routers == {"limit": 1, "used": 1, "reserved": 0}
    answer = requests.get(
        f"{emulator.url}/network/v2.0/quotas/{conn.current_project_id}/details.json",
        headers=_token(emulator), timeout=5)
    assert answer.json()["quota"]["router"]["used"] == 1


def test_tags_replace_add_remove_and_filter(emulator: Emulator) -> None:
    conn = emulator.connect()
    network, _ = _project_network(conn)
    other = conn.network.create_network(name="other")
    conn.network.set_tags(network, ["gaia", "deployment=cambridge"])
    conn.network.set_tags(other, ["gaia"])
    assert sorted(conn.network.get_network(network.id).tags) == ["deployment=cambridge", "gaia"]
    assert {n.name for n in conn.network.networks(tags="gaia,deployment=cambridge")} == {
        "gaia-net"}
    assert {n.name for n in conn.network.networks(any_tags="gaia")} == {"gaia-net", "other"}
    assert {n.name for n in conn.network.networks(not_tags="deployment=cambridge")} >= {"other"}
    headers = _token(emulator)
    url = f"{emulator.url}/network/v2.0/networks/{other.id}/tags"
    assert requests.put(f"{url}/extra", headers=headers, timeout=5).status_code == 201
    assert requests.get(f"{url}/extra", headers=headers, timeout=5).status_code == 204
    assert requests.delete(f"{url}/extra", headers=headers, timeout=5).status_code == 204
    missing = requests.delete(f"{url}/extra", headers=headers, timeout=5)
    assert missing.status_code == 404
    assert missing.json()["NeutronError"]["type"] == "TagNotFound"


def test_errors_use_the_neutron_fault_body(emulator: Emulator) -> None:
    headers = _token(emulator)
    missing = requests.get(f"{emulator.url}/network/v2.0/networks/nope", headers=headers,
                           timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {"NeutronError": {"type": "NetworkNotFound",
                                               "message": "Network nope could not be found.",
                                               "detail": ""}}
    unknown = requests.post(f"{emulator.url}/network/v2.0/networks", headers=headers,
                            json={"network": {"name": "x", "colour": "blue"}}, timeout=5)
    assert unknown.status_code == 400
    assert unknown.json()["NeutronError"]["message"] == "Unrecognized attribute(s) 'colour'"
    shared = requests.post(f"{emulator.url}/network/v2.0/networks", headers=headers,
                           json={"network": {"name": "x", "shared": True}}, timeout=5)
    assert shared.status_code == 403


def test_pagination_follows_next_links(emulator: Emulator) -> None:
    conn = emulator.connect()
    for index in range(3):
        conn.network.create_network(name=f"net-{index}")
    headers = _token(emulator)
    page = requests.get(f"{emulator.url}/network/v2.0/networks", params={"limit": 2},
                        headers=headers, timeout=5).json()
    assert len(page["networks"]) == 2 and page["networks_links"][0]["rel"] == "next"
    names = {n.name for n in conn.network.networks(limit=2)}
    assert {"net-0", "net-1", "net-2", "public", "cephfs"} <= names
