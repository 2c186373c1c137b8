"""Neutron behaviours the emulator once got wrong (issue 8), driven through openstacksdk or, where
the SDK has no call for it, raw HTTP with the SDK's token."""

from __future__ import annotations

import re

import openstack
import pytest
import requests

from tests.conftest import Emulator


def _headers(conn: openstack.connection.Connection) -> dict[str, str]:
    return {"X-Auth-Token": conn.session.get_token()}


def test_post_tags_adds_to_the_existing_ones(emulator: Emulator) -> None:
    # neutron/extensions/tagging.py TaggingController.create: POST adds, keeps the old tags,
    # answers 201 with the request's body.
    conn = emulator.connect()
    network = conn.network.create_network(name="tagged")
    conn.network.set_tags(network, ["old"])
    url = f"{emulator.url}/network/v2.0/networks/{network.id}/tags"
    answer = requests.post(url, json={"tags": ["new", "old"]}, headers=_headers(conn),
                           timeout=5)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"tags": ["new", "old"]}
    assert sorted(conn.network.get_network(network.id).tags) == ["new", "old"]
    duplicate = requests.post(url, json={"tags": ["x", "x"]}, headers=_headers(conn), timeout=5)
    assert duplicate.status_code == 400
    assert duplicate.json()["NeutronError"]["type"] == "InvalidInput"


def test_more_than_fifty_tags_are_refused(emulator: Emulator) -> None:
    conn = emulator.connect()
    network = conn.network.create_network(name="many-tags")
    with pytest.raises(openstack.exceptions.BadRequestException, match="limit of 50"):
        conn.network.set_tags(network, [f"t{i}" for i in range(51)])


def test_if_match_revision_number_constrains_updates_and_deletes(emulator: Emulator) -> None:
    conn = emulator.connect()
    network = conn.network.create_network(name="rev")
    stale = network.revision_number
    conn.network.update_network(network, name="rev-2")
    with pytest.raises(openstack.exceptions.PreconditionFailedException):
        conn.network.update_network(network, if_revision=stale, name="rev-3")
    assert conn.network.get_network(network.id).name == "rev-2"
    with pytest.raises(openstack.exceptions.PreconditionFailedException):
        conn.network.delete_network(network, if_revision=stale)
    current = conn.network.get_network(network.id).revision_number
    updated = conn.network.update_network(network, if_revision=current, name="rev-3")
    assert updated.name == "rev-3"
    # The fault body is Neutron's, naming the revision plugin's exception.
    answer = requests.put(f"{emulator.url}/network/v2.0/networks/{network.id}",
                          json={"network": {"name": "x"}},
                          headers={**_headers(conn), "If-Match": f"revision_number={stale}"},
                          timeout=5)
    assert answer.status_code == 412
    error = answer.json()["NeutronError"]
    assert error["type"] == "RevisionNumberConstraintFailed"
    assert error["message"] == (f"Constrained to {stale}, but current revision is "
                                f"{updated.revision_number}")


