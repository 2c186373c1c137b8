"""Real Spark creating executor pods on the sandbox's API server, for each Zeppelin version.

For each supported Zeppelin release: the charts are rendered as deploy renders them, the
release's launcher (tests/zeppelin/launcher.py: its Jinjava and fabric8) creates the Spark
interpreter pod, the driver, in a namespace labelled with the Pod Security level deploy
enforces for that release; then spark-submit from the pyspark of that release's Spark (PyPI)
runs a client-mode driver with exactly the settings the launcher gives the interpreter (plus
what running outside the cluster needs: API server address and the driver service account's
token, a local address, the pod template file), and Spark's Kubernetes backend creates the
executor pods. kwok never runs them: the test reads what Spark sent and the API server admitted.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from gaia_platform import profile
from gaia_platform.desired import desired_state
from gaia_platform.helm import values as chart_values
from gaia_platform.kube import storage
from gaia_platform.steps.kube import NamespaceTarget
from tests.charts.conftest import EXECUTOR as EXECUTOR_CHART
from tests.charts.conftest import (
    Launchers,
    Render,
    executor_pod_template,
    launch_from,
    run_helm,
)
from tests.conftest import RunningSandbox
from tests.tools import require
from tests.zeppelin.launcher import Launched, spark_conf, submitted_conf
from tests.zeppelin.spark import JAVA_OPENS, probe_jar, spark_home
from tests.zeppelin.tools import JDK_INSTALL

VERSIONS = chart_values.SUPPORTED_ZEPPELIN_VERSIONS
SPARK_VOLUMES = "spark.kubernetes.executor.volumes.persistentVolumeClaim."


#: The account the tests launch driver pods with (see the namespaces fixture).
LAUNCHER = "driver-launcher"

@dataclass
class Namespace:
    name: str
    level: str
    sandbox: RunningSandbox

    @property
    def core(self) -> k8s.CoreV1Api:
        return k8s.CoreV1Api(self.sandbox.admin_api())

    def token(self, account: str) -> str:
        return str(self.core.create_namespaced_service_account_token(
            account, self.name, k8s.AuthenticationV1TokenRequest(
                spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=900))).status.token)


@pytest.fixture(scope="module")
def namespaces(sandbox: RunningSandbox, helm: Path) -> Iterator[dict[str, Namespace]]:
    """One namespace per Pod Security level, labelled as deploy labels it, with the
    spark-executor release (driver service account, its Role, the executor pod template) and
    a claim per catalogue share (never bound: kwok runs nothing, so executors need no data)."""
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    made: dict[str, Namespace] = {}
    core = k8s.CoreV1Api(sandbox.admin_api())
    kubeconfig = str(sandbox.status["kubernetes"]["admin_kubeconfig"])
    try:
        for level in ("baseline", "restricted"):
            name = f"spark-{level[0]}-{uuid.uuid4().hex[:6]}"
            core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(
                name=name, labels=NamespaceTarget(name, "spark-test", level).labels())))
            made[level] = Namespace(name, level, sandbox)
            for plan in desired.shares:
                core.create_namespaced_persistent_volume_claim(
                    name, storage.persistent_volume_claim(plan, deployment="spark-test",
                                                          namespace=name))
            executor, _ = chart_values.releases(deployment, desired)
            installed = run_helm(helm, "upgrade", "--install", executor.name, str(executor.chart),
                                 "--namespace", name, "--kubeconfig", kubeconfig,
                                 values=executor.values)
            assert installed.returncode == 0, installed.stderr
            # Who launches the driver pod here. In a deployment it is the Zeppelin server's
            # account; the drivers' own account may make executor pods only (the chart's
            # admission policy, charts/spark-executor templates/driver/admission.yaml).
            core.create_namespaced_service_account(name, {"metadata": {"name": LAUNCHER}})
            k8s.RbacAuthorizationV1Api(sandbox.admin_api()).create_namespaced_role_binding(
                name, {"metadata": {"name": LAUNCHER},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                   "kind": "ClusterRole", "name": "edit"},
                       "subjects": [{"kind": "ServiceAccount", "name": LAUNCHER,
                                     "namespace": name}]})
        yield made
    finally:
        for namespace in made.values():
            core.delete_namespace(namespace.name)


def _docs(render: Render, version: str, namespace: str) -> list[dict[str, Any]]:
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    image = deployment.profile.kubernetes.spark_image if version == "0.9.0" else None
    executor, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version,
                                               spark_image=image)
    return (render(executor.chart, release=executor.name, namespace=namespace,
                   values=executor.values)
            + render(zeppelin.chart, release=zeppelin.name, namespace=namespace,
                     values=zeppelin.values))


def _driver_args(launched: Launched, version: str) -> list[str]:
    """spark-submit's arguments as Zeppelin's interpreter.sh builds them: the words of
    SPARK_SUBMIT_OPTIONS (0.9, 0.10) or of ZEPPELIN_SPARK_CONF split at '|' (0.11+), then
    the interpreter's spark.* properties (SparkInterpreter sets them on the SparkConf)."""
    env = launched.env
    if "ZEPPELIN_SPARK_CONF" in env:
        words = env["ZEPPELIN_SPARK_CONF"].split("|")
    else:
        import shlex

        words = shlex.split(env["SPARK_SUBMIT_OPTIONS"])
    conf = spark_conf(launched, version)
    # --master and friends become confs, so that the overrides below can replace them.
    submitted = submitted_conf(" ".join(words)) if "SPARK_SUBMIT_OPTIONS" in env else {}
    merged = {**submitted, **conf}
    return [arg for key, value in merged.items() for arg in ("--conf", f"{key}={value}")]


