"""Nova (compute v2.1) as openstacksdk (and raw HTTP) sees it."""

from __future__ import annotations

import base64
from typing import Any

import openstack
import pytest
import requests

from tests.conftest import Emulator

USER_DATA = base64.b64encode(b"#cloud-config\npackages: [openjdk-17-jre]\n").decode()
WAIT = {"interval": 0.05, "wait": 10}


def _headers(emulator: Emulator, version: str | None = None) -> dict[str, str]:
    headers = {"X-Auth-Token": emulator.connect().session.get_token()}
    if version:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return headers


def _setup(conn: openstack.connection.Connection) -> dict[str, Any]:
    """What a Yarn fallback deployment needs before booting: flavor, image, key, network."""
    network = conn.network.create_network(name="gaia-yarn")
    conn.network.create_subnet(network_id=network.id, cidr="10.20.0.0/24", ip_version=4)
    conn.compute.create_keypair(name="gaia-yarn")
    return {
        "flavor_id": conn.compute.find_flavor("gaia.vm.2vcpu").id,
        "image_id": conn.image.find_image("ubuntu-jammy").id,
        "key_name": "gaia-yarn",
        "networks": [{"uuid": network.id}],
    }


def test_version_documents_are_public_and_advertise_microversions(emulator: Emulator) -> None:
    root = requests.get(f"{emulator.url}/compute/", timeout=5)
    assert root.status_code == 200
    current = [v for v in root.json()["versions"] if v["status"] == "CURRENT"]
    assert current[0]["id"] == "v2.1" and current[0]["min_version"] == "2.1"
    version = requests.get(f"{emulator.url}/compute/v2.1", timeout=5).json()["version"]
    assert version["version"] == "2.100"
    assert version["links"][0] == {"rel": "self", "href": f"{emulator.url}/compute/v2.1/"}


def test_microversion_headers_are_negotiated(emulator: Emulator) -> None:
    url = f"{emulator.url}/compute/v2.1/flavors"
    headers = _headers(emulator)
    plain = requests.get(url, headers=headers, timeout=5)
    assert plain.headers["OpenStack-API-Version"] == "compute 2.1"
    assert "OpenStack-API-Version" in plain.headers["Vary"]
    chosen = requests.get(url, headers={**headers, "OpenStack-API-Version": "compute 2.60"},
                          timeout=5)
    assert chosen.headers["X-OpenStack-Nova-API-Version"] == "2.60"
    legacy = requests.get(url, headers={**headers, "X-OpenStack-Nova-API-Version": "2.47"},
                          timeout=5)
    assert legacy.headers["OpenStack-API-Version"] == "compute 2.47"
    latest = requests.get(url, headers={**headers, "OpenStack-API-Version": "compute latest"},
                          timeout=5)
    assert latest.headers["OpenStack-API-Version"] == "compute 2.100"
    too_new = requests.get(url, headers={**headers, "OpenStack-API-Version": "compute 2.200"},
                           timeout=5)
    assert too_new.status_code == 406
    assert too_new.json()["notAcceptable"]["message"] == (
        "Version 2.200 is not supported by the API. Minimum is 2.1 and maximum is 2.100.")
    malformed = requests.get(url, headers={**headers, "OpenStack-API-Version": "compute 2.x"},
                             timeout=5)
    assert malformed.status_code == 400 and "invalid format" in malformed.text
    missing = requests.get(f"{url}/nope", headers={**headers,
                                                   "OpenStack-API-Version": "compute 2.60"},
                           timeout=5)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Flavor nope could not be found."
    assert missing.headers["OpenStack-API-Version"] == "compute 2.60"


