"""The sandbox's Kubernetes side, driven through the official kubernetes client."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from gaia_platform.sandbox import pki
from tests.conftest import RunningSandbox

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 60.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def cluster(sandbox: RunningSandbox) -> dict[str, Any]:
    """A Magnum cluster made through openstacksdk; its nodes are the sandbox's kwok nodes."""
    conn = sandbox.connect()
    magnum = conn.container_infrastructure_management
    template = magnum.create_cluster_template(
        name=f"tpl-{uuid.uuid4().hex[:6]}", coe="kubernetes",
        image_id="ubuntu-jammy-kube-v1.34.4", external_network_id="public",
        flavor_id="gaia.vm.4vcpu", master_flavor_id="gaia.vm.2vcpu", network_driver="calico",
        labels={"kube_tag": "v1.34.4"},
    )
    created = magnum.create_cluster(
        name=f"ctl-{uuid.uuid4().hex[:6]}", cluster_template_id=template.id,
        master_count=1, node_count=2,
    )
    ready = magnum.wait_for_status(magnum.get_cluster(created.id), "CREATE_COMPLETE",
                                   failures=["CREATE_FAILED"], interval=0.2, wait=60)
    return {"id": ready.id, "name": ready.name, "api_address": ready.api_address}


def _magnum_kubeconfig(sandbox: RunningSandbox, cluster: dict[str, Any], path: Path) -> Path:
    """What `openstack coe cluster config` does: key + CSR, signed by Magnum, CA from Magnum."""
    conn = sandbox.connect()
    magnum = conn.container_infrastructure_management
    key_pem, csr_pem = pki.new_csr("admin", ("system:masters",))
    signed = magnum.create_cluster_certificate(cluster_uuid=cluster["id"], csr=csr_pem.decode())
    ca = magnum.get_cluster_certificate(cluster["id"])
    (path / "ca.pem").write_text(ca.pem)
    (path / "cert.pem").write_text(signed.pem)
    (path / "key.pem").write_bytes(key_pem)
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "default",
        "clusters": [{"name": cluster["name"], "cluster": {
            "server": cluster["api_address"], "certificate-authority": str(path / "ca.pem")}}],
        "users": [{"name": "admin", "user": {"client-certificate": str(path / "cert.pem"),
                                             "client-key": str(path / "key.pem")}}],
        "contexts": [{"name": "default",
                      "context": {"cluster": cluster["name"], "user": "admin"}}],
    }
    target = path / "config"
    target.write_text(yaml.safe_dump(config))
    return target


def test_status_reports_both_sides_healthy(sandbox: RunningSandbox) -> None:
    status = sandbox.sandbox.status()
    assert status["healthy"], status
    assert status["openstack"]["url"].startswith("http://127.0.0.1:")
    assert Path(status["openstack"]["clouds_yaml"]).exists()
    assert set(status["kubernetes"]["components"]) == {
        "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}
    version = k8s.VersionApi(sandbox.admin_api()).get_code()
    assert version.git_version == "v1.34.4"


def test_kubeconfig_from_magnum_certificates_lists_ready_nodes(
    sandbox: RunningSandbox, cluster: dict[str, Any], tmp_path: Path
) -> None:
    config = _magnum_kubeconfig(sandbox, cluster, tmp_path)
    core = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(config)))

    def ready_nodes() -> list[str]:
        nodes = core.list_node(label_selector=f"gaia-platform/sandbox-cluster={cluster['id']}")
        return [
            node.metadata.name for node in nodes.items
            if any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
        ]

    names = eventually(lambda: ready_nodes() if len(ready_nodes()) == 3 else None,
                       what="3 Ready nodes (1 master, 2 workers)")
    assert len(names) == 3


