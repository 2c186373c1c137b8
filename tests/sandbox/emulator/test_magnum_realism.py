"""Magnum as a 2026 cloud runs it: the API's attr_validator checks, then StackHPC's Cluster API
driver (magnum-capi-helm 1.4.0) deciding in the conductor. Through openstacksdk's session (raw
Magnum calls at a chosen microversion, as the product's own client makes them)."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.conftest import Emulator

MV = "OpenStack-API-Version"
KUBE_IMAGE = "ubuntu-jammy-kube-v1.34.4"  # os_distro ubuntu, kube_version v1.34.4 (seeded)


class Magnum:
    def __init__(self, emulator: Emulator) -> None:
        self.conn = emulator.connect()
        if self.conn.compute.find_keypair("gaia-key") is None:
            self.conn.compute.create_keypair(name="gaia-key")

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        answer: requests.Response = self.conn.session.request(
            path, method, endpoint_filter={"service_type": "container-infra"},
            headers={MV: "container-infra 1.10"}, raise_exc=False, **kwargs)
        return answer

    def template_body(self, **extra: Any) -> dict[str, Any]:
        return {"name": "t", "coe": "kubernetes", "image_id": KUBE_IMAGE,
                "flavor_id": "gaia.vm.4vcpu", "master_flavor_id": "gaia.vm.2vcpu",
                "keypair_id": "gaia-key", "external_network_id": "public", **extra}

    def template(self, **extra: Any) -> str:
        answer = self.call("POST", "/clustertemplates", json=self.template_body(**extra))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["uuid"])

    def cluster(self, template: str, **extra: Any) -> str:
        answer = self.call("POST", "/clusters", json={"cluster_template_id": template,
                                                      "name": "gaia", **extra})
        assert answer.status_code == 202, answer.text
        return str(answer.json()["uuid"])

    def show(self, path: str) -> dict[str, Any]:
        answer = self.call("GET", path)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def wait(self, path: str, status: str) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while True:
            shown = self.show(path)
            if shown["status"] == status:
                return shown
            assert time.monotonic() < deadline, f"{path} stuck in {shown['status']}"
            time.sleep(0.02)

    def image(self, **properties: Any) -> str:
        """An image of the project's own, with the given properties, as Glance stores them."""
        answer = self.conn.session.post(
            "/v2/images", endpoint_filter={"service_type": "image"},
            json={"disk_format": "qcow2", "container_format": "bare", **properties})
        return str(answer.json()["id"])


def _detail(answer: requests.Response) -> str:
    return str(answer.json()["errors"][0]["detail"])


