"""A real install of both charts, with the helm binary, into the sandbox's Kubernetes API
server: pods scheduled onto kwok nodes of an emulated Magnum cluster, claims bound to static
PersistentVolumes, the namespace enforcing the "restricted" Pod Security Standard, RBAC
checked by the API server itself.

Interpreter pods are created by Zeppelin's launcher code (tests/zeppelin/launcher.py: each
release's Jinjava and fabric8 client) from the spec and settings read back from the cluster,
with the Zeppelin server's own service account token. Executor pods from real Spark are in
tests/zeppelin/test_spark_executors.py. (`helm test` is not run: kwok reports pods Running
but never runs their commands, so a test pod would never succeed.)
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from gaia_platform import profile
from gaia_platform.desired import DesiredState, SharePlan, desired_state
from gaia_platform.helm import values as chart_values
from gaia_platform.kube import storage
from gaia_platform.steps.kube import NamespaceTarget
from tests.charts.conftest import REPO, Launchers, run_helm
from tests.conftest import RunningSandbox
from tests.zeppelin.launcher import spark_conf

T = TypeVar("T")
SPARK_VOLUMES = "spark.kubernetes.executor.volumes.persistentVolumeClaim."


def eventually(probe: Callable[[], T | None], timeout: float = 90.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = probe()
        except ApiException as exc:
            if exc.status != 404:
                raise
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Installed:
    namespace: str
    sandbox: RunningSandbox
    helm: Path
    deployment: profile.Deployment
    desired: DesiredState
    notes: dict[str, str]
    cluster_id: str

    @property
    def api(self) -> k8s.ApiClient:
        return self.sandbox.admin_api()

    @property
    def kubeconfig(self) -> str:
        return str(self.sandbox.status["kubernetes"]["admin_kubeconfig"])

    def helm_cmd(self, *args: str, values: dict[str, Any] | None = None
                 ) -> subprocess.CompletedProcess[str]:
        return run_helm(self.helm, *args, "--namespace", self.namespace,
                        "--kubeconfig", self.kubeconfig, values=values)

    def as_account(self, name: str) -> k8s.ApiClient:
        """An API client holding a token of a service account of the namespace."""
        token = k8s.CoreV1Api(self.api).create_namespaced_service_account_token(
            name, self.namespace, k8s.AuthenticationV1TokenRequest(
                spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=600)),
        ).status.token
        configuration = k8s.Configuration()
        configuration.host = self.sandbox.status["kubernetes"]["api_address"]
        configuration.ssl_ca_cert = str(self.sandbox.directory / "pki" / "ca.crt")
        configuration.api_key = {"authorization": f"Bearer {token}"}
        return k8s.ApiClient(configuration)

    def server_pod(self) -> Any:
        pods = k8s.CoreV1Api(self.api).list_namespaced_pod(
            self.namespace, label_selector="app.kubernetes.io/component=server").items
        running = [p for p in pods if p.status.phase == "Running"
                   and p.metadata.deletion_timestamp is None]
        return running[0] if len(running) == 1 else None

    def apiserver_as(self, account: str) -> dict[str, str]:
        """Where and as whom the launcher harness's fabric8 client talks to the API server."""
        client = self.as_account(account)
        return {"url": client.configuration.host,
                "token": client.configuration.api_key["authorization"].split(" ", 1)[1],
                "caFile": client.configuration.ssl_ca_cert}


def _magnum_cluster(sandbox: RunningSandbox) -> str:
    """An emulated Magnum cluster: its nodes are kwok nodes of the sandbox's control plane."""
    magnum = sandbox.connect().container_infrastructure_management
    template = magnum.create_cluster_template(
        name=f"charts-{uuid.uuid4().hex[:6]}", coe="kubernetes",
        image_id="ubuntu-jammy-kube-v1.34.4", external_network_id="public",
        flavor_id="gaia.vm.8vcpu", master_flavor_id="gaia.vm.2vcpu", network_driver="calico",
        labels={"kube_tag": "v1.34.4"})
    created = magnum.create_cluster(name=f"charts-{uuid.uuid4().hex[:6]}",
                                    cluster_template_id=template.id, master_count=1,
                                    node_count=2)
    ready = magnum.wait_for_status(magnum.get_cluster(created.id), "CREATE_COMPLETE",
                                   failures=["CREATE_FAILED"], interval=0.2, wait=120)
    core = k8s.CoreV1Api(sandbox.admin_api())

    def workers_ready() -> bool:
        nodes = core.list_node(label_selector=f"gaia-platform/sandbox-cluster={ready.id},"
                                              "magnum.openstack.org/role=worker").items
        return len(nodes) == 2 and all(
            any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
            for n in nodes)

    eventually(workers_ready, what="two Ready worker nodes")
    return str(ready.id)