def test_bulk_security_group_rules_are_created_all_or_none(emulator: Emulator) -> None:
    conn = emulator.connect()
    group = conn.network.create_security_group(name="bulk")
    rules = conn.network.create_security_group_rules([
        {"security_group_id": group.id, "direction": "ingress", "protocol": "tcp",
         "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "10.0.0.0/8"},
        {"security_group_id": group.id, "direction": "ingress", "protocol": "tcp",
         "port_range_min": 443, "port_range_max": 443},
    ])
    assert sorted(r.port_range_min for r in rules) == [22, 443]
    before = len(list(conn.network.security_group_rules(security_group_id=group.id)))
    with pytest.raises(openstack.exceptions.BadRequestException):
        conn.network.create_security_group_rules([
            {"security_group_id": group.id, "direction": "ingress", "protocol": "udp",
             "port_range_min": 53, "port_range_max": 53},
            {"security_group_id": group.id, "direction": "sideways"},
        ])
    after = len(list(conn.network.security_group_rules(security_group_id=group.id)))
    assert after == before


def test_lists_are_sorted_by_sort_key_and_sort_dir(emulator: Emulator) -> None:
    conn = emulator.connect()
    for name in ("bravo", "alpha", "charlie"):
        conn.network.create_network(name=name)
    names = [n.name for n in conn.network.networks(sort_key="name", sort_dir="desc")
             if n.name in ("alpha", "bravo", "charlie")]
    assert names == ["charlie", "bravo", "alpha"]
    ascending = [n.name for n in conn.network.networks(sort_key="name", sort_dir="asc")
                 if n.name in ("alpha", "bravo", "charlie")]
    assert ascending == ["alpha", "bravo", "charlie"]
    url = f"{emulator.url}/network/v2.0/networks"
    for query in ("sort_key=name", "sort_key=name&sort_dir=up", "sort_key=nonsense&sort_dir=asc"):
        answer = requests.get(f"{url}?{query}", headers=_headers(conn), timeout=5)
        assert answer.status_code == 400, query
        assert answer.json()["NeutronError"]["type"] == "HTTPBadRequest"


def test_member_may_not_change_a_port_mac_address(emulator: Emulator) -> None:
    conn = emulator.connect()
    network = conn.network.create_network(name="macs")
    conn.network.create_subnet(network_id=network.id, cidr="10.20.0.0/24", ip_version=4)
    port = conn.network.create_port(network_id=network.id)
    original = port.mac_address
    with pytest.raises(openstack.exceptions.ForbiddenException,
                       match="update_port:mac_address"):
        conn.network.update_port(port.id, mac_address="fa:16:3e:00:00:01")
    assert conn.network.get_port(port.id).mac_address == original
    assert conn.network.update_port(port.id, name="renamed").name == "renamed"


def test_extensions_advertise_sorting_and_revision_if_match(emulator: Emulator) -> None:
    conn = emulator.connect()
    aliases = {ext.alias for ext in conn.network.extensions()}
    assert {"sorting", "revision-if-match", "standard-attr-tag"} <= aliases


# -- issue 9: the policy and validation checks real Neutron applies to a member -------------
def test_member_port_attributes_on_a_shared_network_are_policed(emulator: Emulator) -> None:
    # neutron/conf/policies/port.py: on a network another project owns (the seeded, shared
    # cephfs network) a member may pick a subnet but not an address, MAC or port security.
    conn = emulator.connect()
    cephfs = conn.network.find_network("cephfs")
    (subnet,) = conn.network.subnets(network_id=cephfs.id)
    port = conn.network.create_port(network_id=cephfs.id, fixed_ips=[{"subnet_id": subnet.id}])
    assert port.fixed_ips[0]["subnet_id"] == subnet.id
    refused = [
        ({"fixed_ips": [{"subnet_id": subnet.id, "ip_address": "10.4.200.200"}]},
         "create_port:fixed_ips:ip_address"),
        ({"mac_address": "fa:16:3e:00:00:02"}, "create_port:mac_address"),
        ({"port_security_enabled": False}, "create_port:port_security_enabled"),
        ({"binding:host_id": "compute-1"}, "create_port:binding:host_id"),
    ]
    for extra, rule in refused:
        with pytest.raises(openstack.exceptions.ForbiddenException, match=rule):
            conn.network.create_port(network_id=cephfs.id, **extra)
    with pytest.raises(openstack.exceptions.ForbiddenException,
                       match="update_port:fixed_ips"):
        conn.network.update_port(port.id, fixed_ips=[{"subnet_id": subnet.id}])
    # On its own network the same member may choose the address.
    own = conn.network.create_network(name="own")
    own_subnet = conn.network.create_subnet(network_id=own.id, cidr="10.30.0.0/24",
                                            ip_version=4)
    chosen = conn.network.create_port(network_id=own.id, fixed_ips=[
        {"subnet_id": own_subnet.id, "ip_address": "10.30.0.50"}])
    assert chosen.fixed_ips[0]["ip_address"] == "10.30.0.50"


def test_router_gateway_snat_and_fixed_ips_are_admin_only(emulator: Emulator) -> None:
    conn = emulator.connect()
    public = conn.network.find_network("public")
    for info, rule in (({"network_id": public.id, "enable_snat": False},
                        "create_router:external_gateway_info:enable_snat"),
                       ({"network_id": public.id,
                         "external_fixed_ips": [{"ip_address": "192.0.2.50"}]},
                        "create_router:external_gateway_info:external_fixed_ips")):
        with pytest.raises(openstack.exceptions.ForbiddenException, match=rule):
            conn.network.create_router(name="r", external_gateway_info=info)
    router = conn.network.create_router(name="r", external_gateway_info={
        "network_id": public.id})
    assert router.external_gateway_info["enable_snat"] is True
    with pytest.raises(openstack.exceptions.ForbiddenException,
                       match="update_router:external_gateway_info:enable_snat"):
        conn.network.update_router(router, external_gateway_info={
            "network_id": public.id, "enable_snat": True})


def test_route_destination_must_be_a_network_address(emulator: Emulator) -> None:
    conn = emulator.connect()
    network = conn.network.create_network(name="routed")
    subnet = conn.network.create_subnet(network_id=network.id, cidr="10.40.0.0/24",
                                        ip_version=4)
    router = conn.network.create_router(name="r")
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    with pytest.raises(openstack.exceptions.BadRequestException,
                       match=re.escape("'10.4.200.1/24' isn't a recognized IP subnet "
                                       "cidr, '10.4.200.0/24' is recommended")):
        conn.network.add_extra_routes_to_router(router, body={"router": {"routes": [
            {"destination": "10.4.200.1/24", "nexthop": "10.40.0.10"}]}})
    routed = conn.network.add_extra_routes_to_router(router, body={"router": {"routes": [
        {"destination": "10.4.200.0/24", "nexthop": "10.40.0.10"}]}})
    assert routed.routes == [{"destination": "10.4.200.0/24", "nexthop": "10.40.0.10"}]


def test_unknown_filters_are_refused_as_filter_validation_says(emulator: Emulator) -> None:
    conn = emulator.connect()
    assert "filter-validation" in {ext.alias for ext in conn.network.extensions()}
    url = f"{emulator.url}/network/v2.0/networks"
    answer = requests.get(url, params={"colour": "red"}, headers=_headers(conn), timeout=5)
    assert answer.status_code == 400
    assert answer.json()["NeutronError"]["message"] == (
        "['colour'] is invalid attribute for filtering")
    assert [n.name for n in conn.network.networks(name="cephfs")] == ["cephfs"]
