"""What the zeppelin chart renders, point by point of issue 4, with the deploy step's values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gaia_platform.helm import values as chart_values
from tests.charts.conftest import (
    EXECUTOR,
    SPARK_IMAGE_09,
    VERSIONS,
    ZEPPELIN,
    Docs,
    Launchers,
    Render,
    deployment_of,
    executor_pod_template,
    find,
    launch_from,
    server_env,
    spark_properties,
)
from tests.zeppelin.launcher import Launched, spark_conf


def uses_zeppelin_spark_conf(version: str) -> bool:
    return tuple(int(p) for p in version.split(".")[:2]) >= (0, 11)

SPARK_VOLUMES = "spark.kubernetes.executor.volumes.persistentVolumeClaim."


def _deploy_docs(render: Render, version: str, profile_name: str = "cambridge",
                 mounts: chart_values.ShareMounts = "sparkProperties") -> Docs:
    deployment, desired = deployment_of(profile_name)
    # Zeppelin 0.9.0 has no upstream Spark image: the profile must name one.
    image = deployment.profile.kubernetes.spark_image or (
        "{repository}:{tag}".format(**SPARK_IMAGE_09) if version == "0.9.0" else None)
    executor, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version,
                                               executor_share_mounts=mounts, spark_image=image)
    return (render(EXECUTOR, release=executor.name, namespace=desired.namespace,
                   values=executor.values)
            + render(ZEPPELIN, release=zeppelin.name, namespace=desired.namespace,
                     values=zeppelin.values))


@pytest.fixture
def pod_of(zeppelin_launcher: Launchers) -> Any:
    """The interpreter Pod Zeppelin's launcher of ``version`` makes from the rendered chart,
    as that release's fabric8 client would send it."""

    def launch(docs: Docs, version: str, group: str = "spark") -> tuple[Launched, dict[str, Any]]:
        launched = launch_from(docs, zeppelin_launcher(version), group)
        assert launched.ok, launched.answer.get("trace")
        return launched, launched.object("Pod")

    return launch


def _mounts(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in container.get("volumeMounts", [])}


def _claims(pod_spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v["persistentVolumeClaim"] for v in pod_spec.get("volumes", [])
            if "persistentVolumeClaim" in v}


@pytest.mark.parametrize("version", VERSIONS)
def test_interpreter_pod_mounts_every_share_at_its_catalogue_path(render: Render, pod_of: Any,
                                                                  version: str) -> None:
    _, desired = deployment_of("cambridge")
    # Everyone's shares (a person's own are tests/charts/test_users_chart.py's business).
    common = [plan for plan in desired.shares if plan.owner is None]
    docs = _deploy_docs(render, version)
    for group in ("spark", "python"):
        _, pod = pod_of(docs, version, group)
        mounts, claims = _mounts(pod["spec"]["containers"][0]), _claims(pod["spec"])
        for plan in common:
            mount = mounts[plan.share.mount_path]
            data = plan.share.purpose == "data"
            assert mount["readOnly"] is data, (group, plan.name)
            assert claims[mount["name"]] == {"claimName": plan.pvc_name, "readOnly": data}
        assert len(claims) == len(common)
    # Notebook storage: the notes directory only, never Zeppelin's own state beside it.
    notebooks = next(p for p in desired.shares if p.share.purpose == "notebooks")
    assert mounts[notebooks.share.mount_path]["subPath"] == chart_values.NOTEBOOKS_SUBPATH