def _storage_for(installed_ns: str, deployment: profile.Deployment,
                 plans: tuple[SharePlan, ...], core: k8s.CoreV1Api) -> list[str]:
    """Static PVs (named apart from the deploy tests' ones) and claims for the shares."""
    pv_names = []
    for plan in plans:
        plan = replace(plan, pv_name=f"{installed_ns}-{plan.name}")
        core.create_persistent_volume(storage.persistent_volume(
            plan, deployment="charts-test", namespace=installed_ns,
            share_id=str(uuid.uuid4()), access_id=str(uuid.uuid4()), secret="manila-csi"))
        core.create_namespaced_persistent_volume_claim(
            installed_ns, storage.persistent_volume_claim(plan, deployment="charts-test",
                                                          namespace=installed_ns))
        pv_names.append(plan.pv_name)
    for plan in plans:
        eventually(lambda p=plan: core.read_namespaced_persistent_volume_claim(  # type: ignore[misc]
            p.pvc_name, installed_ns).status.phase == "Bound", what=f"claim {plan.pvc_name}")
    return pv_names


def _install(installed: Installed, auth_secret: str) -> dict[str, str]:
    notes = {}
    for release in chart_values.releases(
            installed.deployment, installed.desired, auth_secret=auth_secret,
            spark_image=installed.deployment.profile.kubernetes.spark_image):
        result = installed.helm_cmd("upgrade", "--install", release.name, str(release.chart),
                                    "--wait", "--timeout", "5m", "--output", "json",
                                    values=release.values)
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["info"]["status"] == "deployed"
        notes[release.name] = answer["info"]["notes"]
    return notes


@pytest.fixture(scope="module")
def installed(sandbox: RunningSandbox, helm: Path) -> Iterator[Installed]:
    cluster_id = _magnum_cluster(sandbox)
    core = k8s.CoreV1Api(sandbox.admin_api())
    namespace = f"charts-{uuid.uuid4().hex[:6]}"
    # Labelled as deploy labels it: the Pod Security level the default Zeppelin's pods meet.
    level = chart_values.pod_security_level(chart_values.DEFAULT_ZEPPELIN_VERSION)
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(
        name=namespace, labels=NamespaceTarget(namespace, "charts-test", level).labels())))
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    pv_names: list[str] = []
    state = Installed(namespace, sandbox, helm, deployment, desired, {}, cluster_id)
    try:
        pv_names += _storage_for(namespace, deployment, desired.shares, core)
        core.create_namespaced_secret(namespace, k8s.V1Secret(
            metadata=k8s.V1ObjectMeta(name="zeppelin-auth"),
            string_data={"admin": uuid.uuid4().hex}))
        state.notes = _install(state, "zeppelin-auth")
        yield state
    finally:
        for release in ("zeppelin", "spark-executor"):
            state.helm_cmd("uninstall", release, "--wait")
        for name in (namespace, f"{namespace}-b", f"{namespace}-r"):
            try:
                core.delete_namespace(name)
            except ApiException as exc:
                if exc.status != 404:
                    raise
        for name in [*pv_names, f"{namespace}-gaia-dr4"]:
            try:
                core.delete_persistent_volume(name)
            except ApiException as exc:
                if exc.status != 404:
                    raise


def test_both_releases_are_deployed_and_say_where_to_go(installed: Installed) -> None:
    listing = installed.helm_cmd("list", "--output", "json")
    assert listing.returncode == 0, listing.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(listing.stdout)}
    assert statuses == {"zeppelin": "deployed", "spark-executor": "deployed"}
    ns = installed.namespace
    notes = installed.notes["zeppelin"]
    assert f"kubectl --namespace={ns} port-forward service/zeppelin-server 8080:80" in notes
    assert (f"kubectl --namespace={ns} get secret zeppelin-auth -o jsonpath='{{.data.admin}}'"
            " | base64 --decode") in notes
    assert f"kubectl --namespace={ns} rollout status deployment/zeppelin-server" in notes
    assert '0.9.0 meet the "baseline" Pod Security level' in notes
    assert (f"kubectl label namespace {ns} pod-security.kubernetes.io/enforce=baseline "
            "--overwrite") in notes
    executor_notes = installed.notes["spark-executor"]
    assert (f"kubectl --namespace={ns} auth can-i create pods "
            f"--as=system:serviceaccount:{ns}:spark-executor-driver") in executor_notes