def _run_driver(namespace: Namespace, launched: Launched, version: str, docs: list[dict[str, Any]],
                work: Path) -> subprocess.Popen[str]:
    spark = chart_values.SPARK_VERSIONS[version]
    home = spark_home(spark)
    jar = probe_jar(spark)
    template = work / "executor-pod-template.yaml"
    template.write_text(json.dumps(executor_pod_template(docs)))
    kube = namespace.sandbox.status["kubernetes"]
    overrides = {
        # Outside the cluster: the API server's real address, the driver account's token.
        "spark.master": f"k8s://{kube['api_address']}",
        "spark.kubernetes.authenticate.caCertFile":
            str(namespace.sandbox.directory / "pki" / "ca.crt"),
        "spark.kubernetes.authenticate.oauthToken": namespace.token("spark-executor-driver"),
        # Executors would call back here; kwok never starts them.
        "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.port": "0", "spark.blockManager.port": "0", "spark.ui.enabled": "false",
        # The interpreter pod mounts the template at the property's path; here it is a file.
        "spark.kubernetes.executor.podTemplateFile": str(template),
    }
    args = _driver_args(launched, version)
    for key, value in overrides.items():
        args += ["--conf", f"{key}={value}"]
    java_home = Path(os.path.realpath(require("java", JDK_INSTALL))).parents[1]
    return subprocess.Popen(
        [str(home / "bin" / "spark-submit"), "--deploy-mode", "client",
         "--driver-java-options", JAVA_OPENS, "--class", "gaia.probe.ExecutorProbe", *args,
         str(jar)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(work / "driver.log", "w"),
        text=True, env={**os.environ, "SPARK_HOME": str(home), "JAVA_HOME": str(java_home),
                        "SPARK_LOCAL_IP": "127.0.0.1"})


def _executors(namespace: Namespace, driver_uid: str, timeout: float,
               driver: subprocess.Popen[str], log: Path) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Waiting for Spark's ExecutorPodsAllocator to POST the first executor.
        pods = [p for p in namespace.core.list_namespaced_pod(
            namespace.name, label_selector="spark-role=executor").items
                if any(o.uid == driver_uid for o in p.metadata.owner_references or [])]
        if pods:
            return pods
        if driver.poll() is not None:
            break
        time.sleep(1)
    raise AssertionError(f"no executor pod; driver log:\n{log.read_text()[-4000:]}")


def _admitted(namespace: Namespace, pod: Any) -> bool:
    """The executor as Spark sent it, offered to a namespace enforcing ``namespace.level``
    (server-side dry run: Pod Security admission runs, nothing is stored)."""
    body = namespace.core.api_client.sanitize_for_serialization(pod)
    # A name of its own: the executor itself may already exist in that namespace.
    body["metadata"] = {"name": body["metadata"]["name"] + "-check",
                        "labels": body["metadata"]["labels"]}
    body.pop("status", None)
    body["spec"].pop("nodeName", None)
    try:
        namespace.core.create_namespaced_pod(namespace.name, body, dry_run="All")
        return True
    except ApiException as exc:
        assert exc.status == 403, exc.body
        assert "seccompProfile" in str(exc.body), exc.body
        return False


@pytest.mark.parametrize("version", VERSIONS)
def test_real_spark_creates_executors_the_namespace_admits(
    namespaces: dict[str, Namespace], render: Render, zeppelin_launcher: Launchers,
    tmp_path: Path, version: str
) -> None:
    level = chart_values.pod_security_level(version)
    namespace = namespaces[level]
    docs = _docs(render, version, namespace.name)
    # The driver: the interpreter pod, created by this release's launcher code.
    kube = namespace.sandbox.status["kubernetes"]
    ca = str(namespace.sandbox.directory / "pki" / "ca.crt")
    launched = launch_from(docs, zeppelin_launcher(version), "spark", namespace.name,
                           owner=False, apiserver={"url": kube["api_address"], "caFile": ca,
                                      "token": namespace.token(LAUNCHER)})
    assert launched.ok, launched.answer.get("trace")
    assert f"Pod/{launched.pod_name}" in launched.answer["created"], launched.answer
    driver_pod = namespace.core.read_namespaced_pod(launched.pod_name, namespace.name)
    driver = _run_driver(namespace, launched, version, docs, tmp_path)
    try:
        executors = _executors(namespace, driver_pod.metadata.uid, 150, driver,
                               tmp_path / "driver.log")
    finally:
        # Stop the driver without its graceful shutdown (which would delete the executors):
        # the garbage collector's part is checked below.
        driver.kill()
        driver.wait()
    pod = executors[0]
    # Spark's own labels and the template's, the owner, the image of the driver's Spark.
    assert pod.metadata.labels["spark-role"] == "executor"
    assert pod.metadata.labels["app.kubernetes.io/name"] == "spark-executor"
    [owner] = pod.metadata.owner_references
    assert (owner.kind, owner.name, owner.uid) == ("Pod", driver_pod.metadata.name,
                                                   driver_pod.metadata.uid)
    container = next(c for c in pod.spec.containers if c.name == "executor")
    init = driver_pod.spec.init_containers[0]
    assert container.image == init.image  # executors run the image the driver's Spark is from
    # Every share at the driver's path, data read-only, the same claim.
    driver_mounts = {(m.mount_path, bool(m.read_only), m.sub_path)
                     for m in driver_pod.spec.containers[0].volume_mounts
                     if m.name.startswith("share-")}
    executor_mounts = {(m.mount_path, bool(m.read_only), m.sub_path)
                       for m in container.volume_mounts if m.name.startswith("share-")}
    assert executor_mounts == driver_mounts
    claims = {v.name: v.persistent_volume_claim.claim_name for v in pod.spec.volumes
              if v.persistent_volume_claim}
    assert sorted(claims.values()) == sorted(
        p.pvc_name for p in desired_state(profile.load("sandbox")).shares if p.owner is None)
    # Never root; the default seccomp profile survives only Spark 3.2+'s fabric8 (6.x here).
    context = pod.spec.security_context
    assert context.run_as_non_root and context.run_as_user == 185
    assert container.security_context.allow_privilege_escalation is False
    kept = context.seccomp_profile is not None and context.seccomp_profile.type == "RuntimeDefault"
    assert kept is (level == "restricted"), (version, context)
    # Admitted where deploy puts this release, and refused under "restricted" exactly when the
    # level says so.
    assert _admitted(namespace, pod)
    assert _admitted(namespaces["restricted"], pod) is (level == "restricted")
    # Executors go with their driver: Kubernetes' garbage collector follows the owner.
    namespace.core.delete_namespaced_pod(driver_pod.metadata.name, namespace.name)
    deadline = time.monotonic() + 60
    while any(p.metadata.name == pod.metadata.name for p in namespace.core.list_namespaced_pod(
            namespace.name, label_selector="spark-role=executor").items):
        # Waiting for the garbage collector to notice the owner is gone.
        assert time.monotonic() < deadline, "the executor outlived its driver"
        time.sleep(0.5)


def test_volumes_from_both_template_and_properties_leave_spark_without_executors(
    namespaces: dict[str, Namespace], render: Render, zeppelin_launcher: Launchers,
    tmp_path: Path
) -> None:
    """Issue 10, finding 3, with real Spark: the shares in the executor pod template and in
    Spark's volume properties at once (what the charts now refuse to render). The driver is up,
    yet the API server refuses every executor (422, duplicate volume names): no executor ever
    appears, and only the driver's log says why."""
    version = "0.12.0"
    namespace = namespaces["restricted"]
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    executor_values = chart_values.executor_values(deployment, desired,
                                                   executor_share_mounts="podTemplate")
    _, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version)
    docs = (render(EXECUTOR_CHART, release="spark-executor", namespace=namespace.name,
                   values=executor_values)
            + render(zeppelin.chart, release=zeppelin.name, namespace=namespace.name,
                     values=zeppelin.values))
    assert executor_pod_template(docs)["spec"]["volumes"]
    kube = namespace.sandbox.status["kubernetes"]
    ca = str(namespace.sandbox.directory / "pki" / "ca.crt")
    token = namespace.token(LAUNCHER)
    launched = launch_from(docs, zeppelin_launcher(version), "spark", namespace.name,
                           owner=False, apiserver={"url": kube["api_address"], "caFile": ca,
                                                   "token": token})
    assert launched.ok, launched.answer.get("trace")
    assert any(key.startswith(SPARK_VOLUMES) for key in spark_conf(launched, version))
    driver_pod = namespace.core.read_namespaced_pod(launched.pod_name, namespace.name)
    driver = _run_driver(namespace, launched, version, docs, tmp_path)
    log = tmp_path / "driver.log"
    try:
        deadline = time.monotonic() + 90
        while "Unprocessable Entity" not in log.read_text() and "422" not in log.read_text():
            # Waiting for Spark's first executor request and the API server's answer to it.
            assert driver.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(1)
        assert driver.poll() is None  # the SparkContext stays up: a notebook would just wait
        executors = [p for p in namespace.core.list_namespaced_pod(
            namespace.name, label_selector="spark-role=executor").items
            if any(o.uid == driver_pod.metadata.uid for o in p.metadata.owner_references or [])]
        assert executors == []
        assert "Duplicate value" in log.read_text()
    finally:
        driver.kill()
        driver.wait()
        namespace.core.delete_namespaced_pod(driver_pod.metadata.name, namespace.name)