@pytest.mark.parametrize("version", VERSIONS)
def test_driver_spark_settings(render: Render, pod_of: Any, version: str) -> None:
    docs = _deploy_docs(render, version)
    run, pod = pod_of(docs, version)
    conf = spark_conf(run, version)
    assert conf["spark.master"] == "k8s://https://kubernetes.default.svc"
    assert conf["spark.submit.deployMode"] == "client"
    # Executors belong to their driver pod (and are deleted with it).
    assert conf["spark.kubernetes.driver.pod.name"] == pod["metadata"]["name"]
    assert conf["spark.kubernetes.namespace"] == "gaia"
    # Executors run the image the driver's Spark distribution comes from.
    init = pod["spec"]["initContainers"][0]
    assert conf["spark.kubernetes.container.image"] == init["image"]
    assert conf["spark.dynamicAllocation.enabled"] == "true"
    assert conf["spark.dynamicAllocation.shuffleTracking.enabled"] == "true"
    assert int(conf["spark.dynamicAllocation.minExecutors"]) <= int(
        conf["spark.dynamicAllocation.maxExecutors"])
    # The executor pod template is mounted where the property says, from the other chart.
    path = conf["spark.kubernetes.executor.podTemplateFile"]
    directory, key = path.rsplit("/", 1)
    mount = _mounts(pod["spec"]["containers"][0])[directory]
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == mount["name"])
    template_configmap = find(docs, "ConfigMap", suffix="-pod-template")
    assert volume["configMap"]["name"] == template_configmap["metadata"]["name"]
    assert key in template_configmap["data"]
    assert conf["spark.kubernetes.executor.podTemplateContainerName"] == (
        executor_pod_template(docs)["spec"]["containers"][0]["name"])
    # The driver's headless Service carries the driver and block manager ports.
    service = run.object("Service")
    ports = {p["name"]: p["port"] for p in service["spec"]["ports"]}
    assert ports["spark-driver"] == int(conf["spark.driver.port"])
    assert ports["spark-blockmanager"] == int(conf["spark.blockManager.port"])
    assert service["spec"]["clusterIP"] == "None"
    assert conf["spark.driver.host"] == f"{service['metadata']['name']}.gaia.svc"


@pytest.mark.parametrize("version", VERSIONS)
def test_executors_mount_what_the_driver_mounts(render: Render, pod_of: Any, version: str) -> None:
    for mode in ("sparkProperties", "podTemplate"):
        docs = _deploy_docs(render, version, mounts=mode)  # type: ignore[arg-type]
        run, pod = pod_of(docs, version)
        driver = {m["mountPath"]: (m["readOnly"], m.get("subPath"))
                  for m in pod["spec"]["containers"][0]["volumeMounts"]
                  if m["name"].startswith("share-")}
        driver_claims = {path: _claims(pod["spec"])[m["name"]]["claimName"]
                         for path, m in _mounts(pod["spec"]["containers"][0]).items()
                         if m["name"].startswith("share-")}
        template = executor_pod_template(docs)
        if mode == "sparkProperties":
            volumes: dict[str, dict[str, str]] = {}
            for key, value in spark_conf(run, version).items():
                if key.startswith(SPARK_VOLUMES):
                    name, _, option = key[len(SPARK_VOLUMES):].partition(".")
                    volumes.setdefault(name, {})[option] = value
            executor = {v["mount.path"]: (v["mount.readOnly"] == "true", v.get("mount.subPath"))
                        for v in volumes.values()}
            claims = {v["mount.path"]: v["options.claimName"] for v in volumes.values()}
            # Never both: Spark would add every volume a second time.
            assert "volumes" not in template["spec"]
        else:
            container = template["spec"]["containers"][0]
            executor = {m["mountPath"]: (m["readOnly"], m.get("subPath"))
                        for m in container["volumeMounts"]}
            claims = {path: _claims(template["spec"])[m["name"]]["claimName"]
                      for path, m in _mounts(container).items()}
            assert not [k for k in spark_conf(run, version) if k.startswith(SPARK_VOLUMES)]
        assert executor == driver, mode
        assert claims == driver_claims, mode


