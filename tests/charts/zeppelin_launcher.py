"""What Zeppelin's Kubernetes launcher does with the chart's interpreter spec and settings.

A test double of an outside system (apache/zeppelin's K8sRemoteInterpreterProcess and
K8sSpecTemplate, 0.9 to 0.12), written from their source: the template bindings, the
environment and Spark settings the launcher adds (SPARK_SUBMIT_OPTIONS up to 0.10,
ZEPPELIN_SPARK_CONF from 0.11), the dotted keys turned into nested maps, and Jinja rendering
with trim_blocks/lstrip_blocks as Zeppelin configures Jinjava. It lets the tests see the pods
Zeppelin would create and the Spark configuration its drivers would run with.
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import jinja2
import yaml

INTERPRETER_PORT = 12321
SPARK_DRIVER_PORT = 22321
SPARK_BLOCKMANAGER_PORT = 22322


def uses_zeppelin_spark_conf(version: str) -> bool:
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (0, 11)


@dataclass
class Launch:
    """One interpreter launch: what the template sees and what the driver ends up with."""

    version: str
    group: str
    pod_name: str
    namespace: str
    bindings: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    spark_conf: dict[str, str] = field(default_factory=dict)

    def render(self, spec_template: str) -> list[dict[str, Any]]:
        environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True,
                                         undefined=jinja2.Undefined)
        text = environment.from_string(spec_template).render(**nest(self.bindings))
        return [doc for doc in yaml.safe_load_all(text) if doc]


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """K8sSpecTemplate.loadProperties: "a.b.c" -> {"a": {"b": {"c": ...}}}; a key that is both
    a leaf and a prefix keeps its leaf value under "_"."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        target = root
        for part in parts[:-1]:
            existing = target.get(part)
            if not isinstance(existing, dict):
                target[part] = {"_": existing} if part in target else {}
            target = target[part]
        if isinstance(target.get(parts[-1]), dict):
            target[parts[-1]]["_"] = value
        else:
            target[parts[-1]] = value
    return root


def launch(version: str, properties: dict[str, str], *, group: str, namespace: str,
           server_service: str, interpreter_image: str, spark_image: str,
           pod_name: str | None = None, user: str = "alice", group_id: str | None = None,
           server_pod: tuple[str, str] | None = ("zeppelin-server-0", "0000-uid"),
           server_env: dict[str, str] | None = None) -> Launch:
    """getTemplateBindings(user) for an interpreter of ``group`` with the setting's properties."""
    pod_name = pod_name or f"{group}-abcdef"
    props = dict(properties)
    run = Launch(version=version, group=group, pod_name=pod_name, namespace=namespace)
    bindings: dict[str, Any] = {
        "zeppelin.k8s.namespace": namespace,
        "zeppelin.k8s.interpreter.namespace": namespace,
        "zeppelin.k8s.interpreter.pod.name": pod_name,
        "zeppelin.k8s.interpreter.serviceAccount":
            props.get("zeppelin.k8s.interpreter.serviceAccount", "default"),
        "zeppelin.k8s.interpreter.container.name": group.lower(),
        "zeppelin.k8s.interpreter.container.image": interpreter_image,
        "zeppelin.k8s.interpreter.group.id": group_id or f"{group}-2JQ6QXVW2",
        "zeppelin.k8s.interpreter.group.name": group,
        "zeppelin.k8s.interpreter.setting.name": group,
        "zeppelin.k8s.interpreter.localRepo": "/tmp/local-repo",
        "zeppelin.k8s.interpreter.rpc.portRange": f"{INTERPRETER_PORT}:{INTERPRETER_PORT}",
        "zeppelin.k8s.server.rpc.service": f"{server_service}.{namespace}.svc",
        "zeppelin.k8s.server.rpc.portRange": 12320,
    }
    if version != "0.9.0":
        bindings["zeppelin.k8s.interpreter.user"] = user
    if server_pod:
        bindings["zeppelin.k8s.server.pod.name"], bindings["zeppelin.k8s.server.uid"] = server_pod
    # buildEnvFromProperties: upper-case property names are environment variables.
    env = {key: value for key, value in props.items() if re.fullmatch(r"[A-Z_0-9]+", key)}
    env["INTERPRETER_GROUP_ID"] = bindings["zeppelin.k8s.interpreter.group.id"]
    env.setdefault("SERVICE_DOMAIN", (server_env or {}).get("SERVICE_DOMAIN",
                                                            "local.zeppelin-project.org"))
    env.setdefault("ZEPPELIN_HOME", (server_env or {}).get("ZEPPELIN_HOME", "/opt/zeppelin"))
    host = f"{pod_name}.{namespace}.svc"
    if group == "spark":
        bindings["zeppelin.k8s.spark.container.image"] = spark_image
        on_k8s = props.get("spark.master", "").startswith("k8s://")
        if on_k8s and uses_zeppelin_spark_conf(version):
            # addSparkK8sProperties, then every spark.* property becomes --conf.
            props.update({
                "spark.master": "k8s://https://kubernetes.default.svc",
                "spark.submit.deployMode": "client",
                "spark.kubernetes.namespace": namespace,
                "spark.kubernetes.driver.pod.name": pod_name,
                "spark.kubernetes.container.image":
                    props.get("zeppelin.k8s.spark.container.image", spark_image),
                "spark.driver.bindAddress": "0.0.0.0",
                "spark.driver.host": host,
                "spark.driver.port": str(SPARK_DRIVER_PORT),
                "spark.blockManager.port": str(SPARK_BLOCKMANAGER_PORT),
            })
            conf = [f"--conf|{key}={value}" for key, value in props.items()
                    if key.startswith("spark.") and value]
            env["ZEPPELIN_SPARK_CONF"] = "|".join(conf)
            run.spark_conf = {key: value for key, value in props.items()
                              if key.startswith("spark.") and value}
        elif on_k8s:
            launcher = (
                " --master k8s://https://kubernetes.default.svc --deploy-mode client"
                + (f" --driver-memory {props['spark.driver.memory']}"
                   if "spark.driver.memory" in props else "")
                + f" --conf spark.kubernetes.namespace={namespace}"
                " --conf spark.executor.instances=1"
                f" --conf spark.kubernetes.driver.pod.name={pod_name}"
                f" --conf spark.kubernetes.container.image={spark_image}"
                " --conf spark.driver.bindAddress=0.0.0.0"
                f" --conf spark.driver.host={host}"
                f" --conf spark.driver.port={SPARK_DRIVER_PORT}"
                f" --conf spark.blockManager.port={SPARK_BLOCKMANAGER_PORT}")
            env["SPARK_SUBMIT_OPTIONS"] = env.get("SPARK_SUBMIT_OPTIONS", "") + launcher
            run.spark_conf = submitted_conf(env["SPARK_SUBMIT_OPTIONS"])
            # SparkInterpreter.open then sets every non-blank property on the SparkConf.
            run.spark_conf.update({key: value for key, value in props.items()
                                   if key.startswith("spark.") and value.strip()})
        env.setdefault("SPARK_HOME", "/spark")
        if "spark.driver.memory" in props:
            bindings["zeppelin.k8s.interpreter.memory"] = driver_pod_memory(
                props["spark.driver.memory"])
        if "spark.driver.cores" in props:
            bindings["zeppelin.k8s.interpreter.cores"] = props["spark.driver.cores"]
    bindings["zeppelin.k8s.envs"] = env
    # Interpreter properties override the launcher's bindings.
    bindings.update(props)
    run.bindings, run.env = bindings, env
    return run


