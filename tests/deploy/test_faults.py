"""Deploy when the cloud misbehaves: failed builds, flaky services, bad profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Logs, Platform, as_json

AUTH = "/identity/v3/auth/tokens"


def _profile(tmp_path: Path, name: str, **cluster: object) -> Path:
    """A small deployment of its own beside the main one: two shares, its own names."""
    catalogue = {"shares": [
        {"name": f"{name}-notebooks", "size_gb": 5, "access": "rw",
         "mount_path": "/notebooks", "purpose": "notebooks"},
        {"name": f"{name}-data", "size_gb": 10, "access": "ro",
         "mount_path": "/data/test", "purpose": "data"},
    ]}
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump(catalogue))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile.update(name=name, shares=str(tmp_path / "shares.yaml"))
    profile["kubernetes"] = {**profile["kubernetes"], "namespace": name}
    profile["cluster"].update(cluster)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def _fault(sandbox: RunningSandbox, **rule: object) -> None:
    requests.post(f"{sandbox.status['openstack']['url']}/_sandbox/faults", json=rule,
                  timeout=5).raise_for_status()


def test_failed_cluster_build_is_reported_with_magnums_reason_then_replaced(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    profile = str(_profile(tmp_path, "faulty"))
    _fault(sandbox, operation="magnum.cluster.create", outcome="CREATE_FAILED",
           reason="No valid host was found. There are not enough hosts available.")
    failed = platform("deploy", "--cloud", profile, check=False)
    assert failed.returncode == 1
    output = failed.stdout + failed.stderr
    assert "CREATE_FAILED" in output and "No valid host was found" in output
    assert "Traceback" not in output
    # What did not depend on the cluster went ahead: the shares are there.
    status = as_json(platform("status", "--cloud", profile, "--output", "json"))
    assert status["cluster"]["status"] == "CREATE_FAILED"
    assert {s["name"]: s["status"] for s in status["shares"]} == {
        "faulty-notebooks": "available", "faulty-data": "available"}
    # The re-run replaces the failed cluster and finishes the job.
    platform("deploy", "--cloud", profile)
    status = as_json(platform("status", "--cloud", profile, "--output", "json"))
    assert status["cluster"]["status"] == "CREATE_COMPLETE"
    assert all(s["pvc_phase"] == "Bound" for s in status["shares"])
    # Cleaning up also proves --delete-data --yes really deletes (only) this catalogue.
    deleted = as_json(platform("delete", "--cloud", profile, "--delete-data", "--yes",
                               "--output", "json"))
    assert sorted(deleted["shares_deleted"]) == ["faulty-data", "faulty-notebooks"]
    names = {s.name for s in sandbox.connect().shared_file_system.shares(details=True)}
    assert not names & {"faulty-data", "faulty-notebooks"}


def test_a_flaky_service_is_retried(platform: Platform, sandbox: RunningSandbox,
                                    tmp_path: Path, logs: Logs) -> None:
    profile = str(_profile(tmp_path, "flaky"))
    _fault(sandbox, method="POST", path="/sharev2/v2/shares$", status=503, times=1)
    _fault(sandbox, method="POST", path="/container-infra/v1/clusters$", status=502, times=1)
    mark = logs.mark()
    result = platform("deploy", "--cloud", profile)
    assert "retrying" in result.stderr
    calls = logs.openstack_since(mark)
    statuses = [c["status"] for c in calls if c["method"] == "POST"
                and c["path"] in ("/sharev2/v2/shares", "/container-infra/v1/clusters")]
    assert 503 in statuses and 502 in statuses
    status = as_json(platform("status", "--cloud", profile, "--output", "json"))
    assert status["cluster"]["status"] == "CREATE_COMPLETE"
    # Exactly one of each share: the retry did not make a second.
    names = [s.name for s in sandbox.connect().shared_file_system.shares(details=True)]
    assert names.count("flaky-data") == 1 and names.count("flaky-notebooks") == 1
    platform("delete", "--cloud", profile, "--delete-data", "--yes")


def test_preflight_lists_every_problem_and_creates_nothing(
    platform: Platform, tmp_path: Path, logs: Logs
) -> None:
    profile = str(_profile(tmp_path, "wrong", worker_flavor="gaia.vm.999vcpu",
                           keypair="nobody", image="no-such-image"))
    mark = logs.mark()
    result = platform("deploy", "--cloud", profile, check=False)
    assert result.returncode == 2
    for field in ("cluster.worker_flavor", "cluster.keypair", "cluster.image"):
        assert field in result.stderr
    assert "nothing was created" in result.stderr
    mutating = [c for c in logs.openstack_since(mark) if c["mutating"] and c["path"] != AUTH]
    assert mutating == []


@pytest.mark.parametrize("flag", ["--output=yaml", "--cloud="])
def test_bad_flags_exit_2(platform: Platform, flag: str) -> None:
    result = platform("deploy", flag, check=False)
    assert result.returncode == 2