def test_flavors_include_the_profile_flavors(emulator: Emulator) -> None:
    conn = emulator.connect()
    names = {f.name for f in conn.compute.flavors()}
    assert {"gaia.vm.2vcpu", "gaia.vm.4vcpu", "gaia.vm.8vcpu", "gaia.vm.26vcpu",
            "general.v1.tiny", "general.v1.small", "general.v1.medium"} <= names
    worker = conn.compute.find_flavor("gaia.vm.26vcpu")
    assert (worker.vcpus, worker.ram, worker.disk) == (26, 46080, 80)
    assert conn.compute.get_flavor(worker.id).name == "gaia.vm.26vcpu"
    old = requests.get(f"{emulator.url}/compute/v2.1/flavors/{worker.id}",
                       headers=_headers(emulator), timeout=5).json()["flavor"]
    assert "extra_specs" not in old and "description" not in old


def test_arcus_flavors_the_cambridge_profile_names(emulator: Emulator) -> None:
    # As `openstack flavor list` showed them on Arcus (wfau/gaia-dmp
    # notes/zrq/2022/20220117-01-arcus-testing.txt): private, some with ephemeral disks.
    conn = emulator.connect()
    shown = {name: conn.compute.find_flavor(name) for name in (
        "gaia.vm.cclake.2vcpu", "gaia.vm.cclake.4vcpu", "gaia.vm.cclake.26vcpu",
        "gaia.vm.cclake.54vcpu")}
    assert {n: (f.vcpus, f.ram, f.disk, f.ephemeral) for n, f in shown.items()} == {
        "gaia.vm.cclake.2vcpu": (2, 3072, 14, 0), "gaia.vm.cclake.4vcpu": (4, 6144, 22, 0),
        "gaia.vm.cclake.26vcpu": (26, 44032, 20, 180),
        "gaia.vm.cclake.54vcpu": (54, 88064, 20, 380)}
    assert {f.is_public for f in shown.values()} == {False}
    assert conn.compute.find_flavor("gaia.vm.2vcpu").is_public is True


def test_keypairs_generate_import_and_conflict(emulator: Emulator) -> None:
    conn = emulator.connect()
    generated = conn.compute.create_keypair(name="generated")
    assert generated.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    imported = conn.compute.create_keypair(name="imported",
                                           public_key=generated.public_key)
    assert imported.fingerprint == generated.fingerprint and not imported.private_key
    with pytest.raises(openstack.exceptions.ConflictException,
                       match=r"Key pair 'imported' already exists\."):
        conn.compute.create_keypair(name="imported", public_key=generated.public_key)
    assert {k.name for k in conn.compute.keypairs()} == {"generated", "imported"}
    assert conn.compute.get_keypair("imported").user_id == conn.current_user_id
    conn.compute.delete_keypair("generated")
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.get_keypair("generated")
    no_key = requests.post(f"{emulator.url}/compute/v2.1/os-keypairs",
                           headers=_headers(emulator, "2.92"),
                           json={"keypair": {"name": "new"}}, timeout=5)
    assert no_key.status_code == 400 and "'public_key' is a required property" in no_key.text
    bad = requests.post(f"{emulator.url}/compute/v2.1/os-keypairs", headers=_headers(emulator),
                        json={"keypair": {"name": "bad", "public_key": "ssh-rsa nonsense"}},
                        timeout=5)
    assert bad.status_code == 400


def test_server_builds_gets_an_address_and_is_deleted(emulator: Emulator) -> None:
    conn = emulator.connect()
    setup = _setup(conn)
    created = conn.compute.create_server(name="gaia-gateway", user_data=USER_DATA,
                                         metadata={"role": "gateway"}, tags=["gaia"], **setup)
    assert created.admin_password
    server = conn.compute.wait_for_server(created, **WAIT)
    assert server.status == "ACTIVE" and server.power_state == 1
    (port,) = conn.network.ports(device_id=server.id)
    assert port.status == "ACTIVE" and port.device_owner == "compute:nova"
    (address,) = server.addresses["gaia-yarn"]
    assert address["addr"] == port.fixed_ips[0]["ip_address"]
    assert address["OS-EXT-IPS:type"] == "fixed"
    fetched = conn.compute.get_server(server.id)
    # user_data is an admin-only extended attribute (nova/policies/
    # extended_server_attributes.py): the server reads it from the metadata service instead.
    assert fetched.user_data is None
    metadata = f"{emulator.url}/_sandbox/metadata/{server.id}/openstack/latest/user_data"
    assert requests.get(metadata, timeout=5).content == base64.b64decode(USER_DATA)
    assert fetched.metadata == {"role": "gateway"} and fetched.tags == ["gaia"]
    assert fetched.flavor.original_name == "gaia.vm.2vcpu"
    assert fetched.key_name == "gaia-yarn"
    assert [g["name"] for g in fetched.security_groups] == ["default"]

    emulator.set_time_scale(1.0)  # a real-time delete takes seconds: long enough to look at
    conn.compute.delete_server(server)
    assert conn.compute.get_server(server.id).task_state == "deleting"
    emulator.set_time_scale(0.0005)
    conn.compute.wait_for_delete(server, **WAIT)
    assert list(conn.network.ports(device_id=server.id)) == []


