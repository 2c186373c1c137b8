"""Rendering the charts with the real helm binary, and checking what comes out."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from gaia_platform import profile
from gaia_platform.desired import DesiredState, desired_state
from gaia_platform.helm import values as chart_values
from gaia_platform.helm.binary import find_helm
from tests.zeppelin import launcher

REPO = Path(__file__).resolve().parents[2]
ZEPPELIN = chart_values.ZEPPELIN_CHART
EXECUTOR = chart_values.EXECUTOR_CHART
#: The cluster version the charts target (the profiles' kube_tag).
KUBERNETES = "1.34.4"
PROFILES = ("sandbox", "cambridge")
VERSIONS = chart_values.SUPPORTED_ZEPPELIN_VERSIONS

Docs = list[dict[str, Any]]
Render = Callable[..., Docs]
Launchers = Callable[[str], launcher.Launcher]

#: A Spark image for Zeppelin 0.9.0, which has no upstream default (values.yaml, images.spark).
SPARK_IMAGE_09 = {"repository": "registry.example.org/gaia/spark-py", "tag": "v3.0.3"}


@pytest.fixture(scope="session")
def helm() -> Path:
    return find_helm(lambda message: print(f"[helm] {message}"))


def run_helm(helm: Path, *args: str, values: dict[str, Any] | None = None,
             files: Iterable[Path] = ()) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as scratch:
        extra: list[str] = []
        for path in files:
            extra += ["--values", str(path)]
        if values is not None:
            target = Path(scratch) / "values.json"
            target.write_text(json.dumps(values))
            extra += ["--values", str(target)]
        return subprocess.run([str(helm), *args, *extra], capture_output=True, text=True,
                              timeout=120, check=False)


@pytest.fixture(scope="session")
def render(helm: Path) -> Render:
    """``helm template`` of a chart as a list of objects (a failure fails the test)."""

    def template(chart: Path, *, release: str = "gaia", namespace: str = "gaia",
                 values: dict[str, Any] | None = None, files: Iterable[Path] = ()) -> Docs:
        result = run_helm(helm, "template", release, str(chart), "--namespace", namespace,
                          "--kube-version", KUBERNETES, values=values, files=files)
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    return template


@pytest.fixture(scope="session")
def render_error(helm: Path) -> Callable[..., str]:
    """``helm template`` that must fail: its error message."""

    def template(chart: Path, *, values: dict[str, Any] | None = None,
                 files: Iterable[Path] = ()) -> str:
        result = run_helm(helm, "template", "gaia", str(chart), "--namespace", "gaia",
                          "--kube-version", KUBERNETES, values=values, files=files)
        assert result.returncode != 0, f"rendering succeeded:\n{result.stdout[:2000]}"
        return result.stderr

    return template


def launch_from(docs: Docs, zeppelin: launcher.Launcher, group: str = "spark",
                namespace: str = "gaia", owner: bool = True,
                **extra: Any) -> launcher.Launched:
    """What the server the chart renders does to start an interpreter of ``group``: its
    environment (with the downward API's POD_UID/POD_NAME unless ``owner`` is false: on a
    real API server the garbage collector removes pods whose owner does not exist), the
    chart's spec template and interpreter.json."""
    env = {k: v for k, v in server_env(docs).items() if k not in ("POD_UID", "POD_NAME")}
    if owner:
        env.update(POD_UID="0d8c1f0e-0000-4000-8000-000000000001", POD_NAME="zeppelin-server-0")
    configmap = find(docs, "ConfigMap", suffix="-server-config")
    return zeppelin.launch(group=group, namespace=namespace, spec=interpreter_spec(docs),
                           server_env=env, interpreter_json=configmap["data"]["interpreter.json"],
                           **extra)


def deployment_of(name: str) -> tuple[profile.Deployment, DesiredState]:
    deployment = profile.load(name)
    return deployment, desired_state(deployment)


def find(docs: Docs, kind: str, name: str | None = None,
         suffix: str | None = None) -> dict[str, Any]:
    hits = [doc for doc in docs if doc["kind"] == kind
            and (name is None or doc["metadata"]["name"] == name)
            and (suffix is None or doc["metadata"]["name"].endswith(suffix))]
    assert len(hits) == 1, f"{len(hits)} {kind} named {name or '*' + (suffix or '')}"
    return hits[0]


def validate(doc: dict[str, Any]) -> None:
    """Strict schema validation for the target Kubernetes version (unknown fields fail)."""
    kubernetes_validate.validate(doc, ".".join(KUBERNETES.split(".")[:2]), strict=True)


def interpreter_spec(docs: Docs) -> str:
    configmap = find(docs, "ConfigMap", suffix="-interpreter-spec")
    text: str = configmap["data"]["100-interpreter-spec.yaml"]
    return text


def spark_properties(docs: Docs) -> dict[str, str]:
    """The Spark interpreter setting's properties, as Zeppelin loads them from interpreter.json."""
    configmap = find(docs, "ConfigMap", suffix="-server-config")
    settings = json.loads(configmap["data"]["interpreter.json"])["interpreterSettings"]
    return {key: prop["value"] for key, prop in settings["spark"]["properties"].items()}


def executor_pod_template(docs: Docs) -> dict[str, Any]:
    configmap = find(docs, "ConfigMap", suffix="-pod-template")
    template: dict[str, Any] = yaml.safe_load(configmap["data"]["executor-pod-template.yaml"])
    return template


def server_env(docs: Docs) -> dict[str, str]:
    deployment = find(docs, "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item.get("value", "") for item in container["env"]}
