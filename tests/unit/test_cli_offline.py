"""The CLI where no cloud is needed: help, plan without credentials, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _platform(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # A real process, as a user runs it: exit codes and streams are what they see.
    return subprocess.run([sys.executable, "-m", "gaia_platform.cli", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def no_credentials(tmp_path: Path) -> dict[str, str]:
    """No clouds.yaml anywhere openstacksdk looks."""
    return {"HOME": str(tmp_path), "OS_CLIENT_CONFIG_FILE": str(tmp_path / "none.yaml"),
            "XDG_CONFIG_HOME": str(tmp_path), "GAIA_STATE_DIR": str(tmp_path / "state")}


def test_plan_for_cambridge_works_without_credentials(no_credentials: dict[str, str]) -> None:
    result = _platform("plan", "--cloud", "cambridge", "--output", "json", env=no_credentials)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["observed"] is False
    assert plan["deployment"] == "cambridge"
    ids = [step["id"] for step in plan["steps"]]
    assert ids[0] == "preflight"
    assert "magnum.cluster" in ids and "kube.pvc/gaia-dr3" in ids
    by_id = {step["id"]: step for step in plan["steps"]}
    # Manila work waits only for preflight: it runs while Magnum builds the cluster.
    assert by_id["manila.share/gaia-dr3"]["depends_on"] == ["preflight"]
    assert "manila.access/gaia-dr3" in by_id["kube.pv/gaia-dr3"]["depends_on"]
    assert any("no cloud named 'arcus'" in note for note in plan["notes"])


def test_deploy_without_credentials_says_what_to_do(no_credentials: dict[str, str]) -> None:
    result = _platform("deploy", "--cloud", "cambridge", env=no_credentials)
    assert result.returncode == 2
    assert "No credentials" in result.stderr and "clouds.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_profile_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "openstack/clouds/cambridge.yaml").read_text()
                   .replace("worker_count: 6", "worker_count: many"))
    result = _platform("plan", "--cloud", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "cluster.worker_count" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_every_command() -> None:
    result = _platform("--help")
    assert result.returncode == 0
    for command in ("plan", "deploy", "status", "delete", "kubeconfig", "sandbox"):
        assert command in result.stdout