def test_certificate_signed_for_unknown_user_is_denied_by_rbac(
    sandbox: RunningSandbox, cluster: dict[str, Any], tmp_path: Path
) -> None:
    conn = sandbox.connect()
    magnum = conn.container_infrastructure_management
    key_pem, csr_pem = pki.new_csr("someone-else")
    signed = magnum.create_cluster_certificate(cluster_uuid=cluster["id"], csr=csr_pem.decode())
    configuration = k8s.Configuration()
    configuration.host = cluster["api_address"]
    configuration.ssl_ca_cert = str(sandbox.directory / "pki" / "ca.crt")
    (tmp_path / "c.pem").write_text(signed.pem)
    (tmp_path / "k.pem").write_bytes(key_pem)
    configuration.cert_file = str(tmp_path / "c.pem")
    configuration.key_file = str(tmp_path / "k.pem")
    core = k8s.CoreV1Api(k8s.ApiClient(configuration))
    with pytest.raises(ApiException) as denied:
        core.list_namespaced_secret("kube-system")
    assert denied.value.status == 403
    assert "someone-else" in str(denied.value.body)


def test_pvc_binds_to_static_cephfs_pv(sandbox: RunningSandbox) -> None:
    core = k8s.CoreV1Api(sandbox.admin_api())
    name = f"share-{uuid.uuid4().hex[:6]}"
    core.create_persistent_volume(k8s.V1PersistentVolume(
        metadata=k8s.V1ObjectMeta(name=name),
        spec=k8s.V1PersistentVolumeSpec(
            capacity={"storage": "10Gi"}, access_modes=["ReadWriteMany"],
            persistent_volume_reclaim_policy="Retain", storage_class_name="",
            csi=k8s.V1CSIPersistentVolumeSource(
                driver="cephfs.manila.csi.openstack.org", volume_handle=name,
                volume_attributes={"shareID": str(uuid.uuid4()), "shareAccessID": "x"},
            ),
        ),
    ))
    core.create_namespaced_persistent_volume_claim("default", k8s.V1PersistentVolumeClaim(
        metadata=k8s.V1ObjectMeta(name=name),
        spec=k8s.V1PersistentVolumeClaimSpec(
            access_modes=["ReadWriteMany"], storage_class_name="", volume_name=name,
            resources=k8s.V1VolumeResourceRequirements(requests={"storage": "10Gi"}),
        ),
    ))
    # The binding is done by kube-controller-manager's PV controller: a real one.
    eventually(lambda: core.read_namespaced_persistent_volume_claim(name, "default")
               .status.phase == "Bound", what="PVC Bound")
    assert core.read_persistent_volume(name).status.phase == "Bound"


def test_pod_is_scheduled_to_a_kwok_node_and_runs(
    sandbox: RunningSandbox, cluster: dict[str, Any]
) -> None:
    core = k8s.CoreV1Api(sandbox.admin_api())
    name = f"probe-{uuid.uuid4().hex[:6]}"
    core.create_namespaced_pod("default", k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name=name),
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="main", image="busybox")]),
    ))
    pod = eventually(
        lambda: (p := core.read_namespaced_pod(name, "default")).status.phase == "Running" and p,
        what="pod Running",
    )
    node = core.read_node(pod.spec.node_name)
    assert node.metadata.annotations["kwok.x-k8s.io/node"] == "fake"
    # Masters are tainted NoSchedule: the pod went to a worker.
    assert node.metadata.labels["magnum.openstack.org/role"] == "worker"


def test_every_fake_node_renews_its_lease_like_a_kubelet(
    sandbox: RunningSandbox, cluster: dict[str, Any]
) -> None:
    """Node liveness is a Lease in kube-node-lease (KEP-589); without one the node lifecycle
    controller saw stale nodes and marked them not Ready about once a minute."""
    api = sandbox.admin_api()
    core, leases = k8s.CoreV1Api(api), k8s.CoordinationV1Api(api)
    nodes = [n.metadata.name for n in core.list_node(
        label_selector=f"gaia-platform/sandbox-cluster={cluster['id']}").items]
    assert nodes

    def renewed() -> dict[str, Any] | None:
        held = {lease.metadata.name: lease.spec.renew_time
                for lease in leases.list_namespaced_lease("kube-node-lease").items}
        return held if set(nodes) <= set(held) else None

    first = eventually(renewed, what="a lease per node")
    # kwok renews every quarter of the 40 s duration: within 20 s every lease has moved on.
    later = eventually(
        lambda: (held := renewed()) and all(held[n] > first[n] for n in nodes) and held,
        timeout=30, what="every lease renewed")
    assert all(later[n] > first[n] for n in nodes)
    for name in nodes:
        ready = [c for c in core.read_node(name).status.conditions if c.type == "Ready"]
        assert [c.status for c in ready] == ["True"]


