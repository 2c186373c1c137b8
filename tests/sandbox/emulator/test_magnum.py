"""Magnum (container-infra v1) as openstacksdk and raw HTTP clients see it."""

from __future__ import annotations

import re
import time
from typing import Any

import openstack
import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import NameOID

from gaia_platform.sandbox import pki
from gaia_platform.sandbox.emulator.config import KubeTarget
from tests.conftest import Emulator

MV = "OpenStack-API-Version"
KUBE_IMAGE = "ubuntu-jammy-kube-v1.34.4"


class Magnum:
    """Raw calls through the SDK's session, at a chosen microversion."""

    def __init__(self, emulator: Emulator, version: str = "1.10") -> None:
        self.conn = emulator.connect()
        self.version = version
        # Magnum checks a cluster's keypair with Nova (attr_validator.validate_keypair).
        if self.conn.compute.find_keypair("gaia-key") is None:
            self.conn.compute.create_keypair(name="gaia-key")

    def call(self, method: str, path: str, version: str | None = None, **kwargs: Any
             ) -> requests.Response:
        headers = {MV: f"container-infra {version or self.version}"}
        answer: requests.Response = self.conn.session.request(
            path, method, endpoint_filter={"service_type": "container-infra"},
            headers=headers, raise_exc=False, **kwargs)
        return answer

    def get(self, path: str, **kwargs: Any) -> Any:
        answer = self.call("GET", path, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def template(self, **extra: Any) -> dict[str, Any]:
        # The sandbox's Cluster API image (os_distro ubuntu, kube_version v1.34.4) and its
        # external network: Magnum checks both exist.
        body = {"name": "gaia-template", "coe": "kubernetes", "image_id": KUBE_IMAGE,
                "flavor_id": "gaia.vm.4vcpu", "master_flavor_id": "gaia.vm.2vcpu",
                "keypair_id": "gaia-key", "external_network_id": "public",
                # The Cluster API driver refuses autoscaling without a minimum of 1 or more.
                "labels": {"auto_scaling_enabled": "true", "min_node_count": "1"}, **extra}
        answer = self.call("POST", "/clustertemplates", json=body)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def cluster(self, template: str, **extra: Any) -> str:
        answer = self.call("POST", "/clusters",
                           json={"cluster_template_id": template, **extra})
        assert answer.status_code == 202, answer.text
        return str(answer.json()["uuid"])

    def wait(self, path: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            shown: dict[str, Any] = self.get(path)
            if shown["status"] == status:
                return shown
            assert time.monotonic() < deadline, f"{path} stuck in {shown['status']}"
            time.sleep(0.02)

    def ready(self, **extra: Any) -> dict[str, Any]:
        template = self.template()
        uuid = self.cluster(template["uuid"], name="gaia-cluster", **extra)
        return self.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")


# -- versions and errors -------------------------------------------------------------------
def test_version_documents_are_public(emulator: Emulator) -> None:
    root = requests.get(f"{emulator.url}/container-infra/", timeout=5)
    assert root.status_code == 200
    version = root.json()["versions"][0]
    assert (version["id"], version["min_version"], version["max_version"]) == ("v1", "1.1",
                                                                               "1.14")
    v1 = requests.get(f"{emulator.url}/container-infra/v1", timeout=5)
    assert v1.status_code == 200
    assert v1.json()["id"] == "v1"
    assert v1.headers["OpenStack-API-Minimum-Version"].endswith(" 1.1")
    assert v1.headers["OpenStack-API-Maximum-Version"].endswith(" 1.14")
    assert v1.headers[MV].endswith(" 1.1")


def test_microversion_latest_and_aliases_are_accepted(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    assert magnum.call("GET", "/clusters", version="latest").headers[MV].endswith(" 1.14")
    answer = magnum.conn.session.get(
        "/clusters", endpoint_filter={"service_type": "container-infra"},
        headers={MV: "container-infrastructure-management 1.9"})
    assert answer.headers[MV] == "container-infrastructure-management 1.9"


def test_unsupported_microversion_is_406_with_the_supported_range(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    answer = magnum.call("GET", "/clusters", version="1.99")
    assert answer.status_code == 406
    error = answer.json()["errors"][0]
    assert error["code"] == "magnum.microversion-unsupported"
    assert (error["min_version"], error["max_version"]) == ("1.1", "1.14")
    assert answer.headers["OpenStack-API-Maximum-Version"].endswith(" 1.14")
    wrong_service = magnum.conn.session.get(
        "/clusters", endpoint_filter={"service_type": "container-infra"},
        headers={MV: "compute 2.1"}, raise_exc=False)
    assert wrong_service.status_code == 406


def test_errors_come_in_magnums_error_list(emulator: Emulator) -> None:
    answer = Magnum(emulator).call("GET", "/clusters/no-such-cluster")
    assert answer.status_code == 404
    error = answer.json()["errors"][0]
    assert error["status"] == 404
    assert error["code"] == "client"
    assert error["detail"] == "Cluster no-such-cluster could not be found."
    assert error["title"] == "Cluster no-such-cluster could not be found"
    unauthenticated = requests.get(f"{emulator.url}/container-infra/v1/clusters", timeout=5)
    assert unauthenticated.status_code == 401


# -- cluster templates -------------------------------------------------------------------------
def test_cluster_template_crud_through_openstacksdk(emulator: Emulator) -> None:
    coe = emulator.connect().container_infrastructure_management
    template = coe.create_cluster_template(
        name="gaia-template", coe="kubernetes", image_id=KUBE_IMAGE,
        flavor_id="gaia.vm.4vcpu", external_network_id="public",
        labels={"kube_tag": "v1.30.4", "min_node_count": 1})
    assert template.network_driver == "flannel"
    assert template.labels == {"kube_tag": "v1.30.4", "min_node_count": "1"}
    # The image's os_distro and the one driver installed.
    shown = Magnum(emulator).get(f"/clustertemplates/{template.id}")
    assert (shown["cluster_distro"], shown["driver"]) == ("ubuntu", "k8s_capi_helm_v1")
    assert coe.find_cluster_template("gaia-template").uuid == template.id
    assert [t.name for t in coe.cluster_templates()] == ["gaia-template"]
    renamed = coe.update_cluster_template(template, name="gaia-template-2")
    assert renamed.name == "gaia-template-2"
    coe.delete_cluster_template(template)
    with pytest.raises(openstack.exceptions.NotFoundException):
        coe.get_cluster_template(template.id)


def test_cluster_template_body_is_validated(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    missing_image = magnum.call("POST", "/clustertemplates", json={"coe": "kubernetes"})
    assert missing_image.status_code == 400
    assert "image_id" in missing_image.json()["errors"][0]["detail"]
    swarm = magnum.call("POST", "/clustertemplates",
                        json={"coe": "swarm", "image_id": KUBE_IMAGE})
    assert swarm.status_code == 400
    weave = magnum.call("POST", "/clustertemplates",
                        json={"coe": "kubernetes", "image_id": KUBE_IMAGE,
                              "network_driver": "weave"})
    assert weave.status_code == 400
    unknown = magnum.call("POST", "/clustertemplates",
                          json={"coe": "kubernetes", "image_id": KUBE_IMAGE, "colour": "red"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["detail"] == (
        "Unknown attribute for argument cluster_template: colour")
    # Publishing needs the admin role.
    public = magnum.call("POST", "/clustertemplates",
                         json={"coe": "kubernetes", "image_id": KUBE_IMAGE, "public": True})
    assert public.status_code == 403


def test_template_in_use_can_be_renamed_but_not_changed_or_deleted(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template()
    magnum.cluster(template["uuid"])
    delete = magnum.call("DELETE", f"/clustertemplates/{template['uuid']}")
    assert delete.status_code == 400
    assert "is referenced by one or multiple clusters" in delete.json()["errors"][0]["detail"]
    change = magnum.call("PATCH", f"/clustertemplates/{template['uuid']}",
                         json=[{"op": "replace", "path": "/flavor_id",
                                "value": "gaia.vm.8vcpu"}])
    assert change.status_code == 400
    rename = magnum.call("PATCH", f"/clustertemplates/{template['uuid']}",
                         json=[{"op": "replace", "path": "/name", "value": "renamed"}])
    assert rename.status_code == 200
    assert rename.json()["name"] == "renamed"


# -- clusters -----------------------------------------------------------------------------------
def test_cluster_builds_with_the_templates_defaults_through_openstacksdk(
    emulator: Emulator,
) -> None:
    conn = emulator.connect()
    coe = conn.container_infrastructure_management
    template = coe.create_cluster_template(
        name="gaia-template", coe="kubernetes", image_id=KUBE_IMAGE,
        flavor_id="gaia.vm.4vcpu", master_flavor_id="gaia.vm.2vcpu", keypair_id="gaia-key",
        external_network_id="public", labels={"kube_tag": "v1.30.4"})
    conn.compute.create_keypair(name="gaia-key")
    emulator.set_time_scale(0.005)  # a 3 s build: long enough to see it in progress
    created = coe.create_cluster(name="gaia-cluster", cluster_template_id=template.id,
                                 node_count=2)
    assert coe.get_cluster(created.id).status == "CREATE_IN_PROGRESS"
    cluster = coe.wait_for_status(created, "CREATE_COMPLETE", failures=["CREATE_FAILED"],
                                  interval=0.02, wait=10)
    assert (cluster.keypair, cluster.flavor_id, cluster.master_flavor_id) == (
        "gaia-key", "gaia.vm.4vcpu", "gaia.vm.2vcpu")
    assert (cluster.node_count, cluster.master_count) == (2, 1)
    assert len(cluster.node_addresses) == 2 and len(cluster.master_addresses) == 1
    # The Cluster API driver ignores kube_tag: the version is the image's kube_version.
    assert cluster.coe_version == "v1.34.4"
    assert cluster.api_address.startswith("https://") and cluster.api_address.endswith(":6443")
    # stack_id is the driver's Helm release name: the cluster's name and a short id.
    assert re.fullmatch(r"gaia-cluster-[a-z2-7]{12}", cluster.stack_id)
    assert [c.name for c in coe.clusters()] == ["gaia-cluster"]


def test_cluster_show_has_health_and_status_reason(emulator: Emulator) -> None:
    shown = Magnum(emulator).ready(node_count=2)
    # The Cluster API driver writes no reason on success (magnum_capi_helm/driver.py) and
    # reports health per Cluster API resource kind (common/capi_monitor.py).
    assert shown["status_reason"] is None
    assert shown["health_status"] == "HEALTHY"
    assert shown["health_status_reason"] == {"cluster": "Ready", "infrastructure": "Ready",
                                             "controlplane": "Ready", "nodegroup": "Ready"}
    assert "faults" not in shown


def test_missing_or_unknown_template_is_refused(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    assert magnum.call("POST", "/clusters", json={"name": "x"}).status_code == 400
    assert magnum.call("POST", "/clusters", json={"cluster_template_id": "nope"}
                       ).status_code == 404
    # Before 1.10 a missing template was a 400 (ct_not_found_to_bad_request).
    assert magnum.call("POST", "/clusters", json={"cluster_template_id": "nope"},
                       version="1.9").status_code == 400


def test_cluster_labels_replace_or_merge_with_the_templates(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template(labels={"kube_tag": "v1.30.4", "boot_volume_size": "20"})
    # (kube_tag is stored and shown, though the Cluster API driver does not read it.)
    replacing = magnum.cluster(template["uuid"],
                               labels={"kube_tag": "v1.31.0", "max_node_count": 5})
    replaced = magnum.get(f"/clusters/{replacing}")
    assert replaced["labels"] == {"kube_tag": "v1.31.0", "max_node_count": "5"}
    assert replaced["labels_overridden"] == {"kube_tag": "v1.30.4"}
    assert replaced["labels_added"] == {"max_node_count": "5"}
    assert replaced["labels_skipped"] == {"boot_volume_size": "20"}
    merging = magnum.cluster(template["uuid"], merge_labels=True,
                             labels={"kube_tag": "v1.31.0"})
    merged = magnum.get(f"/clusters/{merging}")
    assert merged["labels"] == {"kube_tag": "v1.31.0", "boot_volume_size": "20"}
    assert merged["labels_skipped"] == {}
    inherited = magnum.get(f"/clusters/{magnum.cluster(template['uuid'])}")
    assert inherited["labels"] == template["labels"]


def test_names_are_generated_and_may_repeat_but_then_are_ambiguous(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template()
    generated = magnum.get(f"/clusters/{magnum.cluster(template['uuid'])}")
    assert generated["name"].endswith("-cluster")
    magnum.cluster(template["uuid"], name="twin")
    magnum.cluster(template["uuid"], name="twin")
    assert magnum.call("GET", "/clusters/twin").status_code == 409
    bad_name = magnum.call("POST", "/clusters",
                           json={"cluster_template_id": template["uuid"], "name": "9lives"})
    assert bad_name.status_code == 400


def test_master_count_must_be_odd_and_needs_a_load_balancer(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template()
    even = magnum.call("POST", "/clusters",
                       json={"cluster_template_id": template["uuid"], "master_count": 2})
    assert even.status_code == 400
    no_lb = magnum.call("POST", "/clusters",
                        json={"cluster_template_id": template["uuid"], "master_count": 3})
    assert no_lb.json()["errors"][0]["detail"] == (
        "master_count must be 1 when master_lb_enabled is False")
    magnum.cluster(template["uuid"], master_count=3, master_lb_enabled=True)


def test_summary_list_detail_list_and_cluster_id_from_1_13(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    magnum.ready()
    summary = magnum.get("/clusters")["clusters"][0]
    assert "api_address" not in summary and "stack_id" in summary
    detail = magnum.get("/clusters/detail")["clusters"][0]
    assert detail["api_address"] and "labels_added" in detail
    newer = magnum.get("/clusters/gaia-cluster", version="1.13")
    assert "cluster_id" in newer and "stack_id" not in newer


def test_injected_create_failure_reports_reason_and_faults(emulator: Emulator) -> None:
    emulator.fault(operation="magnum.cluster.create", outcome="CREATE_FAILED",
                   reason="Quota exceeded for instances")
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"])
    failed = magnum.wait(f"/clusters/{uuid}", "CREATE_FAILED")
    assert failed["status_reason"] == "Quota exceeded for instances"
    assert failed["faults"] == {"default-master": "Quota exceeded for instances",
                                "default-worker": "Quota exceeded for instances"}
    assert failed["api_address"] is None


def test_create_timeout_is_ignored_as_the_cluster_api_driver_ignores_it(
    emulator: Emulator,
) -> None:
    # magnum_capi_helm/driver.py create_cluster takes cluster_create_timeout and never uses
    # it: a slow build is not failed "Timed out" as Heat's was.
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"], create_timeout=1)
    assert magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")["status_reason"] is None


def test_patch_node_count_updates_the_default_worker(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready()
    emulator.set_time_scale(0.005)
    answer = magnum.call("PATCH", f"/clusters/{cluster['uuid']}",
                         json=[{"op": "replace", "path": "/node_count", "value": 3}])
    assert answer.status_code == 202
    assert answer.json() == {"uuid": cluster["uuid"]}
    assert magnum.get(f"/clusters/{cluster['uuid']}")["status"] == "UPDATE_IN_PROGRESS"
    updated = magnum.wait(f"/clusters/{cluster['uuid']}", "UPDATE_COMPLETE")
    assert updated["node_count"] == 3 and len(updated["node_addresses"]) == 3
    refused = magnum.call("PATCH", f"/clusters/{cluster['uuid']}",
                          json=[{"op": "replace", "path": "/name", "value": "other"}])
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["detail"] == "cannot change cluster property(ies) name."
    # Health fields change in place, without an update of the cluster.
    health = magnum.call("PATCH", f"/clusters/{cluster['uuid']}", json=[
        {"op": "replace", "path": "/health_status", "value": "UNHEALTHY"}])
    assert health.status_code == 202
    shown = magnum.get(f"/clusters/{cluster['uuid']}")
    assert (shown["status"], shown["health_status"]) == ("UPDATE_COMPLETE", "UNHEALTHY")


def test_patch_while_creating_is_accepted_then_ignored(emulator: Emulator) -> None:
    # Magnum casts the update to its conductor, which refuses it while CREATE_IN_PROGRESS.
    emulator.set_time_scale(0.002)
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"])
    answer = magnum.call("PATCH", f"/clusters/{uuid}",
                         json=[{"op": "replace", "path": "/node_count", "value": 4}])
    assert answer.status_code == 202
    assert magnum.wait(f"/clusters/{uuid}", "CREATE_COMPLETE")["node_count"] == 1


def test_resize_needs_1_7_respects_bounds_and_ignores_named_nodes(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready(node_count=3, labels={"min_node_count": "2"})
    path = f"/clusters/{cluster['uuid']}/actions/resize"
    assert magnum.call("POST", path, version="1.6", json={"node_count": 2}).status_code == 406
    too_small = magnum.call("POST", path, json={"node_count": 1})
    assert too_small.status_code == 400
    assert "outside the allowed range" in too_small.json()["errors"][0]["detail"]
    # The Cluster API driver accepts nodes_to_remove and ignores it ("Removing specific nodes
    # is not currently supported", magnum_capi_helm/driver.py resize_cluster).
    first, second, _third = cluster["node_addresses"]
    answer = magnum.call("POST", path, json={"node_count": 2, "nodes_to_remove": [first]})
    assert answer.status_code == 202
    resized = magnum.wait(f"/clusters/{cluster['uuid']}", "UPDATE_COMPLETE")
    assert resized["node_count"] == 2
    assert resized["node_addresses"] == [first, second]


def test_zero_nodes_need_microversion_1_10(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    template = magnum.template()
    old = magnum.call("POST", "/clusters", version="1.9",
                      json={"cluster_template_id": template["uuid"], "node_count": 0})
    assert old.status_code == 400
    magnum.cluster(template["uuid"], node_count=0)


def test_upgrade_moves_the_cluster_to_a_new_template(emulator: Emulator) -> None:
    magnum = Magnum(emulator, version="1.8")
    cluster = magnum.ready()
    # With the Cluster API driver a new Kubernetes version is a new image (kube_version).
    image = magnum.conn.session.post(
        "/v2/images", endpoint_filter={"service_type": "image"},
        json={"name": "ubuntu-jammy-kube-v1.35.1", "disk_format": "qcow2",
              "container_format": "bare", "os_distro": "ubuntu", "kube_version": "v1.35.1"})
    newer = magnum.template(name="gaia-template-v135", image_id=image.json()["id"])
    answer = magnum.call("POST", f"/clusters/{cluster['uuid']}/actions/upgrade",
                         json={"cluster_template": newer["uuid"], "max_batch_size": 1})
    assert answer.status_code == 202
    upgraded = magnum.wait(f"/clusters/{cluster['uuid']}", "UPDATE_COMPLETE")
    assert upgraded["coe_version"] == "v1.35.1"
    assert upgraded["cluster_template_id"] == newer["uuid"]


def test_delete_removes_the_cluster_and_frees_its_template(emulator: Emulator) -> None:
    coe = emulator.connect().container_infrastructure_management
    magnum = Magnum(emulator)
    cluster = magnum.ready()
    coe.delete_cluster(cluster["uuid"])
    assert coe.get_cluster(cluster["uuid"]).status == "DELETE_IN_PROGRESS"
    coe.wait_for_delete(coe.get_cluster(cluster["uuid"]), interval=0.02, wait=10)
    assert magnum.call("GET", f"/clusters/{cluster['uuid']}").status_code == 404
    assert magnum.call("GET", f"/clusters/{cluster['uuid']}/nodegroups").status_code == 404
    coe.delete_cluster_template(cluster["cluster_template_id"])


def test_injected_delete_failure_can_be_retried(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready()
    emulator.fault(operation="magnum.cluster.delete", outcome="DELETE_FAILED",
                   reason="Resource DELETE failed: port in use")
    assert magnum.call("DELETE", f"/clusters/{cluster['uuid']}").status_code == 204
    failed = magnum.wait(f"/clusters/{cluster['uuid']}", "DELETE_FAILED")
    assert failed["status_reason"] == "Resource DELETE failed: port in use"
    assert failed["faults"]["default-worker"] == "Resource DELETE failed: port in use"
    assert magnum.call("DELETE", f"/clusters/{cluster['uuid']}").status_code == 204
    deadline = time.monotonic() + 10
    while magnum.call("GET", f"/clusters/{cluster['uuid']}").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.02)


# -- node groups -------------------------------------------------------------------------------
def test_nodegroups_need_microversion_1_9(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready()
    assert magnum.call("GET", f"/clusters/{cluster['uuid']}/nodegroups",
                       version="1.8").status_code == 406


def test_default_nodegroups_carry_role_flavor_and_min_count(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready(node_count=2, labels={"min_node_count": "1"})
    groups = magnum.get(f"/clusters/{cluster['uuid']}/nodegroups")["nodegroups"]
    assert [(g["name"], g["role"], g["node_count"], g["is_default"]) for g in groups] == [
        ("default-master", "master", 1, True), ("default-worker", "worker", 2, True)]
    worker = magnum.get(f"/clusters/{cluster['uuid']}/nodegroups/default-worker")
    assert worker["flavor_id"] == "gaia.vm.4vcpu" and worker["min_node_count"] == 1
    assert worker["status"] == "CREATE_COMPLETE" and len(worker["node_addresses"]) == 2
    delete = magnum.call("DELETE", f"/clusters/{cluster['uuid']}/nodegroups/default-worker")
    assert delete.status_code == 400


def test_added_nodegroup_builds_then_can_be_changed_and_deleted(emulator: Emulator) -> None:
    magnum = Magnum(emulator, version="1.14")
    cluster = magnum.ready()
    base = f"/clusters/{cluster['uuid']}/nodegroups"
    answer = magnum.call("POST", base, json={
        "name": "spark-workers", "node_count": 2, "min_node_count": 1, "max_node_count": 4,
        "flavor_id": "gaia.vm.26vcpu", "node_labels": {"gaia/pool": "spark"}})
    assert answer.status_code == 202
    assert answer.json()["status"] == "CREATE_IN_PROGRESS"
    assert magnum.get(f"/clusters/{cluster['uuid']}")["status"] == "UPDATE_IN_PROGRESS"
    group = magnum.wait(f"{base}/spark-workers", "CREATE_COMPLETE")
    assert group["labels"] == cluster["labels"] and group["node_labels"] == {"gaia/pool": "spark"}
    whole = magnum.wait(f"/clusters/{cluster['uuid']}", "UPDATE_COMPLETE")
    assert whole["node_count"] == 3
    change = magnum.call("PATCH", f"{base}/spark-workers",
                         json=[{"op": "replace", "path": "/max_node_count", "value": 8}])
    assert change.status_code == 202
    assert magnum.wait(f"{base}/spark-workers", "UPDATE_COMPLETE")["max_node_count"] == 8
    resize = magnum.call("PATCH", f"{base}/spark-workers",
                         json=[{"op": "replace", "path": "/node_count", "value": 8}])
    assert resize.status_code == 400  # node_count changes go through actions/resize
    assert magnum.call("DELETE", f"{base}/spark-workers").status_code == 204
    magnum.wait(f"/clusters/{cluster['uuid']}", "UPDATE_COMPLETE")
    assert magnum.call("GET", f"{base}/spark-workers").status_code == 404


def test_nodegroup_requests_are_checked(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready()
    base = f"/clusters/{cluster['uuid']}/nodegroups"
    assert magnum.call("POST", base, json={"name": "default-worker"}).status_code == 409
    assert magnum.call("POST", base, json={"name": "m", "role": "master"}).status_code == 400
    bounds = magnum.call("POST", base, json={"name": "w", "node_count": 1,
                                             "min_node_count": 2})
    assert bounds.status_code == 409
    assert "min_node_count (2) should be less or equal to node_count (1)" in (
        bounds.json()["errors"][0]["detail"])


def test_nodegroups_wait_for_the_clusters_api_address(emulator: Emulator) -> None:
    emulator.set_time_scale(0.005)
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"])
    early = magnum.call("POST", f"/clusters/{uuid}/nodegroups", json={"name": "extra"})
    assert early.status_code == 409
    assert early.json()["errors"][0]["detail"] == "Cluster API address is not available yet"


# -- certificates -------------------------------------------------------------------------------
def test_signed_certificate_chains_to_the_cluster_ca(emulator: Emulator) -> None:
    coe = emulator.connect().container_infrastructure_management
    cluster = Magnum(emulator).ready()
    _, csr = pki.new_csr("admin", ("system:masters",))
    signed = coe.create_cluster_certificate(cluster_uuid=cluster["uuid"], csr=csr.decode())
    ca = coe.get_cluster_certificate(cluster["uuid"])
    certificate = x509.load_pem_x509_certificate(signed.pem.encode())
    authority = x509.load_pem_x509_certificate(ca.pem.encode())
    certificate.verify_directly_issued_by(authority)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "admin"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "system:masters")


def test_certificates_are_available_while_the_cluster_builds(emulator: Emulator) -> None:
    emulator.set_time_scale(0.005)
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"])
    shown = magnum.get(f"/certificates/{uuid}")
    assert shown["cluster_uuid"] == uuid and "BEGIN CERTIFICATE" in shown["pem"]
    assert magnum.get(f"/clusters/{uuid}")["status"] == "CREATE_IN_PROGRESS"


def test_certificate_errors(emulator: Emulator) -> None:
    magnum = Magnum(emulator)
    cluster = magnum.ready()
    _, csr = pki.new_csr("admin")
    bad = magnum.call("POST", "/certificates",
                      json={"cluster_uuid": cluster["uuid"], "csr": "not a csr"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["detail"] == "Received invalid csr not a csr."
    unknown = magnum.call("POST", "/certificates",
                          json={"cluster_uuid": "no-such-cluster", "csr": csr.decode()})
    assert unknown.status_code == 400
    assert magnum.call("GET", "/certificates/no-such-cluster").status_code == 404


# -- with a control plane behind the sandbox -------------------------------------------------
def _point_at_control_plane(emulator: Emulator, api_address: str) -> pki.KeyPair:
    """Give the running emulator a control plane's CA and admin credentials (as files)."""
    ca = pki.new_ca("sandbox-ca")
    admin = pki.new_cert(ca, "gaia-emulator", ("system:masters",))
    paths = {}
    for name, data in (("ca.crt", ca.cert_pem), ("ca.key", ca.key_pem),
                       ("admin.crt", admin.cert_pem), ("admin.key", admin.key_pem)):
        paths[name] = emulator.directory / name
        paths[name].write_bytes(data)
    emulator.config.kube = KubeTarget(
        api_address=api_address, ca_cert=str(paths["ca.crt"]), ca_key=str(paths["ca.key"]),
        admin_cert=str(paths["admin.crt"]), admin_key=str(paths["admin.key"]))
    return ca


def test_with_a_control_plane_certificates_come_from_its_ca(emulator: Emulator) -> None:
    ca = _point_at_control_plane(emulator, "https://127.0.0.1:9")
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"])
    assert magnum.get(f"/certificates/{uuid}")["pem"] == ca.cert_pem.decode()
    _, csr = pki.new_csr("admin", ("system:masters",))
    signed = magnum.call("POST", "/certificates", json={"cluster_uuid": uuid,
                                                        "csr": csr.decode()})
    certificate = x509.load_pem_x509_certificate(signed.json()["pem"].encode())
    certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(ca.cert_pem))


def test_unreachable_apiserver_fails_the_create_with_the_reason(emulator: Emulator) -> None:
    _point_at_control_plane(emulator, "https://127.0.0.1:9")
    magnum = Magnum(emulator)
    uuid = magnum.cluster(magnum.template()["uuid"])
    failed = magnum.wait(f"/clusters/{uuid}", "CREATE_FAILED")
    assert failed["status_reason"].startswith(
        "Could not register the cluster's nodes with the Kubernetes API server: cannot reach "
        "the Kubernetes API server at https://127.0.0.1:9")
