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
    # The data shares of iris-gaia-data are checked first; preflight waits for those checks.
    checks = [i for i in ids if i.startswith("manila.access/aglais-data-")]
    assert ids[:len(checks)] == checks and len(checks) == 6
    assert ids[len(checks)] == "preflight"
    assert "magnum.cluster" in ids and "kube.pvc/gaia-notebooks" in ids
    by_id = {step["id"]: step for step in plan["steps"]}
    assert by_id["preflight"]["depends_on"] == checks
    # Manila work waits only for preflight: it runs while Magnum builds the cluster.
    assert by_id["manila.share/gaia-notebooks"]["depends_on"] == ["preflight"]
    assert "manila.access/gaia-notebooks" in by_id["kube.pv/gaia-notebooks"]["depends_on"]
    assert any("no cloud named 'iris-gaia-red'" in note for note in plan["notes"])
    # What nobody can know offline is named as preflight's to check.
    assert "load-balancer service (Octavia)" in by_id["preflight"]["reason"]
    dns = [n for n in plan["notes"] if n.startswith("web.host dmp.gaia.ac.uk")]
    # Offline (CI) it does not resolve; with a network it is the live service's name.
    assert len(dns) == 1, plan["notes"]
    assert "DNS A record dmp.gaia.ac.uk" in dns[0] or "resolves to" in dns[0], dns


def test_plan_for_cambridge_lists_the_data_shares_of_iris_gaia_data_as_checks(
        no_credentials: dict[str, str]) -> None:
    result = _platform("plan", "--cloud", "cambridge", "--output", "json", env=no_credentials)
    plan = json.loads(result.stdout)
    by_id = {step["id"]: step for step in plan["steps"]}
    data = ["aglais-data-gaia-dr2-6514", "aglais-data-gaia-edr3-2048",
            "aglais-data-gaia-dr3-2048-20221107", "aglais-data-wise-allwise",
            "aglais-data-panstarrs-ps1", "aglais-data-twomass-allsky"]
    for name in data:
        # Never created or given a rule of this deployment's: one read-only check each.
        assert f"manila.share/{name}" not in by_id
        check = by_id[f"manila.access/{name}"]
        assert check["action"] == "check" and check["kind"] == "manila.external"
        assert "iris-gaia-data" in check["reason"] and f"{name}-ro" in check["reason"]
        assert "kube.csi-secret/iris-gaia-data" in by_id[f"kube.pv/{name}"]["depends_on"]
    # The template asks for the API load balancer three masters need, and no label the
    # Cluster API driver ignores is sent or warned about.
    assert not [n for n in plan["notes"] if n.startswith("warning:")]
    assert "kube_version" in by_id["magnum.template"]["reason"]
    assert by_id["network.cephfs-router-route"]["reason"].startswith("10.4.200.0/24 via 10.9.0.1")


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