def test_zeppelin_server_pod_runs_on_a_kwok_node(installed: Installed) -> None:
    pod = eventually(installed.server_pod, what="the Zeppelin server pod Running")
    node = k8s.CoreV1Api(installed.api).read_node(pod.spec.node_name)
    assert node.metadata.annotations["kwok.x-k8s.io/node"] == "fake"
    assert node.metadata.labels["magnum.openstack.org/role"] == "worker"
    claims = {v.persistent_volume_claim.claim_name for v in pod.spec.volumes
              if v.persistent_volume_claim}
    assert claims == {"gaia-notebooks"}
    deployment = k8s.AppsV1Api(installed.api).read_namespaced_deployment(
        "zeppelin-server", installed.namespace)
    assert deployment.status.available_replicas == 1


def _review(installed: Installed, account: str, verb: str, resource: str,
            namespace: str) -> bool:
    review = k8s.AuthorizationV1Api(installed.api).create_subject_access_review(
        k8s.V1SubjectAccessReview(spec=k8s.V1SubjectAccessReviewSpec(
            user=f"system:serviceaccount:{installed.namespace}:{account}",
            groups=["system:serviceaccounts",
                    f"system:serviceaccounts:{installed.namespace}"],
            resource_attributes=k8s.V1ResourceAttributes(
                namespace=namespace, verb=verb, resource=resource))))
    return bool(review.status.allowed)


@pytest.mark.parametrize(("account", "verb", "resource", "here", "elsewhere"), [
    ("zeppelin-server", "create", "pods", True, False),
    ("zeppelin-server", "delete", "services", True, False),
    ("zeppelin-server", "watch", "configmaps", False, False),
    ("zeppelin-server", "patch", "configmaps", False, False),
    ("spark-executor-driver", "patch", "configmaps", False, False),
    ("zeppelin-server", "get", "secrets", False, False),
    ("zeppelin-server", "list", "secrets", False, False),
    ("zeppelin-server", "create", "roles", False, False),
    ("zeppelin-server", "create", "rolebindings", False, False),
    ("spark-executor-driver", "create", "pods", True, False),
    ("spark-executor-driver", "deletecollection", "pods", True, False),
    ("spark-executor-driver", "create", "configmaps", True, False),
    ("spark-executor-driver", "get", "secrets", False, False),
    ("spark-executor-driver", "create", "persistentvolumeclaims", False, False),
    ("spark-executor-executor", "get", "pods", False, False),
])
def test_service_accounts_can_do_exactly_their_job_in_their_namespace(
    installed: Installed, account: str, verb: str, resource: str, here: bool, elsewhere: bool
) -> None:
    assert _review(installed, account, verb, resource, installed.namespace) is here
    assert _review(installed, account, verb, resource, "default") is elsewhere
    assert _review(installed, account, verb, resource, "kube-system") is elsewhere


def test_no_account_of_the_charts_reaches_cluster_scope(installed: Installed) -> None:
    for account in ("zeppelin-server", "spark-executor-driver"):
        for verb, resource in (("list", "nodes"), ("create", "namespaces"),
                               ("list", "persistentvolumes"), ("create", "clusterroles")):
            assert not _review(installed, account, verb, resource, "")


def _launch_interpreter(installed: Installed, zeppelin_launcher: Launchers, group: str,
                        version: str = "0.9.0") -> tuple[Any, dict[str, str]]:
    """What the Zeppelin server does to start an interpreter: Zeppelin's launcher (harness
    with the release's fabric8 client) reads the spec and settings the chart installed and
    creates the pod with the server's own service account token."""
    core = k8s.CoreV1Api(installed.api)
    ns = installed.namespace
    spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", ns).data[
        "100-interpreter-spec.yaml"]
    settings = core.read_namespaced_config_map("zeppelin-server-config", ns).data[
        "interpreter.json"]
    server = eventually(installed.server_pod, what="the server pod")
    env = {e.name: e.value for e in server.spec.containers[0].env if e.value is not None}
    env.update(POD_UID=server.metadata.uid, POD_NAME=server.metadata.name)
    launched = zeppelin_launcher(version).launch(
        group=group, namespace=ns, spec=spec, server_env=env, interpreter_json=settings,
        apiserver=installed.apiserver_as("zeppelin-server"))
    assert launched.ok, launched.answer.get("trace")
    assert sorted(launched.answer["created"]) == [f"Pod/{launched.pod_name}",
                                                  f"Service/{launched.pod_name}"]
    pod = eventually(lambda: (p := core.read_namespaced_pod(launched.pod_name, ns)).status.phase
                     == "Running" and p, what=f"the {group} interpreter pod Running")
    return pod, spark_conf(launched, version)