@pytest.mark.parametrize("version", VERSIONS)
def test_spark_settings_reach_spark_submit_the_way_each_launcher_reads_them(
    render: Render, pod_of: Any, version: str
) -> None:
    docs = _deploy_docs(render, version)
    properties = spark_properties(docs)
    _, pod = pod_of(docs, version)
    env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    template_file = properties["spark.kubernetes.executor.podTemplateFile"]
    if uses_zeppelin_spark_conf(version):
        assert "SPARK_SUBMIT_OPTIONS" not in properties
        assert f"--conf|spark.kubernetes.executor.podTemplateFile={template_file}" in (
            env["ZEPPELIN_SPARK_CONF"])
        assert properties["zeppelin.k8s.spark.container.image"] == (
            properties["spark.kubernetes.container.image"])
    else:
        options = env["SPARK_SUBMIT_OPTIONS"]
        assert f"--conf spark.kubernetes.executor.podTemplateFile={template_file}" in options
        assert "--conf spark.dynamicAllocation.shuffleTracking.enabled=true" in options
        # The launcher's own options come last, so its master and pod name win.
        assert options.index("--master") > options.index("podTemplateFile")
        assert "ZEPPELIN_SPARK_CONF" not in env


@pytest.mark.parametrize("version", VERSIONS)
def test_images_follow_the_zeppelin_version(render: Render, pod_of: Any, version: str) -> None:
    docs = _deploy_docs(render, version)
    deployment = find(docs, "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
        f"apache/zeppelin:{version}")
    env = server_env(docs)
    assert env["ZEPPELIN_K8S_CONTAINER_IMAGE"] == f"apache/zeppelin:{version}"
    spark_image = env["ZEPPELIN_K8S_SPARK_CONTAINER_IMAGE"]
    # Images that exist upstream (values.yaml, images.spark); 0.9.0 has none: the profile's.
    expected = {"0.9.0": "registry.example.org/gaia/spark-py:v3.0.3",
                "0.10.1": "apache/spark-py:v3.1.3",
                "0.11.2": "apache/spark:3.4.1-scala2.12-java11-python3-ubuntu",
                "0.12.0": "apache/spark:3.5.3-scala2.12-java17-python3-ubuntu"}
    assert spark_image == expected[version]
    # Only 0.10.1 and later tell the template whose interpreter it is.
    _, pod = pod_of(docs, version)
    annotations = pod["metadata"].get("annotations") or {}
    assert ("gaia-platform/zeppelin-user" in annotations) is (version != "0.9.0")


