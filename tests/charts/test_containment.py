"""Notebook code stays in its pod: the escalation a probe found (issue 12) is refused by the
real API server, asked as each service account the charts make, with server-side dry runs.

Interpreter pods mount the drivers' account token (Spark drivers need it) and the Zeppelin
server holds its own; either token in notebook code's hands used to let it start a
privileged root pod with the node's filesystem, process and network namespaces and the
namespace's Secrets mounted, or rewrite the server's ConfigMap (whose configure.sh writes
shiro.ini). RBAC cannot forbid that (a Role grants "create pods", whatever their spec); the
charts' ValidatingAdmissionPolicies do, and the Roles no longer grant ConfigMap writes where
Spark does not need them.

The namespace here has NO Pod Security label on purpose: what is proved is that RBAC and the
admission policies alone refuse the escalation. The namespace's Pod Security level (issue 10)
adds to it; tests/charts/test_install.py checks the legitimate pods under "restricted".
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from gaia_platform import profile
from gaia_platform.desired import desired_state
from gaia_platform.helm import values as chart_values
from tests.charts.conftest import Launchers
from tests.charts.test_install import Installed
from tests.conftest import RunningSandbox
from tests.zeppelin.launcher import spark_conf

SERVER = "zeppelin-server"
DRIVER = "spark-executor-driver"
EXECUTOR = "spark-executor-executor"
SECRETS = ("manila-csi-credentials", "zeppelin-auth")
Attempt = Callable[[k8s.CoreV1Api, str], Any]


@dataclass
class Outcome:
    account: str
    what: str
    allowed: bool
    reason: str


@pytest.fixture(scope="module")
def contained(sandbox: RunningSandbox, helm: Path) -> Iterator[Installed]:
    """Both releases installed as deploy installs them, into a namespace without Pod Security
    labels, with the two Secrets the probe mounted."""
    core = k8s.CoreV1Api(sandbox.admin_api())
    namespace = f"contain-{uuid.uuid4().hex[:6]}"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=namespace)))
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    state = Installed(namespace, sandbox, helm, deployment, desired, {}, "")
    try:
        for secret in SECRETS:
            core.create_namespaced_secret(namespace, k8s.V1Secret(
                metadata=k8s.V1ObjectMeta(name=secret), string_data={"key": uuid.uuid4().hex}))

        for release in chart_values.releases(
                deployment, desired, spark_image=deployment.profile.kubernetes.spark_image):
            # No --wait: nothing here needs a pod to run, only the API server's answers.
            result = state.helm_cmd("upgrade", "--install", release.name, str(release.chart),
                                    values=release.values)
            assert result.returncode == 0, result.stderr
        # A pod that is neither an executor nor an interpreter (the server's may not exist yet:
        # nothing waits for its Deployment), for the delete-everything attempt to hit.
        core.create_namespaced_pod(namespace, _quiet_pod("bystander", EXECUTOR,
                                                         {"app": "bystander"}))
        _wait_for_policies(state)
        yield state
    finally:
        for release in ("zeppelin", "spark-executor"):
            state.helm_cmd("uninstall", release)
        core.delete_namespace(namespace)


def _wait_for_policies(state: Installed) -> None:
    """The API server loads new admission policies asynchronously (an informer, then type
    checking): until it has, a request passes unchecked. Wait until each account's probe is
    refused, or fail after 60 s showing the policies' status."""
    probes = {DRIVER: (EXECUTOR, EXECUTOR_LABELS), SERVER: (DRIVER, INTERPRETER_LABELS)}
    deadline = time.monotonic() + 60
    for account, (runs_as, labels) in probes.items():
        api = k8s.CoreV1Api(state.as_account(account))
        probe = _host_takeover_pod("probe", runs_as, labels)
        while _try(api, lambda a, ns, p=probe: a.create_namespaced_pod(  # type: ignore[misc]
                ns, p, dry_run=DRY), state.namespace)[0]:
            if time.monotonic() > deadline:
                policies = k8s.AdmissionregistrationV1Api(state.api)
                raise AssertionError("admission policies not in force after 60 s: " + str(
                    [p.status for p in policies.list_validating_admission_policy().items]))
            time.sleep(0.5)


def _spark_executor(template: dict[str, Any], conf: dict[str, str],
                    driver: Any) -> dict[str, Any]:
    """An executor pod shaped as Spark makes it from the pod template (BasicExecutorFeatureStep,
    apache/spark: name, Spark's labels, the driver as owner, image and resources), for a
    server-side check of the policy; real Spark's own executors are made in
    tests/zeppelin/test_spark_executors.py."""
    pod = json.loads(json.dumps(template))
    pod["metadata"]["name"] = f"{driver.metadata.name}-exec-1"
    pod["metadata"]["labels"].update({"spark-role": "executor", "spark-exec-id": "1"})
    pod["metadata"]["ownerReferences"] = [{
        "apiVersion": "v1", "kind": "Pod", "name": driver.metadata.name,
        "uid": driver.metadata.uid, "controller": True}]
    container = pod["spec"]["containers"][0]
    container["image"] = conf.get("spark.kubernetes.container.image", "apache/spark:3.0.3")
    container["resources"] = {"requests": {"cpu": "1", "memory": "1Gi"},
                              "limits": {"memory": "1Gi"}}
    return pod


