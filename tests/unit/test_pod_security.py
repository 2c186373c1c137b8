"""The namespace's Pod Security level follows the Zeppelin release, and a Zeppelin without an
upstream Spark image is named by plan before anything is made (issue 10; issue 9 finding 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from gaia_platform import profile
from gaia_platform.helm import values as chart_values
from gaia_platform.plan import Action
from gaia_platform.steps.base import Unknown
from gaia_platform.steps.kube import NamespaceKind, NamespaceTarget
from gaia_platform.steps.preflight import profile_problems

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("version", "level"), [
    ("0.9.0", "baseline"), ("0.10.1", "baseline"), ("0.11.2", "restricted"),
    ("0.12.0", "restricted")])
def test_level_per_zeppelin_release(version: str, level: str) -> None:
    assert chart_values.pod_security_level(version) == level
    labels = NamespaceTarget("gaia", "dep", level).labels()
    assert labels["pod-security.kubernetes.io/enforce"] == level
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"


def _namespace(labels: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(metadata=SimpleNamespace(labels=labels))


def test_namespace_step_creates_updates_or_leaves_the_level() -> None:
    kind, target = NamespaceKind(), NamespaceTarget("gaia", "dep", "baseline")
    created = kind.decide(target, None)
    assert created.action is Action.CREATE
    assert created.changes == {"pod-security.kubernetes.io/enforce": [None, "baseline"]}
    assert kind.decide(target, Unknown("no kubeconfig yet")).action is Action.CREATE
    # A namespace left at "restricted" by an earlier deploy of 0.12 refuses 0.9's pods.
    stricter = kind.decide(target, _namespace(target.labels() | {
        "pod-security.kubernetes.io/enforce": "restricted"}))
    assert stricter.action is Action.UPDATE
    assert stricter.changes == {"pod-security.kubernetes.io/enforce": ["restricted", "baseline"]}
    assert kind.decide(target, _namespace(target.labels())).action is Action.NOOP


def _profile_with(tmp_path: Path, **kubernetes: str) -> profile.Deployment:
    data = yaml.safe_load((REPO / "openstack/clouds/cambridge.yaml").read_text())
    data.setdefault("kubernetes", {}).update(kubernetes)
    data["shares"] = str(REPO / "manila/shares.yaml")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    return profile.load(str(tmp_path / "p.yaml"))


def test_a_zeppelin_without_an_upstream_spark_image_needs_one_named(tmp_path: Path) -> None:
    [problem] = profile_problems(_profile_with(tmp_path, zeppelin_version="0.9.0"))
    assert problem.startswith("kubernetes.spark_image must be set")
    assert "images/spark-py/build.sh 3.0.3" in problem
    assert not profile_problems(_profile_with(tmp_path, zeppelin_version="0.9.0",
                                              spark_image="registry.example.org/s:v3.0.3"))
    assert not profile_problems(_profile_with(tmp_path, zeppelin_version="0.10.1"))
    assert not profile_problems(profile.load("sandbox"))


def test_plan_says_so_without_credentials(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "OS_CLIENT_CONFIG_FILE": str(tmp_path / "none.yaml"),
           "GAIA_STATE_DIR": str(tmp_path / "state")}
    _profile_with(tmp_path, zeppelin_version="0.9.0")
    result = subprocess.run([sys.executable, "-m", "gaia_platform.cli", "plan", "--cloud",
                             str(tmp_path / "p.yaml"), "--output", "json"],
                            capture_output=True, text=True, cwd=REPO, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    steps = {step["id"]: step for step in json.loads(result.stdout)["steps"]}
    assert "FAILED: kubernetes.spark_image must be set" in steps["preflight"]["reason"]
    assert steps["kube.namespace"]["changes"] == {
        "pod-security.kubernetes.io/enforce": [None, "baseline"]}