def test_floating_ip_shows_in_server_addresses(emulator: Emulator) -> None:
    conn = emulator.connect()
    setup = _setup(conn)
    public = conn.network.find_network("public")
    router = conn.network.create_router(external_gateway_info={"network_id": public.id})
    subnet = next(conn.network.subnets(network_id=setup["networks"][0]["uuid"]))
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    server = conn.compute.wait_for_server(conn.compute.create_server(name="gw", **setup),
                                          **WAIT)
    (port,) = conn.network.ports(device_id=server.id)
    fip = conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    addresses = conn.compute.get_server(server.id).addresses["gaia-yarn"]
    assert {"fixed", "floating"} == {a["OS-EXT-IPS:type"] for a in addresses}
    assert fip.floating_ip_address in {a["addr"] for a in addresses}


def test_build_fault_ends_in_error_with_the_fault(emulator: Emulator) -> None:
    emulator.fault(operation="nova.server.build", reason="No valid host was found.")
    conn = emulator.connect()
    setup = _setup(conn)
    server = conn.compute.create_server(name="doomed", **setup)
    with pytest.raises(openstack.exceptions.ResourceFailure):
        conn.compute.wait_for_server(server, **WAIT)
    failed = conn.compute.get_server(server.id)
    assert failed.status == "ERROR"
    assert failed.fault["message"] == "No valid host was found."
    assert failed.fault["code"] == 500
    assert failed.addresses == {}


def test_quota_exceeded_is_403_with_novas_message(emulator: Emulator) -> None:
    emulator.config.quotas["compute"]["instances"] = 1
    conn = emulator.connect()
    setup = _setup(conn)
    conn.compute.create_server(name="first", **setup)
    with pytest.raises(openstack.exceptions.ForbiddenException) as raised:
        conn.compute.create_server(name="second", **setup)
    assert raised.value.status_code == 403
    assert "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances" in str(
        raised.value)
    limits = conn.compute.get_limits().absolute
    assert limits.instances == 1 and limits.instances_used == 1
    assert limits.total_cores_used == 2


def test_create_validation_uses_novas_messages(emulator: Emulator) -> None:
    conn = emulator.connect()
    setup = _setup(conn)
    url = f"{emulator.url}/compute/v2.1/servers"
    headers = _headers(emulator, "2.90")
    # A second network of the project's own makes "auto" ambiguous.
    second = conn.network.create_network(name="second")
    conn.network.create_subnet(network_id=second.id, ip_version=4, cidr="10.20.0.0/24")
    cases = [
        ({"flavorRef": "missing"}, 400, "Flavor missing could not be found."),
        ({"imageRef": "f0000000-0000-4000-8000-000000000000"}, 400,
         "Can not find requested image"),
        ({"key_name": "nobody"}, 400, "Invalid key_name provided."),
        ({"user_data": "not base64!"}, 400, "User data needs to be valid base 64."),
        ({"user_data": "QUFB" * 20000}, 400, "is too long"),
        ({"networks": [{"uuid": "f0000000-0000-4000-8000-000000000000"}]}, 400,
         "Network f0000000-0000-4000-8000-000000000000 could not be found."),
        ({"networks": "auto"}, 409, "Multiple possible networks found"),
        ({"security_groups": [{"name": "nope"}]}, 400, "Security group nope not found."),
    ]
    base = {"name": "vm", "flavorRef": setup["flavor_id"], "imageRef": setup["image_id"],
            "networks": setup["networks"]}
    for change, status, message in cases:
        answer = requests.post(url, json={"server": {**base, **change}}, headers=headers,
                               timeout=5)
        assert answer.status_code == status, change
        assert message in next(iter(answer.json().values()))["message"], change
    no_networks = {k: v for k, v in base.items() if k != "networks"}
    answer = requests.post(url, json={"server": no_networks}, headers=headers, timeout=5)
    assert answer.status_code == 400 and "'networks' is a required property" in answer.text
    assert list(conn.compute.servers()) == []