def _host_takeover_pod(name: str, account: str, labels: dict[str, str]) -> dict[str, Any]:
    """The probe's pod: root, privileged, the node's / and namespaces, both Secrets mounted."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "serviceAccountName": account,
            "hostPID": True, "hostNetwork": True,
            "containers": [{
                "name": "c", "image": "busybox", "command": ["sleep", "1d"],
                "securityContext": {"privileged": True, "runAsUser": 0},
                "volumeMounts": [{"name": "host", "mountPath": "/host"}] + [
                    {"name": s, "mountPath": f"/secrets/{s}"} for s in SECRETS],
            }],
            "volumes": [{"name": "host", "hostPath": {"path": "/"}}] + [
                {"name": s, "secret": {"secretName": s}} for s in SECRETS],
        },
    }


def _quiet_pod(name: str, account: str, labels: dict[str, str],
               **container: Any) -> dict[str, Any]:
    """A pod meeting the "restricted" Pod Security Standard, for the subtler attempts."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "serviceAccountName": account, "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "c", "image": "busybox",
                "securityContext": {"allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"]}},
                **container,
            }],
        },
    }


def _with_volumes(pod: dict[str, Any], volumes: list[dict[str, Any]],
                  mounts: list[dict[str, Any]]) -> dict[str, Any]:
    pod["spec"]["volumes"] = volumes
    pod["spec"]["containers"][0]["volumeMounts"] = mounts
    return pod


def _try(api: k8s.CoreV1Api, attempt: Attempt, namespace: str) -> tuple[bool, str]:
    try:
        attempt(api, namespace)
    except ApiException as exc:
        if exc.status in (403, 422):
            message = json.loads(exc.body).get("message", "") if exc.body else ""
            return False, message
        raise
    return True, ""


def _outcomes(contained: Installed, account: str,
              attempts: dict[str, Attempt]) -> list[Outcome]:
    api = k8s.CoreV1Api(contained.as_account(account))
    results = []
    for what, attempt in attempts.items():
        allowed, reason = _try(api, attempt, contained.namespace)
        results.append(Outcome(account, what, allowed, reason))
        print(f"  {account:24} {'ALLOWED' if allowed else 'refused':8} {what}"
              + (f"  ({reason.split('denied request: ')[-1][:120]})" if reason else ""))
    return results


EXECUTOR_LABELS = {"spark-role": "executor", "spark-app-selector": "spark-0001",
                   "app.kubernetes.io/name": "spark-executor"}
INTERPRETER_LABELS = {"app.kubernetes.io/name": "zeppelin",
                      "app.kubernetes.io/instance": "zeppelin",
                      "app.kubernetes.io/component": "interpreter"}
DRY = "All"


def _escalations(executor_account: str, labels: dict[str, str]) -> dict[str, Attempt]:
    """What notebook code holding a token might try, each as a server-side dry run."""
    notebooks = {"name": "nb", "persistentVolumeClaim": {"claimName": "gaia-notebooks"}}
    return {
        "privileged root pod: hostPath /, hostPID, hostNetwork, both Secrets mounted":
            lambda api, ns: api.create_namespaced_pod(
                ns, _host_takeover_pod("takeover", executor_account, labels), dry_run=DRY),
        "same pod without the expected labels":
            lambda api, ns: api.create_namespaced_pod(
                ns, _host_takeover_pod("takeover", executor_account, {}), dry_run=DRY),
        "restricted-compliant pod mounting the Secret zeppelin-auth":
            lambda api, ns: api.create_namespaced_pod(ns, _with_volumes(
                _quiet_pod("quiet", executor_account, labels),
                [{"name": "s", "secret": {"secretName": "zeppelin-auth"}}],
                [{"name": "s", "mountPath": "/s"}]), dry_run=DRY),
        "restricted-compliant pod reading manila-csi-credentials into its environment":
            lambda api, ns: api.create_namespaced_pod(ns, _quiet_pod(
                "env", executor_account, labels, env=[{"name": "K", "valueFrom": {
                    "secretKeyRef": {"name": "manila-csi-credentials", "key": "key"}}}]),
                dry_run=DRY),
        "pod running as the Zeppelin server's account":
            lambda api, ns: api.create_namespaced_pod(
                ns, _quiet_pod("as-server", SERVER, labels), dry_run=DRY),
        "pod mounting the notebook claim's root (Zeppelin's own state)":
            lambda api, ns: api.create_namespaced_pod(ns, _with_volumes(
                _quiet_pod("nb-root", executor_account, labels), [notebooks],
                [{"name": "nb", "mountPath": "/nb"}]), dry_run=DRY),
        "patch the ConfigMap zeppelin-server-config (configure.sh rewrites shiro.ini)":
            lambda api, ns: api.patch_namespaced_config_map(
                "zeppelin-server-config", ns,
                {"data": {"configure.sh": "echo 'admin = x, admin' >> shiro.ini"}}, dry_run=DRY),
        "delete the ConfigMap zeppelin-server-config (to create it anew)":
            lambda api, ns: api.delete_namespaced_config_map(
                "zeppelin-server-config", ns, dry_run=DRY),
        "delete every pod of the namespace (the server's included)":
            lambda api, ns: api.delete_collection_namespaced_pod(ns, dry_run=DRY),
        "NodePort Service exposing pods outside the cluster":
            lambda api, ns: api.create_namespaced_service(ns, {
                "metadata": {"name": "out", "labels": labels},
                "spec": {"type": "NodePort", "ports": [{"port": 80}]}}, dry_run=DRY),
        "read the Secret zeppelin-auth":
            lambda api, ns: api.read_namespaced_secret("zeppelin-auth", ns),
    }