def interpreter_group_id(setting_id: str, option: dict[str, Any], *, user: str,
                         note_id: str = "2JQ6QXVW2", isolated_run: str | None = None) -> str:
    """InterpreterSetting.getInterpreterGroupId (identical in 0.9.0, 0.10.1 and 0.12.0): the
    group id, hence the process (= pod), an execution lands in. ``isolated_run``: the start
    time of a note run in isolated mode (ExecutionContext.isInIsolatedMode)."""
    if isolated_run is not None:
        return f"{setting_id}-isolated-{note_id}-{isolated_run}"
    keys = []
    if option.get("isExistingProcess"):
        keys.append("existing_process")
    elif "isolated" in (option.get("perUser"), option.get("perNote")):
        if option.get("perUser") == "isolated":
            keys.append(user)
        if option.get("perNote") == "isolated":
            keys.append(note_id)
    else:
        keys.append("shared_process")
    return f"{setting_id}-" + "-".join(keys)


def submitted_conf(options: str) -> dict[str, str]:
    """The spark.* settings spark-submit gets from SPARK_SUBMIT_OPTIONS (last one wins)."""
    conf: dict[str, str] = {}
    words = shlex.split(options)
    for flag, value in itertools.pairwise(words):
        if flag == "--conf":
            key, _, setting = value.partition("=")
            conf[key] = setting
        elif flag == "--master":
            conf["spark.master"] = value
        elif flag == "--deploy-mode":
            conf["spark.submit.deployMode"] = value
        elif flag == "--driver-memory":
            conf["spark.driver.memory"] = value
    return conf


def driver_pod_memory(memory: str) -> str:
    """K8sUtils.calculateMemoryWithDefaultOverhead: memory plus max(10 %, 384 MiB), in Mi."""
    units = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}
    match = re.fullmatch(r"(\d+)([kmgt]?)", memory.lower())
    assert match, memory
    mib = int(match.group(1)) * units[match.group(2) or "m"]
    return f"{int(mib + max(mib * 0.1, 384))}Mi"