# -- the API's checks (magnum/api/attr_validator.py, cluster_template.py, cluster.py) --------
def test_template_image_needs_os_distro(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    bare = magnum.image(name="plain-ubuntu", kube_version="v1.34.4")
    answer = magnum.call("POST", "/clustertemplates", json=magnum.template_body(image_id=bare))
    assert answer.status_code == 400
    assert _detail(answer) == f"Image {bare} doesn't contain os_distro field."
    missing = magnum.call("POST", "/clustertemplates",
                          json=magnum.template_body(image_id="no-such-image"))
    assert missing.status_code == 400
    assert _detail(missing) == "Image no-such-image could not be found."


def test_template_resources_must_exist(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cases = [
        ({"flavor_id": "m1.huge"}, 400, "Unable to find flavor m1.huge."),
        ({"master_flavor_id": "m1.huge"}, 400, "Unable to find flavor m1.huge."),
        ({"external_network_id": "CUDN-Internet"}, 400,
         "Unable to find external network CUDN-Internet."),
        ({"fixed_network": "gaia-net"}, 400, "Unable to find fixed network gaia-net."),
        ({"fixed_subnet": "gaia-subnet"}, 400, "Unable to find fixed subnet gaia-subnet."),
        ({"driver": "k8s_fedora_coreos_v1"}, 400,
         "Cluster driver (k8s_fedora_coreos_v1) not supported."),
    ]
    for change, status, message in cases:
        answer = magnum.call("POST", "/clustertemplates", json=magnum.template_body(**change))
        assert (answer.status_code, _detail(answer)) == (status, message), change
    network = magnum.conn.network.create_network(name="gaia-net")
    magnum.conn.network.create_subnet(network_id=network.id, name="gaia-subnet",
                                      cidr="10.10.0.0/24", ip_version=4)
    magnum.template(fixed_network="gaia-net", fixed_subnet="gaia-subnet")
    # A project network is no external network (validate_external_network lists only
    # router:external ones).
    internal = magnum.call("POST", "/clustertemplates",
                           json=magnum.template_body(external_network_id="gaia-net"))
    assert (internal.status_code, _detail(internal)) == (
        400, "Unable to find external network gaia-net.")
    magnum.conn.network.create_network(name="gaia-net")
    twins = magnum.call("POST", "/clustertemplates",
                        json=magnum.template_body(name="t2", fixed_network="gaia-net"))
    assert twins.status_code == 409
    assert _detail(twins) == ("Multiple networks exist with same name 'gaia-net'. Please use "
                              "the network ID instead.")


def test_cluster_keypair_and_flavors_are_checked_before_202(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template()
    no_key = magnum.call("POST", "/clusters", json={"cluster_template_id": template,
                                                    "keypair": "nobody"})
    assert no_key.status_code == 404
    assert _detail(no_key) == "Unable to find keypair nobody."
    no_flavor = magnum.call("POST", "/clusters", json={"cluster_template_id": template,
                                                       "flavor_id": "m1.huge"})
    assert (no_flavor.status_code, _detail(no_flavor)) == (400, "Unable to find flavor m1.huge.")
    assert magnum.show("/clusters")["clusters"] == []


def test_a_zero_disk_flavor_needs_a_boot_volume(emulator: Emulator) -> None:
    # magnum/api/attr_validator.py validate_flavor_root_volume_size (magnum 5a492d6), called
    # by cluster_template.py post and cluster.py _post: FlavorZeroRootVolumeNotSupported, a
    # NotSupported (400), unless boot_volume_size (default [cinder] default_boot_volume_size
    # 0) gives the root a volume.
    magnum = Magnum(emulator)
    message = ("Flavor with zero root volume size is not supported when boot_volume_size is "
               "zero.")
    refused = magnum.call("POST", "/clustertemplates",
                          json=magnum.template_body(flavor_id="general.v1.volume"))
    assert (refused.status_code, _detail(refused)) == (400, message)
    assert refused.json()["errors"][0]["code"] == "client"
    with_volume = magnum.template(name="t-volume", flavor_id="general.v1.volume",
                                  labels={"boot_volume_size": "20"})
    assert magnum.show(f"/clustertemplates/{with_volume}")["flavor_id"] == "general.v1.volume"
    template = magnum.template()
    cluster = magnum.call("POST", "/clusters", json={"cluster_template_id": template,
                                                     "flavor_id": "general.v1.volume"})
    assert (cluster.status_code, _detail(cluster)) == (400, message)
    magnum.cluster(template, flavor_id="general.v1.volume", labels={"boot_volume_size": "20"})


def test_a_boot_volume_size_that_is_no_integer_is_a_server_fault(emulator: Emulator) -> None:
    # Real Magnum answers 500, not 400: validate_flavor_root_volume_size calls oslo.utils
    # strutils.validate_integer (oslo.utils 2efc66a), which raises a plain ValueError "...
    # must be an integer"; wsme's wsexpose (wsmeext/pecan.py, wsme/api.py format_exception)
    # makes anything without a 4xx code a 500 "Server" fault, which Magnum's
    # parsable_error.py wraps as below. The labels type (text, int, bool or float) lets it in.
    magnum = Magnum(emulator)
    answer = magnum.call("POST", "/clustertemplates",
                         json=magnum.template_body(labels={"boot_volume_size": "twenty"}))
    assert answer.status_code == 500
    assert answer.json() == {"errors": [{
        "request_id": "", "code": "server", "status": 500,
        "title": "boot_volume_size must be an integer",
        "detail": "boot_volume_size must be an integer", "links": []}]}
    template = magnum.template()
    cluster = magnum.call("POST", "/clusters", json={
        "cluster_template_id": template, "labels": {"boot_volume_size": "20GB"}})
    assert (cluster.status_code, _detail(cluster)) == (500, "boot_volume_size must be an integer")
    assert magnum.show("/clusters")["clusters"] == []


def test_cambridge_shape_three_masters_needs_the_load_balancer_flag(emulator: Emulator) -> None:
    # validate_master_count: the check the cambridge template (master_lb_enabled false, three
    # masters) fails on a real Magnum, although the Cluster API driver builds an API load
    # balancer whatever the flag says.
    magnum = Magnum(emulator)
    template = magnum.template(master_lb_enabled=False)
    refused = magnum.call("POST", "/clusters", json={"cluster_template_id": template,
                                                     "master_count": 3})
    assert refused.status_code == 400
    assert _detail(refused) == "master_count must be 1 when master_lb_enabled is False"
    uuid = magnum.cluster(magnum.template(name="t-lb", master_lb_enabled=True), master_count=3)
    built = magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")
    assert built["master_count"] == 3 and len(built["master_addresses"]) == 3


# -- the driver's decisions, after the 202 (magnum_capi_helm/driver.py) ----------------------
def test_image_without_kube_version_fails_the_create_in_the_conductor(emulator: Emulator,
                                                                     ) -> None:
    magnum = Magnum(emulator)
    plain = magnum.conn.image.find_image("ubuntu-jammy")  # os_distro, no kube_version
    uuid = magnum.cluster(magnum.template(image_id=plain.id))
    failed = magnum.show(f"/clusters/{uuid}")
    assert failed["status"] == "CREATE_FAILED"
    assert failed["status_reason"] == f"Image {plain.id} does not have a kube_version property."
    # The conductor fails the cluster only; its node groups were never looked at again.
    groups = magnum.show(f"/clusters/{uuid}/nodegroups")["nodegroups"]
    assert {g["status"] for g in groups} == {"CREATE_IN_PROGRESS"}
    assert failed["faults"] == {}


def test_small_flavors_are_refused_by_the_driver(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template()
    uuid = magnum.cluster(template, flavor_id="general.v1.tiny")  # 1 vCPU, 2048 MB
    failed = magnum.show(f"/clusters/{uuid}")
    assert (failed["status"], failed["status_reason"]) == (
        "CREATE_FAILED", "Flavor general.v1.tiny does not have enough CPU to run Kubernetes. "
        "Minimum 2 vcpus required.")


def test_autoscaling_needs_a_minimum_of_one(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template(labels={"auto_scaling_enabled": "true"})
    failed = magnum.show(f"/clusters/{magnum.cluster(template)}")
    assert failed["status_reason"] == (
        "Min node count must be greater than or equal to 1 for all node groups.")
    bounded = magnum.cluster(template, name="bounded", merge_labels=True,
                             labels={"min_node_count": "1", "max_node_count": "3"})
    assert magnum.wait(f"/clusters/{bounded}", "CREATE_COMPLETE")["status_reason"] is None


def test_version_comes_from_the_image_not_kube_tag(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template(labels={"kube_tag": "v1.28.0"}))
    built = magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")
    assert built["coe_version"] == "v1.34.4"
    assert built["labels"]["kube_tag"] == "v1.28.0"  # stored, shown, not used
    assert built["health_status"] == "HEALTHY"
    assert built["health_status_reason"] == {"cluster": "Ready", "infrastructure": "Ready",
                                             "controlplane": "Ready", "nodegroup": "Ready"}
    groups = magnum.show(f"/clusters/{uuid}/nodegroups")["nodegroups"]
    assert {(g["name"], g["status"]) for g in groups} == {
        ("default-master", "CREATE_COMPLETE"), ("default-worker", "CREATE_COMPLETE")}
    assert {g["stack_id"] for g in groups} == {built["stack_id"]}


def test_master_node_group_resizes_to_odd_sizes(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template(master_lb_enabled=True))
    magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")
    path = f"/clusters/{uuid}/actions/resize"
    even = magnum.call("POST", path, json={"node_count": 2, "nodegroup": "default-master"})
    assert even.status_code == 400
    assert _detail(even) == ("master nodegroup size of 2 is invalid, size cannot be an even "
                             "number.")
    odd = magnum.call("POST", path, json={"node_count": 3, "nodegroup": "default-master"})
    assert odd.status_code == 202
    assert magnum.wait(f"/clusters/{uuid}", "UPDATE_COMPLETE")["master_count"] == 3


def test_node_group_with_a_small_flavor_fails_in_the_conductor(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template())
    magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")
    answer = magnum.call("POST", f"/clusters/{uuid}/nodegroups",
                         json={"name": "tiny", "flavor_id": "general.v1.tiny"})
    assert answer.status_code == 202
    group = magnum.show(f"/clusters/{uuid}/nodegroups/tiny")
    assert (group["status"], group["status_reason"]) == (
        "CREATE_FAILED", "Flavor general.v1.tiny does not have enough CPU to run Kubernetes. "
        "Minimum 2 vcpus required.")
    assert magnum.show(f"/clusters/{uuid}")["status"] == "UPDATE_FAILED"


def test_node_groups_report_ready_one_by_one_while_the_cluster_builds(
    emulator: Emulator,
) -> None:
    # The driver syncs each node group from its own Cluster API object: the control plane is
    # ready before the workers, and the cluster waits for its add-ons after both.
    emulator.set_time_scale(0.01)  # a 6 s build
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template())
    path = f"/clusters/{uuid}/nodegroups"
    deadline = time.monotonic() + 10
    seen: set[tuple[str, str, str]] = set()
    while time.monotonic() < deadline:
        cluster = magnum.show(f"/clusters/{uuid}")
        groups = {g["name"]: g["status"] for g in magnum.show(path)["nodegroups"]}
        seen.add((cluster["status"], groups["default-master"], groups["default-worker"]))
        if cluster["status"] == "CREATE_COMPLETE":
            break
        if groups["default-master"] == "CREATE_COMPLETE":
            assert cluster["coe_version"] == "v1.34.4"  # the control plane reports it
        time.sleep(0.1)
    assert ("CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_IN_PROGRESS") in seen
    assert ("CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_COMPLETE") in seen
    assert ("CREATE_COMPLETE", "CREATE_COMPLETE", "CREATE_COMPLETE") in seen


def _until_api_address(magnum: Magnum, uuid: str) -> list[tuple[str, str, str, bool]]:
    """(cluster, master, worker status, api_address known) as seen until api_address is."""
    deadline = time.monotonic() + 10
    seen = []
    while True:
        cluster = magnum.show(f"/clusters/{uuid}")
        groups = {g["name"]: g["status"]
                  for g in magnum.show(f"/clusters/{uuid}/nodegroups")["nodegroups"]}
        seen.append((cluster["status"], groups["default-master"], groups["default-worker"],
                     bool(cluster["api_address"])))
        if cluster["api_address"]:
            return seen
        assert time.monotonic() < deadline, "no api_address"
        time.sleep(0.05)


def test_api_address_is_known_while_the_cluster_builds(emulator: Emulator) -> None:
    # magnum_capi_helm/driver.py _update_cluster_api_address (1.4.0): saved as soon as the
    # Cluster API Cluster has its controlPlaneEndpoint (the API load balancer), before the
    # control plane is ready, "so users can get their coe credentials".
    emulator.set_time_scale(0.01)  # a 6 s build
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template())
    seen = _until_api_address(magnum, uuid)
    assert seen[0] == ("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", False)
    assert seen[-1] == ("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", True)
    address = magnum.show(f"/clusters/{uuid}")["api_address"]
    assert address.startswith("https://") and address.endswith(":6443")
    built = magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")
    assert built["api_address"] == address
    # The load balancer's address is not a node's.
    assert address.removeprefix("https://").removesuffix(":6443") not in (
        built["master_addresses"] + built["node_addresses"])


def test_a_node_group_added_while_the_cluster_builds_makes_it_an_update(
    emulator: Emulator,
) -> None:
    # Once api_address is known the API accepts a node group (nodegroup.py post checks only
    # that); the conductor sets the cluster UPDATE_IN_PROGRESS (nodegroup_conductor.py
    # nodegroup_create) and the driver, seeing an UPDATE_ status, ends it UPDATE_COMPLETE once
    # every group is ready (driver.py _update_status_updating).
    emulator.set_time_scale(0.01)
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template())
    _until_api_address(magnum, uuid)
    answer = magnum.call("POST", f"/clusters/{uuid}/nodegroups",
                         json={"name": "extra", "node_count": 1})
    assert answer.status_code == 202, answer.text
    assert magnum.show(f"/clusters/{uuid}")["status"] == "UPDATE_IN_PROGRESS"
    built = magnum.wait(f"/clusters/{uuid}", "UPDATE_COMPLETE")
    assert built["coe_version"] == "v1.34.4" and built["health_status"] == "HEALTHY"
    groups = magnum.show(f"/clusters/{uuid}/nodegroups")["nodegroups"]
    assert {(g["name"], g["status"], g["node_count"]) for g in groups} == {
        ("default-master", "CREATE_COMPLETE", 1), ("default-worker", "CREATE_COMPLETE", 1),
        ("extra", "CREATE_COMPLETE", 1)}
    assert len(built["node_addresses"]) == 2 and len(built["master_addresses"]) == 1


def test_magnum_services_are_admin_only(emulator: Emulator) -> None:
    answer = Magnum(emulator).call("GET", "/mservices")
    assert answer.status_code == 403
    assert _detail(answer) == "Policy doesn't allow magnum-service:get_all to be performed."


def test_sorting_by_an_unknown_field_is_refused(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    magnum.template(name="b")
    magnum.template(name="a")
    names = [t["name"] for t in magnum.show("/clustertemplates?sort_key=name")
             ["clustertemplates"]]
    assert names == ["a", "b"]
    answer = magnum.call("GET", "/clustertemplates?sort_key=colour")
    assert answer.status_code == 400
    assert _detail(answer) == 'The sort_key value "colour" is an invalid field for sorting'
