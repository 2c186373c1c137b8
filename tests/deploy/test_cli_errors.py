"""Errors outside deploy's happy path end in one paragraph and exit 1 or 2, never a
traceback: a cloud failing a read during plan, an over-long URL, an incomplete clouds.yaml
entry, and cloud text that looks like Rich markup, which is printed as the cloud wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Platform


def _fault(sandbox: RunningSandbox, **rule: object) -> None:
    requests.post(f"{sandbox.status['openstack']['url']}/_sandbox/faults", json=rule,
                  timeout=5).raise_for_status()


@pytest.mark.parametrize(("status", "message"), [
    (500, "Internal error [/quota] while listing networks"),
    (414, "Request-URI Too Long"),
])
def test_plan_reports_a_failed_read(platform: Platform, sandbox: RunningSandbox,
                                    status: int, message: str) -> None:
    _fault(sandbox, method="GET", path="/network/v2.0/networks$", status=status,
           message=message, times=0)
    try:
        result = platform("plan", "--cloud", "sandbox", check=False)
    finally:
        requests.delete(f"{sandbox.status['openstack']['url']}/_sandbox/faults", timeout=5)
    text = " ".join(result.stderr.split())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"HTTP {status}" in text and message in text  # markup-looking text kept verbatim


def test_an_incomplete_clouds_yaml_entry_is_bad_input(platform: Platform,
                                                      tmp_path: Path) -> None:
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump({"clouds": {"partial": {
        "auth_type": "v3applicationcredential",
        "auth": {"application_credential_id": "x", "application_credential_secret": "y"}}}}))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile["openstack"] = {"cloud": "partial", "clouds_yaml": str(tmp_path / "clouds.yaml")}
    profile["shares"] = str(REPO / "manila/shares.yaml")
    (tmp_path / "partial.yaml").write_text(yaml.safe_dump(profile))
    result = platform("status", "--cloud", str(tmp_path / "partial.yaml"), check=False)
    assert result.returncode == 2
    assert "auth_url" in result.stderr and str(tmp_path / "clouds.yaml") in result.stderr
    assert "Traceback" not in result.stderr