def test_list_filters_tags_and_metadata(emulator: Emulator) -> None:
    conn = emulator.connect()
    setup = _setup(conn)
    master = conn.compute.create_server(name="yarn-master", tags=["gaia", "master"], **setup)
    conn.compute.create_server(name="yarn-worker-1", tags=["gaia"], **setup)
    conn.compute.wait_for_server(master, **WAIT)
    assert {s.name for s in conn.compute.servers(name="^yarn-worker")} == {"yarn-worker-1"}
    assert {s.name for s in conn.compute.servers(tags="gaia,master")} == {"yarn-master"}
    assert len(list(conn.compute.servers(any_tags="gaia"))) == 2

    server = conn.compute.get_server(master.id)
    server.add_tag(conn.compute, "deployed")
    assert sorted(conn.compute.get_server(master.id).tags) == ["deployed", "gaia", "master"]
    conn.compute.set_server_metadata(server, workers="4")
    assert conn.compute.get_server_metadata(server).metadata == {"workers": "4"}
    conn.compute.delete_server_metadata(server, ["workers"])
    assert conn.compute.get_server_metadata(server).metadata == {}

    old = requests.get(f"{emulator.url}/compute/v2.1/servers/{master.id}/tags",
                       headers=_headers(emulator, "2.25"), timeout=5)
    assert old.status_code == 404


def test_tags_cannot_change_while_building(emulator: Emulator) -> None:
    emulator.set_time_scale(1.0)
    conn = emulator.connect()
    setup = _setup(conn)
    server = conn.compute.create_server(name="slow", **setup)
    answer = requests.put(f"{emulator.url}/compute/v2.1/servers/{server.id}/tags/x",
                          headers=_headers(emulator, "2.26"), timeout=5)
    assert answer.status_code == 409
    assert "while it is in vm_state building" in answer.json()["conflictingRequest"]["message"]


def test_stop_start_and_reboot(emulator: Emulator) -> None:
    conn = emulator.connect()
    server = conn.compute.wait_for_server(
        conn.compute.create_server(name="vm", **_setup(conn)), **WAIT)
    conn.compute.stop_server(server)
    assert conn.compute.get_server(server.id).status == "SHUTOFF"
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.compute.reboot_server(server, "SOFT")
    conn.compute.start_server(server)
    conn.compute.reboot_server(server, "HARD")
    # The REBOOT/HARD_REBOOT statuses on the way: test_nova_realism.py.
    assert conn.compute.wait_for_server(server, **WAIT).status == "ACTIVE"


def test_quota_sets_and_availability_zones(emulator: Emulator) -> None:
    conn = emulator.connect()
    _setup(conn)
    quota = conn.compute.get_quota_set(conn.current_project_id)
    assert quota.instances == emulator.config.quotas["compute"]["instances"]
    detail = conn.compute.get_quota_set(conn.current_project_id, usage=True)
    assert detail.usage["key_pairs"] == 1
    zones = [z.name for z in conn.compute.availability_zones()]
    assert zones == ["nova"]
    other = requests.get(f"{emulator.url}/compute/v2.1/os-quota-sets/someone-else",
                         headers=_headers(emulator), timeout=5)
    assert other.status_code == 403