def test_server_runs_in_kubernetes_mode_with_the_rendered_spec(render: Render) -> None:
    docs = _deploy_docs(render, "0.9.0")
    env = server_env(docs)
    assert env["ZEPPELIN_RUN_MODE"] == "k8s"
    deployment = find(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    spec_mount = _mounts(container)[f"{env['ZEPPELIN_HOME']}/k8s/interpreter"]
    volume = next(v for v in pod["volumes"] if v["name"] == spec_mount["name"])
    assert volume["configMap"]["name"] == find(docs, "ConfigMap",
                                               suffix="-interpreter-spec")["metadata"]["name"]
    service = find(docs, "Service", name=env["ZEPPELIN_K8S_SERVICE_NAME"])
    rpc = next(p for p in service["spec"]["ports"] if p["name"] == "rpc")
    assert env["ZEPPELIN_SERVER_RPC_PORTRANGE"] == f"{rpc['port']}:{rpc['port']}"
    assert {"name": "rpc", "containerPort": rpc["port"]} in container["ports"]
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    assert deployment["spec"]["replicas"] == 1


def test_interpreters_are_isolated_per_user(render: Render) -> None:
    """With a users catalogue each person has one Spark driver (their notes share it, in
    sessions of their own); see test_users_chart.py for whose storage it mounts."""
    docs = _deploy_docs(render, "0.9.0")
    configmap = find(docs, "ConfigMap", suffix="-server-config")
    spark = json.loads(configmap["data"]["interpreter.json"])["interpreterSettings"]["spark"]
    assert (spark["option"]["perUser"], spark["option"]["perNote"]) == ("isolated", "scoped")
    assert spark["group"] == "spark" and spark["id"] == "spark"


def test_slow_image_pulls_and_idle_interpreters(render: Render) -> None:
    docs = _deploy_docs(render, "0.9.0")
    env = server_env(docs)
    # Zeppelin 0.9's default is 60 s, often less than a first pull of the Spark image.
    assert int(env["ZEPPELIN_INTERPRETER_CONNECT_TIMEOUT"]) >= 300_000
    assert spark_properties(docs)["zeppelin.interpreter.connect.timeout"] == (
        env["ZEPPELIN_INTERPRETER_CONNECT_TIMEOUT"])
    assert env["ZEPPELIN_K8S_TIMEOUT_DURING_PENDING"] in ("true", "false")
    assert env["ZEPPELIN_INTERPRETER_LIFECYCLE_MANAGER_CLASS"] == (
        "org.apache.zeppelin.interpreter.lifecycle.TimeoutLifecycleManager")
    assert int(env["ZEPPELIN_INTERPRETER_LIFECYCLE_MANAGER_TIMEOUT_THRESHOLD"]) == 3_600_000
    off = _with(render, {"interpreter": {"idleTimeout": {"enabled": False}}})
    assert "ZEPPELIN_INTERPRETER_LIFECYCLE_MANAGER_CLASS" not in server_env(off)


def _with(render: Render, extra: dict[str, Any]) -> Docs:
    return render(ZEPPELIN, release="zeppelin", values={"images": {"spark": SPARK_IMAGE_09},
                                                        **extra})


def test_notebooks_and_zeppelin_state_live_on_the_notebook_claim(render: Render) -> None:
    _, desired = deployment_of("sandbox")
    docs = _deploy_docs(render, "0.9.0", "sandbox")
    notebooks = next(p for p in desired.shares if p.share.purpose == "notebooks")
    env = server_env(docs)
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    mounts = _mounts(pod["containers"][0])
    claim = _claims(pod)
    note_mount = mounts[env["ZEPPELIN_NOTEBOOK_DIR"]]
    state_mount = mounts[env["ZEPPELIN_CONFIG_FS_DIR"]]
    assert claim[note_mount["name"]]["claimName"] == notebooks.pvc_name
    assert claim[state_mount["name"]]["claimName"] == notebooks.pvc_name
    assert env["ZEPPELIN_NOTEBOOK_DIR"] == notebooks.share.mount_path
    assert note_mount["subPath"] != state_mount["subPath"]
    # No claim is made by the chart when the deployment brings its own.
    assert not [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
    # Without one, the chart's own claim survives `helm uninstall`.
    own = find(_with(render, {}), "PersistentVolumeClaim")
    assert own["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_login_comes_from_the_secret_and_nothing_is_anonymous(render: Render) -> None:
    deployment, desired = deployment_of("sandbox")
    _, zeppelin = chart_values.releases(deployment, desired, auth_secret="my-auth",
                                        spark_image=deployment.profile.kubernetes.spark_image)
    docs = render(ZEPPELIN, release=zeppelin.name, values=zeppelin.values)
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    secrets = [v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v]
    assert secrets == ["my-auth"]
    assert not [d for d in docs if d["kind"] == "Secret"]
    shiro_mount = _mounts(pod["containers"][0])["/opt/zeppelin/conf/shiro.ini"]
    assert shiro_mount["readOnly"] is True
    config = find(docs, "ConfigMap", suffix="-server-config")["data"]
    rules = config["shiro-base.ini"].split("[urls]")[1].strip().splitlines()
    assert [r for r in rules if r.endswith("= anon")] == ["/api/version = anon"]
    assert rules[-1] == "/** = authc"
    assert "[users]" not in config["shiro-base.ini"]
    assert "iniRealm.credentialsMatcher" in config["shiro-base.ini"]
    assert config["users"].split() == ["admin", "admin"]


def test_rendering_stops_without_an_auth_secret(render_error: Any) -> None:
    for empty in ("", None):
        message = render_error(ZEPPELIN, values={"auth": {"existingSecret": empty},
                                                 "images": {"spark": SPARK_IMAGE_09}})
        assert "auth.existingSecret is empty" in message
        assert "kubectl create secret generic" in message
    assert "at least one user" in render_error(ZEPPELIN, values={
        "auth": {"users": []}, "images": {"spark": SPARK_IMAGE_09}})


def test_rbac_is_namespaced_and_minimal(render: Render, pod_of: Any) -> None:
    for docs in (_deploy_docs(render, "0.9.0"),
                 render(ZEPPELIN, release="z", files=[ZEPPELIN / "ci/lint-values.yaml"])
                 + render(EXECUTOR, release="e", files=[EXECUTOR / "ci/lint-values.yaml"])):
        kinds = {d["kind"] for d in docs}
        assert not kinds & {"ClusterRole", "ClusterRoleBinding"}
        roles = {d["metadata"]["name"]: d["rules"] for d in docs if d["kind"] == "Role"}
        assert len(roles) == 2
        for name, rules in roles.items():
            assert {group for r in rules for group in r["apiGroups"]} == {""}
            resources = sorted(res for r in rules for res in r["resources"])
            # The server launches pods and Services only; drivers also make ConfigMaps.
            assert resources == (["pods", "services"] if name.endswith("-server") else
                                 ["configmaps", "pods", "services"]), name
            assert not any("*" in r["verbs"] for r in rules)
        for binding in (d for d in docs if d["kind"] == "RoleBinding"):
            assert binding["roleRef"]["kind"] == "Role"
            assert binding["roleRef"]["name"] in roles
    docs = _deploy_docs(render, "0.9.0")
    # Interpreter pods run as the driver account the spark-executor chart makes.
    driver_sa = find(docs, "ServiceAccount", suffix="-driver")["metadata"]["name"]
    _, pod = pod_of(docs, "0.9.0")
    assert pod["spec"]["serviceAccountName"] == driver_sa
    assert pod["spec"]["automountServiceAccountToken"] is True
    _, python = pod_of(docs, "0.9.0", "python")
    assert python["spec"]["automountServiceAccountToken"] is False
    # The per-interpreter Role of Zeppelin's own template is gone (the server cannot grant).
    objects = pod_of(docs, "0.9.0")[0].objects
    assert [o["kind"] for o in objects] == ["Pod", "Service"]


def test_network_policies(render: Render, pod_of: Any) -> None:
    docs = _deploy_docs(render, "0.9.0")
    policies = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}
    server = policies["zeppelin-server"]
    http, rpc = server["ingress"]
    assert http["ports"] == [{"port": "http"}] and "from" not in http
    assert rpc["ports"] == [{"port": "rpc"}]
    interpreter_labels = pod_of(docs, "0.9.0")[1]["metadata"]["labels"]
    [peer] = rpc["from"]
    assert peer["podSelector"]["matchLabels"].items() <= interpreter_labels.items()
    interpreter = policies["zeppelin-interpreter"]
    assert interpreter["podSelector"]["matchLabels"].items() <= interpreter_labels.items()
    from_executors = interpreter["ingress"][1]
    template_labels = executor_pod_template(docs)["metadata"]["labels"]
    assert from_executors["from"][0]["podSelector"]["matchLabels"].items() <= (
        template_labels.items())
    executors = policies["spark-executor-executor"]
    assert executors["podSelector"]["matchLabels"].items() <= template_labels.items()
    drivers = executors["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    assert drivers.items() <= interpreter_labels.items()
    # When the UI is limited to some peers, the test pod may still reach it.
    limited = render(ZEPPELIN, release="z", files=[ZEPPELIN / "ci/lint-values.yaml"])
    http = find(limited, "NetworkPolicy", suffix="-server")["spec"]["ingress"][0]
    assert len(http["from"]) == 2


def _pod_specs(docs: Docs, version: str, pod_of: Any) -> list[dict[str, Any]]:
    specs = [d["spec"]["template"]["spec"] for d in docs if d["kind"] == "Deployment"]
    specs += [d["spec"] for d in docs if d["kind"] == "Pod"]
    specs += [pod_of(docs, version, g)[1]["spec"] for g in ("spark", "python")]
    specs.append(executor_pod_template(docs)["spec"])
    return specs


@pytest.mark.parametrize("version", VERSIONS)
def test_no_pod_runs_as_root_or_escalates(render: Render, pod_of: Any, version: str) -> None:
    docs = _deploy_docs(render, version)
    specs = _pod_specs(docs, version, pod_of)
    assert len(specs) == 6  # server, 2 test hooks, spark + python interpreters, executor
    for spec in specs:
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] > 0
        for container in spec["containers"] + spec.get("initContainers", []):
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
            assert "runAsUser" not in container["securityContext"]
    # The chart writes the default seccomp profile everywhere; the interpreter pods keep it
    # only if the launcher's fabric8 client knows the field (4.10.2, Zeppelin 0.9, does not).
    level = chart_values.pod_security_level(version)
    interpreters = specs[3:5]
    for spec in specs[:3] + specs[5:]:
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for spec in interpreters:
        kept = spec["securityContext"].get("seccompProfile") == {"type": "RuntimeDefault"}
        assert kept is (version != "0.9.0"), version
    deployment = find(docs, "Deployment")
    assert deployment["metadata"]["annotations"]["gaia-platform/pod-security-level"] == level


def test_optional_ingress_with_tls(render: Render) -> None:
    assert not [d for d in _with(render, {}) if d["kind"] == "Ingress"]
    docs = render(ZEPPELIN, release="z", files=[ZEPPELIN / "ci/lint-values.yaml"])
    ingress = find(docs, "Ingress")["spec"]
    assert ingress["tls"] == [{"secretName": "zeppelin-tls",
                               "hosts": ["zeppelin.gaia.example.org"]}]
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gaia-zeppelin-server", "port": {"name": "http"}}
    shiro = find(docs, "ConfigMap", suffix="-server-config")["data"]["shiro-base.ini"]
    assert "cookie.secure = true" in shiro


def test_helm_test_hooks(render: Render) -> None:
    docs = _deploy_docs(render, "0.9.0")
    hooks = [d for d in docs if d["kind"] == "Pod"]
    assert len(hooks) == 2
    for hook in hooks:
        assert hook["metadata"]["annotations"]["helm.sh/hook"] == "test"
    zeppelin = find(docs, "Pod", suffix="zeppelin-test")
    script = zeppelin["spec"]["containers"][0]["args"][0]
    assert "/api/version" in script and "/api/notebook" in script


@pytest.mark.parametrize("bad", [
    {"typo": 1},
    {"server": {"replicas": 2}},
    {"spark": {"dynamicAllocation": {"maxExecutor": 4}}},
    {"spark": {"executor": {"cores": "two"}}},
    {"zeppelinVersion": "0.8.2"},
    {"interpreter": {"binding": {"perNote": "private"}}},
    {"interpreter": {"securityContext": {"runAsUser": 0, "runAsGroup": 0}}},
    {"shares": [{"name": "Gaia_DR3", "claimName": "x", "mountPath": "/d", "readOnly": True}]},
    {"shares": [{"name": "x", "claimName": "x", "mountPath": "/d", "readonly": True}]},
    {"auth": {"users": [{"name": "admin", "role": ["admin"]}]}},
    {"ingress": {"tls": [{"secret": "x"}]}},
])
def test_schema_rejects_unknown_and_mistyped_values(render_error: Any,
                                                    bad: dict[str, Any]) -> None:
    message = render_error(ZEPPELIN, values=bad)
    assert "values don't meet the specifications of the schema" in message


@pytest.mark.parametrize("bad", [
    {"executor": {"exclusive": {"enable": True}}},
    {"executor": {"securityContext": {"runAsUser": 0, "runAsGroup": 0}}},
    {"executor": {"scratch": {"medium": "Disk"}}},
    {"shares": [{"name": "x", "claimName": "x", "mountPath": "relative", "readOnly": True}]},
    {"driver": {"podLabels": {"app": 1}}},
])
def test_executor_schema_rejects_unknown_and_mistyped_values(render_error: Any,
                                                             bad: dict[str, Any]) -> None:
    message = render_error(EXECUTOR, values=bad)
    assert "values don't meet the specifications of the schema" in message


@pytest.mark.parametrize("version", VERSIONS)
def test_the_launcher_needs_the_service_domain_the_chart_now_sets(
    render: Render, zeppelin_launcher: Launchers, version: str
) -> None:
    """Issue 10, finding 1: without SERVICE_DOMAIN in the server's environment (the chart
    before the fix), Zeppelin 0.9.0 starts no Spark interpreter at all."""
    docs = _deploy_docs(render, version)
    env = server_env(docs)
    assert env["SERVICE_DOMAIN"] == "local.zeppelin-project.org"
    before_fix = [d for d in docs]
    deployment = json.loads(json.dumps(find(before_fix, "Deployment")))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [e for e in container["env"] if e["name"] != "SERVICE_DOMAIN"]
    before_fix = [deployment if d["kind"] == "Deployment" else d for d in docs]
    launched = launch_from(before_fix, zeppelin_launcher(version))
    if version == "0.9.0":
        assert not launched.ok
        assert launched.answer["exception"] == "java.lang.NullPointerException"
        assert launched.answer["message"] == "null value in entry: SERVICE_DOMAIN=null"
        assert "sparkUiWebUrlFromTemplate" in launched.answer["trace"]
    else:
        assert launched.ok  # 0.10.1+ fall back to local.zeppelin-project.org
    fixed = launch_from(docs, zeppelin_launcher(version))
    assert fixed.ok, fixed.answer.get("trace")
    assert fixed.properties["zeppelin.spark.uiWebUrl"] == (
        f"//4040-{fixed.pod_name}.local.zeppelin-project.org")
    pod_env = {e["name"]: e["value"] for e in fixed.object("Pod")["spec"]["containers"][0]["env"]}
    assert pod_env["SERVICE_DOMAIN"] == "local.zeppelin-project.org"


def test_version_without_an_upstream_spark_image_must_name_one(render_error: Any) -> None:
    message = render_error(ZEPPELIN, values={"zeppelinVersion": "0.9.0"})
    assert "images.spark: no Spark image exists upstream for Zeppelin 0.9.0" in message
    assert "images/spark-py/build.sh" in message


@pytest.mark.parametrize(("values", "expected"), [
    ({"spark": {"properties": {
        "spark.kubernetes.executor.volumes.persistentVolumeClaim.scratch.options.claimName":
            "x"}}},
     "a volume given again here would reach Spark twice"),
    ({"spark": {"executorShareMounts": "podTemplate", "properties": {
        "spark.kubernetes.executor.volumes.persistentVolumeClaim.share-a.mount.path": "/a"}},
      "shares": [{"name": "a", "claimName": "a", "mountPath": "/a", "readOnly": True}]},
     "a volume given again here would reach Spark twice"),
    ({"shares": [{"name": "a", "claimName": "a", "mountPath": "/a", "readOnly": True},
                 {"name": "a", "claimName": "b", "mountPath": "/b", "readOnly": True}]},
     'two shares are named "a"'),
    ({"shares": [{"name": "a", "claimName": "a", "mountPath": "/a", "readOnly": True},
                 {"name": "b", "claimName": "b", "mountPath": "/a", "readOnly": True}]},
     "two shares are mounted at /a"),
])
def test_executor_volumes_can_never_reach_spark_twice(render_error: Any, values: dict[str, Any],
                                                      expected: str) -> None:
    """Issue 10, finding 3: a volume from both the pod template and Spark's properties makes
    every executor POST fail with 422 while the notebook waits."""
    message = render_error(ZEPPELIN, values={"images": {"spark": SPARK_IMAGE_09}, **values})
    assert expected in message


def test_executor_chart_refuses_a_share_twice(render_error: Any) -> None:
    twice = {"shares": [{"name": "a", "claimName": "a", "mountPath": "/a", "readOnly": True},
                        {"name": "a", "claimName": "a", "mountPath": "/b", "readOnly": True}]}
    assert 'two shares are named "a"' in render_error(EXECUTOR, values=twice)
