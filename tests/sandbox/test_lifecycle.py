"""``platform sandbox up|down|status`` and deploy's sandbox start, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import RunningSandbox

REPO = Path(__file__).resolve().parents[2]


def _platform(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gaia_platform.cli", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={**os.environ, **env})


def test_up_again_keeps_the_running_processes(sandbox: RunningSandbox) -> None:
    before = sandbox.sandbox.status()
    again = sandbox.sandbox.up(progress=lambda _m: None)
    pids = {name: c["pid"] for name, c in before["kubernetes"]["components"].items()}
    assert {name: c["pid"] for name, c in again["kubernetes"]["components"].items()} == pids
    assert again["openstack"]["pid"] == before["openstack"]["pid"]
    assert again["openstack"]["url"] == before["openstack"]["url"]


def test_status_json_names_endpoints_and_files(sandbox: RunningSandbox) -> None:
    result = _platform("sandbox", "status", "--output", "json",
                       env={"GAIA_SANDBOX_DIR": str(sandbox.directory)})
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["healthy"] is True
    assert status["openstack"]["cloud"] == "gaia-sandbox"
    clouds = yaml.safe_load(Path(status["openstack"]["clouds_yaml"]).read_text())
    assert clouds["clouds"]["gaia-sandbox"]["auth"]["auth_url"] == status["openstack"]["auth_url"]
    assert Path(status["kubernetes"]["admin_kubeconfig"]).is_file()
    assert status["memory_bytes"] > 0


def test_status_of_a_missing_sandbox_exits_1(tmp_path: Path) -> None:
    result = _platform("sandbox", "status", env={"GAIA_SANDBOX_DIR": str(tmp_path / "none")})
    assert result.returncode == 1
    assert "platform sandbox up" in result.stdout


def test_deploy_on_the_sandbox_profile_starts_a_stopped_sandbox(tmp_path: Path) -> None:
    catalogue = tmp_path / "shares.yaml"
    catalogue.write_text(yaml.safe_dump({"shares": [
        {"name": "nb", "size_gb": 1, "access": "rw", "mount_path": "/notebooks",
         "purpose": "notebooks"}]}))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile.update(name="autostart", shares=str(catalogue))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(profile))
    env = {"GAIA_SANDBOX_DIR": str(tmp_path / "sandbox"), "GAIA_STATE_DIR": str(tmp_path / "s")}
    try:
        result = _platform("deploy", "--cloud", str(tmp_path / "p.yaml"), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "starting it" in result.stderr
        status = _platform("sandbox", "status", "--output", "json", env=env)
        assert json.loads(status.stdout)["healthy"] is True
    finally:
        down = _platform("sandbox", "down", env=env)
        assert down.returncode == 0
    after = _platform("sandbox", "status", "--output", "json", env=env)
    assert after.returncode == 1
    assert json.loads(after.stdout)["openstack"]["healthy"] is False
