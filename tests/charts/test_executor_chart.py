"""What the spark-executor chart renders: the executor pod template's scheduling options and
the drivers' RBAC."""

from __future__ import annotations

from tests.charts.conftest import EXECUTOR, Render, executor_pod_template, find

CI = EXECUTOR / "ci/lint-values.yaml"


def test_default_template_leaves_scheduling_to_the_cluster(render: Render) -> None:
    spec = executor_pod_template(render(EXECUTOR))["spec"]
    assert not {"affinity", "nodeSelector", "tolerations", "priorityClassName",
                "volumes"} & spec.keys()
    container = spec["containers"][0]
    assert container["name"] == "executor"
    assert "image" not in container and "resources" not in container


def test_exclusive_executors_get_a_node_each(render: Render) -> None:
    docs = render(EXECUTOR, release="gaia-executors", values={
        "executor": {"exclusive": {"enabled": True}}})
    template = executor_pod_template(docs)
    [term] = template["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    # The term selects executors: every executor pod carries these labels.
    assert term["labelSelector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
    assert term["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "executor"


def test_every_scheduling_option_reaches_the_template(render: Render) -> None:
    template = executor_pod_template(render(EXECUTOR, release="e", files=[CI]))
    spec = template["spec"]
    assert spec["nodeSelector"] == {"magnum.openstack.org/nodegroup": "spark-workers"}
    assert spec["tolerations"][0]["value"] == "spark"
    assert spec["priorityClassName"] == "system-cluster-critical"
    # The user's own anti-affinity is kept beside the exclusive one.
    terms = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert len(terms) == 2
    assert "nodeAffinity" in spec["affinity"]
    container = spec["containers"][0]
    # Spark sets cpu and memory itself; what it does not set is kept.
    assert container["resources"] == {"requests": {"ephemeral-storage": "20Gi"},
                                      "limits": {"ephemeral-storage": "50Gi"}}
    scratch = next(v for v in spec["volumes"] if v["name"] == "spark-local-dir-1")
    assert scratch["emptyDir"] == {"sizeLimit": "100Gi"}
    assert {"name": "spark-local-dir-1", "mountPath": "/var/data/spark-local-dir-1"} in (
        container["volumeMounts"])
    assert template["metadata"]["labels"]["gaia-platform/workload"] == "spark"
    assert template["metadata"]["annotations"] == {"gaia-platform/owner": "platform-team"}
    assert spec["imagePullSecrets"] == [{"name": "registry-credentials"}]


def test_executors_get_no_api_access_and_drivers_only_what_spark_uses(render: Render) -> None:
    docs = render(EXECUTOR, release="spark-executor")
    template = executor_pod_template(docs)
    executor_sa = find(docs, "ServiceAccount", suffix="-executor")
    assert template["spec"]["serviceAccountName"] == executor_sa["metadata"]["name"]
    assert template["spec"]["automountServiceAccountToken"] is False
    assert executor_sa["automountServiceAccountToken"] is False
    bindings = [d for d in docs if d["kind"] == "RoleBinding"]
    assert [s["name"] for b in bindings for s in b["subjects"]] == ["spark-executor-driver"]
    role = find(docs, "Role")
    verbs = {resource: set(rule["verbs"]) for rule in role["rules"]
             for resource in rule["resources"]}
    assert verbs == {
        "pods": {"get", "list", "watch", "create", "patch", "delete", "deletecollection"},
        "configmaps": {"get", "list", "watch", "create", "delete", "deletecollection"},
        "services": {"get", "list", "watch", "create", "delete", "deletecollection"}}
    # Which pods, ConfigMaps and Services: the admission policy, bound to the driver only.
    policy = find(docs, "ValidatingAdmissionPolicy")
    assert policy["spec"]["matchConditions"][0]["expression"] == (
        "request.userInfo.username == 'system:serviceaccount:gaia:spark-executor-driver'")
    assert find(docs, "ValidatingAdmissionPolicyBinding")["spec"]["policyName"] == (
        policy["metadata"]["name"])