def test_interpreter_pods_run_with_every_share_mounted(installed: Installed,
                                                      zeppelin_launcher: Launchers) -> None:
    core = k8s.CoreV1Api(installed.api)
    for group in ("spark", "python"):
        pod, _ = _launch_interpreter(installed, zeppelin_launcher, group)
        claims = {v.persistent_volume_claim.claim_name for v in pod.spec.volumes
                  if v.persistent_volume_claim}
        # Everyone's shares; a person's own go only to their driver (tests/deploy/test_users.py).
        common = [plan for plan in installed.desired.shares if plan.owner is None]
        assert claims == {plan.pvc_name for plan in common}
        mounts = {m.mount_path: m.read_only for m in pod.spec.containers[0].volume_mounts}
        for plan in common:
            assert bool(mounts[plan.share.mount_path]) is (plan.share.purpose == "data")
        assert pod.spec.service_account_name == "spark-executor-driver"
        assert pod.metadata.owner_references[0].kind == "Pod"
        service = core.read_namespaced_service(pod.metadata.name, installed.namespace)
        assert service.spec.cluster_ip == "None"


def test_a_pod_breaking_the_enforced_standard_is_refused_here(installed: Installed) -> None:
    """The namespace really enforces the level the charts' pods passed ("baseline" for the
    default Zeppelin 0.9.0: its launcher's fabric8 drops seccompProfile)."""
    labels = k8s.CoreV1Api(installed.api).read_namespace(installed.namespace).metadata.labels
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    with pytest.raises(ApiException) as refused:
        k8s.CoreV1Api(installed.api).create_namespaced_pod(installed.namespace, {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "privileged"},
            "spec": {"containers": [{"name": "c", "image": "busybox",
                                     "securityContext": {"privileged": True}}]}})
    assert refused.value.status == 403
    message = json.loads(refused.value.body)["message"]
    assert 'violates PodSecurity "baseline:latest"' in message


@pytest.mark.parametrize("version", chart_values.SUPPORTED_ZEPPELIN_VERSIONS)
def test_each_zeppelins_interpreter_pods_pass_the_level_deploy_enforces_for_it(
    installed: Installed, zeppelin_launcher: Launchers, render: Any, version: str
) -> None:
    """The pods each release's launcher really sends (its own fabric8 client, as the server's
    service account), checked by the API server's Pod Security admission at the level deploy
    labels the namespace with for that release, and at "restricted"."""
    from tests.charts.conftest import launch_from

    deployment, desired = installed.deployment, installed.desired
    image = deployment.profile.kubernetes.spark_image if version == "0.9.0" else None
    _, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version,
                                        spark_image=image)
    docs = render(zeppelin.chart, release=zeppelin.name, namespace=installed.namespace,
                  values=zeppelin.values)
    launched = launch_from(docs, zeppelin_launcher(version), "spark", installed.namespace)
    assert launched.ok, launched.answer.get("trace")
    pod = launched.object("Pod")
    core = k8s.CoreV1Api(installed.api)
    level = chart_values.pod_security_level(version)
    verdicts = {}
    for tried in ("baseline", "restricted"):
        namespace = f"{installed.namespace}-{tried[0]}"
        try:
            core.read_namespace(namespace)
        except ApiException:
            core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(
                name=namespace, labels=NamespaceTarget(namespace, "t", tried).labels())))
            # The pod's service account must exist for admission to get as far as Pod Security.
            core.create_namespaced_service_account(namespace, k8s.V1ServiceAccount(
                metadata=k8s.V1ObjectMeta(name=pod["spec"]["serviceAccountName"])))
        body = dict(pod, metadata={**pod["metadata"], "namespace": namespace})
        body["metadata"].pop("ownerReferences", None)
        try:
            core.create_namespaced_pod(namespace, body, dry_run="All")
            verdicts[tried] = "admitted"
        except ApiException as exc:
            assert exc.status == 403, exc.body
            assert "seccompProfile" in str(exc.body)
            verdicts[tried] = "refused"
    assert verdicts[level] == "admitted"
    # Only the 0.9 launcher (fabric8 4.10.2) loses the seccomp profile on its way.
    assert verdicts["restricted"] == ("refused" if version == "0.9.0" else "admitted")


