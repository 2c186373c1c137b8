"""``platform yarn-fallback`` where no cloud is needed: the dry-run plan and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _platform(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gaia_platform.cli", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, **env})


@pytest.fixture
def no_credentials(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "OS_CLIENT_CONFIG_FILE": str(tmp_path / "none.yaml"),
            "XDG_CONFIG_HOME": str(tmp_path), "GAIA_STATE_DIR": str(tmp_path / "state"),
            "COLUMNS": "200"}


def test_dry_run_for_cambridge_works_without_credentials(no_credentials: dict[str, str]
                                                         ) -> None:
    result = _platform("yarn-fallback", "--cloud", "cambridge", "--dry-run", "--output", "json",
                       env=no_credentials)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["observed"] is False and plan["deployment"] == "cambridge"
    by_id = {step["id"]: step for step in plan["steps"]}
    servers = [s for s in plan["steps"] if s["kind"] == "yarn.server"]
    assert [s["name"] for s in servers] == [
        "gaia-cambridge-yarn-gateway", "gaia-cambridge-yarn-master",
        *[f"gaia-cambridge-yarn-worker-{i:02d}" for i in range(1, 5)]]
    assert all(s["action"] == "create" for s in servers)
    assert "gaia.vm.cclake.26vcpu" in by_id["yarn.server/gaia-cambridge-yarn-worker-01"]["reason"]
    gateway = by_id["yarn.server/gaia-cambridge-yarn-gateway"]
    # The gateway boots once the network, its groups and its access to every share exist.
    assert {"yarn.router", "yarn.cephfs-route", "yarn.security-group/gateway",
            "yarn.access/aglais-data-gaia-dr3-2048-20221107",
            "yarn.access/gaia-notebooks"} <= set(gateway["depends_on"])
    master = by_id["yarn.server/gaia-cambridge-yarn-master"]
    assert not [d for d in master["depends_on"] if d.startswith("yarn.access/")]
    assert by_id["yarn.floating-ip"]["depends_on"][0] == "yarn.server/gaia-cambridge-yarn-gateway"
    assert "tcp/443 from 0.0.0.0/0" in by_id["yarn.security-group/gateway"]["reason"]
    assert "22" not in by_id["yarn.security-group/gateway"]["reason"]
    access = {name: by_id[f"yarn.access/{name}"] for name in ("aglais-data-gaia-dr3-2048-20221107",
                                                            "gaia-users")}
    # iris-gaia-data's share is mounted with its owner's rule, checked and never changed.
    dr3 = access["aglais-data-gaia-dr3-2048-20221107"]
    assert dr3["action"] == "check" and "aglais-data-gaia-dr3-2048-20221107-ro" in dr3["reason"]
    assert access["gaia-users"]["reason"].startswith("cephx gaia-cambridge-yarn-gaia-users rw")
    assert "yarn.cephfs-router-route" in by_id
    assert any("no cloud named 'iris-gaia-red'" in note for note in plan["notes"])


def test_text_dry_run_lists_the_plan(no_credentials: dict[str, str]) -> None:
    result = _platform("yarn-fallback", "--cloud", "cambridge", "--dry-run", env=no_credentials)
    assert result.returncode == 0, result.stderr
    assert "gaia-cambridge-yarn-gateway" in result.stdout
    assert "not observed: no credentials" in result.stdout


def test_deploy_without_credentials_exits_2(no_credentials: dict[str, str]) -> None:
    result = _platform("yarn-fallback", "--cloud", "cambridge", env=no_credentials)
    assert result.returncode == 2
    assert "No credentials" in result.stderr and "Traceback" not in result.stderr


def test_profile_without_a_yarn_section_is_a_clear_error(tmp_path: Path,
                                                         no_credentials: dict[str, str]
                                                         ) -> None:
    document = yaml.safe_load((REPO / "openstack/clouds/cambridge.yaml").read_text())
    del document["yarn"]
    document["shares"] = str(REPO / "manila/shares.yaml")
    profile = tmp_path / "no-yarn.yaml"
    profile.write_text(yaml.safe_dump(document))
    result = _platform("yarn-fallback", "--cloud", str(profile), "--dry-run",
                       env=no_credentials)
    assert result.returncode == 2
    assert str(profile) in result.stderr and "no 'yarn' section" in result.stderr


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cidr", "10.20.0.0/28", "yarn.cidr: Value error, must be an IPv4 network of /24"),
    ("worker_count", 101, "yarn.worker_count: Input should be less than or equal to 100"),
    ("zeppelin_users", ["Bad User"], "yarn.zeppelin_users.0"),
    ("https_port", 8443, "yarn.https_port: unknown field"),
])
def test_bad_yarn_fields_exit_2_naming_file_and_field(
    tmp_path: Path, no_credentials: dict[str, str], field: str, value: object, message: str,
) -> None:
    document = yaml.safe_load((REPO / "openstack/clouds/cambridge.yaml").read_text())
    document["yarn"][field] = value
    document["shares"] = str(REPO / "manila/shares.yaml")
    profile = tmp_path / "bad.yaml"
    profile.write_text(yaml.safe_dump(document))
    result = _platform("yarn-fallback", "--cloud", str(profile), "--dry-run",
                       env=no_credentials)
    assert result.returncode == 2, result.stdout
    assert str(profile) in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