def test_a_pods_ready_condition_comes_back_with_its_node(
    sandbox: RunningSandbox, cluster: dict[str, Any]
) -> None:
    """When a node misses its heartbeats the node lifecycle controller sets its pods' Ready
    condition to False (MarkPodsNotReady); a kubelet sets it back once the node reports again.
    Before kwok played that part, a Deployment stayed 0/1 available for ever."""
    core = k8s.CoreV1Api(sandbox.admin_api())
    name = f"flap-{uuid.uuid4().hex[:6]}"
    core.create_namespaced_pod("default", k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name=name),
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="main", image="busybox")]),
    ))

    def ready() -> bool:
        pod = core.read_namespaced_pod(name, "default")
        return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])

    eventually(ready, what="pod Ready")
    # Exactly the patch the controller sends (pkg/controller/util/node: MarkPodsNotReady).
    core.patch_namespaced_pod_status(name, "default", {"status": {"conditions": [
        {"type": "Ready", "status": "False", "reason": "NodeNotReady"}]}})
    assert not ready()
    eventually(ready, timeout=30, what="pod Ready again")


def test_rbac_denies_a_service_account_what_it_was_not_granted(sandbox: RunningSandbox) -> None:
    api = sandbox.admin_api()
    core, rbac = k8s.CoreV1Api(api), k8s.RbacAuthorizationV1Api(api)
    namespace = f"rbac-{uuid.uuid4().hex[:6]}"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=namespace)))
    core.create_namespaced_service_account(namespace, k8s.V1ServiceAccount(
        metadata=k8s.V1ObjectMeta(name="reader")))
    rbac.create_namespaced_role(namespace, k8s.V1Role(
        metadata=k8s.V1ObjectMeta(name="pod-reader"),
        rules=[k8s.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get", "list"])],
    ))
    rbac.create_namespaced_role_binding(namespace, k8s.V1RoleBinding(
        metadata=k8s.V1ObjectMeta(name="pod-reader"),
        role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role",
                               name="pod-reader"),
        subjects=[k8s.RbacV1Subject(kind="ServiceAccount", name="reader", namespace=namespace)],
    ))
    token = core.create_namespaced_service_account_token(
        "reader", namespace, k8s.AuthenticationV1TokenRequest(
            spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=600))
    ).status.token
    configuration = k8s.Configuration()
    configuration.host = sandbox.status["kubernetes"]["api_address"]
    configuration.ssl_ca_cert = str(sandbox.directory / "pki" / "ca.crt")
    configuration.api_key = {"authorization": f"Bearer {token}"}
    as_reader = k8s.CoreV1Api(k8s.ApiClient(configuration))
    assert as_reader.list_namespaced_pod(namespace).items == []
    with pytest.raises(ApiException) as denied:
        as_reader.list_namespaced_secret(namespace)
    assert denied.value.status == 403
    with pytest.raises(ApiException) as elsewhere:
        as_reader.list_namespaced_pod("kube-system")
    assert elsewhere.value.status == 403


def test_audit_log_records_mutating_calls_with_their_user(sandbox: RunningSandbox) -> None:
    core = k8s.CoreV1Api(sandbox.admin_api())
    name = f"audit-{uuid.uuid4().hex[:6]}"
    core.create_namespaced_config_map("default", k8s.V1ConfigMap(
        metadata=k8s.V1ObjectMeta(name=name), data={"a": "b"}))
    log = Path(sandbox.status["kubernetes"]["audit_log"])

    def entry() -> dict[str, Any] | None:
        for line in log.read_text().splitlines():
            event = json.loads(line)
            if (event.get("objectRef") or {}).get("name") == name:
                return dict(event)
        return None

    event = eventually(entry, timeout=15, what="the audit entry")
    assert event["verb"] == "create"
    assert event["user"]["username"] == "gaia-sandbox-admin"