def test_a_new_catalogue_share_reaches_the_pods_through_an_upgrade(
    installed: Installed, zeppelin_launcher: Launchers, tmp_path: Path
) -> None:
    catalogue = yaml.safe_load((REPO / "manila/shares.yaml").read_text())
    catalogue["shares"].append({"name": "gaia-dr4", "size_gb": 10, "access": "ro",
                                "mount_path": "/data/gaia/GDR4", "purpose": "data"})
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump(catalogue))
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data["shares"] = str(tmp_path / "shares.yaml")
    (tmp_path / "sandbox.yaml").write_text(yaml.safe_dump(data))
    deployment = profile.load(str(tmp_path / "sandbox.yaml"))
    desired = desired_state(deployment)
    core = k8s.CoreV1Api(installed.api)
    new = tuple(p for p in desired.shares if p.name == "gaia-dr4")
    _storage_for(installed.namespace, deployment, new, core)
    before = eventually(installed.server_pod, what="the server pod").metadata.uid
    installed.deployment, installed.desired = deployment, desired
    _install(installed, "zeppelin-auth")
    history = installed.helm_cmd("history", "zeppelin", "--output", "json")
    assert [r["revision"] for r in json.loads(history.stdout)] == [1, 2]
    spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", installed.namespace)
    assert "mountPath: /data/gaia/GDR4" in spec.data["100-interpreter-spec.yaml"]
    # The server restarts with the new interpreter settings (executor mounts included).
    restarted = eventually(lambda: (p := installed.server_pod()) and p.metadata.uid != before
                           and p, what="a new server pod Running")
    assert restarted.status.phase == "Running"
    pod, conf = _launch_interpreter(installed, zeppelin_launcher, "spark")
    assert conf[f"{SPARK_VOLUMES}share-gaia-dr4.mount.path"] == "/data/gaia/GDR4"
    assert "/data/gaia/GDR4" in {m.mount_path for m in pod.spec.containers[0].volume_mounts}


def test_the_chart_refuses_what_the_cluster_would_refuse(installed: Installed, render: Any,
                                                         helm: Path) -> None:
    """The checks that need the cluster (`lookup`, so `--dry-run=server` or a real install):
    a namespace enforcing "restricted" for a release whose pods meet "baseline" only, and an
    executor pod template that already mounts the shares Spark's properties would add again
    (issue 10, findings 2 and 3)."""
    core = k8s.CoreV1Api(installed.api)
    namespace = f"{installed.namespace}-x"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(
        name=namespace, labels=NamespaceTarget(namespace, "t", "restricted").labels())))
    try:
        deployment, desired = installed.deployment, installed.desired
        executor, zeppelin = chart_values.releases(
            deployment, desired, spark_image=deployment.profile.kubernetes.spark_image)

        def dry_run(release: chart_values.Release, values: dict[str, Any]) -> str:
            result = run_helm(helm, "install", release.name, str(release.chart), "--namespace",
                              namespace, "--kubeconfig", installed.kubeconfig,
                              "--dry-run=server", values=values)
            return result.stderr if result.returncode else ""

        refused = dry_run(zeppelin, zeppelin.values)
        assert "enforces the \"restricted\" Pod Security level" in refused
        assert "Zeppelin 0.9.0" in refused and "pod-security.kubernetes.io/enforce=baseline" in (
            refused)
        # 0.12.0's pods meet "restricted": nothing to refuse.
        _, newer = chart_values.releases(deployment, desired, zeppelin_version="0.12.0")
        assert dry_run(newer, newer.values) == ""
        # The executor template mounting the shares, and Spark properties mounting them too.
        podtemplate_values = chart_values.executor_values(deployment, desired,
                                                          executor_share_mounts="podTemplate")
        docs = render(executor.chart, release=executor.name, namespace=namespace,
                      values=podtemplate_values)
        template = next(d for d in docs if d["kind"] == "ConfigMap")
        core.create_namespaced_config_map(namespace, k8s.V1ConfigMap(
            metadata=k8s.V1ObjectMeta(name=template["metadata"]["name"]),
            data=template["data"]))
        twice = dry_run(newer, newer.values)
        assert "already has the volume share-" in twice and "(422)" in twice
    finally:
        core.delete_namespace(namespace)