def test_the_escalation_is_refused_to_every_account(contained: Installed) -> None:
    print()
    outcomes = [
        *_outcomes(contained, DRIVER, _escalations(EXECUTOR, EXECUTOR_LABELS)),
        *_outcomes(contained, SERVER, _escalations(DRIVER, INTERPRETER_LABELS)),
        *_outcomes(contained, EXECUTOR, _escalations(EXECUTOR, EXECUTOR_LABELS)),
    ]
    refused = [o for o in outcomes if not o.allowed]
    print(f"escalation attempts refused: {len(refused)} of {len(outcomes)}")
    assert not [o for o in outcomes if o.allowed], "allowed: " + "; ".join(
        f"{o.account}: {o.what}" for o in outcomes if o.allowed)
    # The refusals come from the policies (not, say, a malformed request).
    reasons = " ".join(o.reason for o in outcomes)
    assert "ValidatingAdmissionPolicy" in reasons
    assert "may not use the node's network" in reasons or "executor pods" in reasons


def test_what_zeppelin_and_spark_do_is_still_allowed(contained: Installed,
                                                    zeppelin_launcher: Launchers) -> None:
    """Zeppelin's launcher (tests/zeppelin/launcher.py, 0.9.0: the default) creating the
    interpreter pod and Service as the server, Spark's executor pod, its ConfigMap and the
    clean-up by label, and the server stopping the interpreter, all pass the same policies."""
    core = k8s.CoreV1Api(contained.api)
    ns = contained.namespace
    spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", ns).data[
        "100-interpreter-spec.yaml"]
    settings = core.read_namespaced_config_map("zeppelin-server-config", ns).data[
        "interpreter.json"]
    # The server's environment as the chart sets it (its pod may not exist yet: nothing waits
    # for the Deployment). No POD_UID/POD_NAME: an owner that does not exist would have the
    # garbage collector remove the interpreter pod.
    [server] = k8s.AppsV1Api(contained.api).list_namespaced_deployment(
        ns, label_selector="app.kubernetes.io/component=server").items
    env = {e.name: e.value for e in server.spec.template.spec.containers[0].env
           if e.value is not None}
    zeppelin = zeppelin_launcher("0.9.0")
    request: dict[str, Any] = {
        "group": "spark", "namespace": ns, "spec": spec, "server_env": env,
        "interpreter_json": settings, "pod_name": "spark-legit",
        "apiserver": contained.apiserver_as(SERVER)}
    launched = zeppelin.launch(**request)
    assert launched.ok, launched.answer.get("trace")
    assert sorted(launched.answer["created"]) == ["Pod/spark-legit", "Service/spark-legit"]
    driver = core.read_namespaced_pod("spark-legit", ns)
    template = yaml.safe_load(core.read_namespaced_config_map(
        "spark-executor-pod-template", ns).data["executor-pod-template.yaml"])
    executor = _spark_executor(template, spark_conf(launched, "0.9.0"), driver)
    executor["metadata"]["labels"]["spark-app-selector"] = "spark-0001"
    as_driver = k8s.CoreV1Api(contained.as_account(DRIVER))
    as_driver.create_namespaced_pod(ns, executor, dry_run=DRY)
    conf_map = {"metadata": {"name": "spark-exec-0001-conf-map", "labels": {
        "spark-app-selector": "spark-0001", "spark-role": "executor"}},
        "data": {"spark.properties": "spark.kubernetes.namespace=" + ns}}
    as_driver.create_namespaced_config_map(ns, conf_map)
    as_driver.delete_collection_namespaced_config_map(
        ns, label_selector="spark-app-selector=spark-0001,spark-role=executor")
    assert not core.list_namespaced_config_map(
        ns, label_selector="spark-app-selector=spark-0001").items
    as_driver.delete_collection_namespaced_service(ns, label_selector="spark-app-selector=x")
    # The server stops the interpreter: the launcher deletes what it created.
    stopped = zeppelin.launch(**request, stop=True)
    assert stopped.ok, stopped.answer.get("trace")
    assert stopped.answer["deleted"] is True
    assert not core.list_namespaced_service(
        ns, field_selector="metadata.name=spark-legit").items
    try:  # gone, or going (graceful deletion)
        assert core.read_namespaced_pod("spark-legit", ns).metadata.deletion_timestamp
    except ApiException as gone:
        assert gone.status == 404
