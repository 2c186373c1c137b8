"""Preflight's checks of what nobody can know offline about the way in, on the sandbox: the
load-balancer service (Octavia) in the catalogue and answering the project's roles, and the
web host's DNS name. Each says what it checked and what to do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Logs, Platform, as_json

AUTH = "/identity/v3/auth/tokens"


@pytest.fixture
def cloud_config(sandbox: RunningSandbox) -> Iterator[Any]:
    """Change the emulated cloud (catalogue, roles) for one test, then put it back."""
    url = f"{sandbox.status['openstack']['url']}/_sandbox/config"
    before = requests.get(url, timeout=5).json()

    def change(**update: Any) -> None:
        requests.post(url, json=update, timeout=5).raise_for_status()

    yield change
    change(catalog_absent=before["catalog_absent"], roles=before["roles"])


def _preflight(platform: Platform, profile: str) -> str:
    plan = as_json(platform("plan", "--cloud", profile, "--output", "json"))
    reason: str = next(s for s in plan["steps"] if s["id"] == "preflight")["reason"]
    return reason


def test_preflight_passes_with_octavia_answering(platform: Platform) -> None:
    reason = _preflight(platform, "sandbox")
    assert reason.endswith("load-balancer service (Octavia) ok"), reason


def test_a_cloud_without_octavia_fails_preflight_before_any_change(
        platform: Platform, cloud_config: Any, logs: Logs) -> None:
    cloud_config(catalog_absent=["load-balancer"])
    reason = _preflight(platform, "sandbox")
    assert reason.startswith("FAILED")
    assert "the cloud's catalogue has no load-balancer (Octavia) service, needed by the " \
           "cluster's Kubernetes API" in reason
    assert "ask the cloud's operators" in reason
    mark = logs.mark()
    result = platform("deploy", "--cloud", "sandbox", check=False)
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 2 and "Traceback" not in said
    assert "no load-balancer (Octavia) service" in said and "nothing was created" in said
    assert [c for c in logs.openstack_since(mark) if c["mutating"] and c["path"] != AUTH] == []


def test_a_project_without_octavias_roles_fails_preflight(
        platform: Platform, sandbox: RunningSandbox, cloud_config: Any) -> None:
    conn = sandbox.connect()
    project = conn.session.auth.get_access(conn.session).project_name
    cloud_config(roles={project: ["member", "reader"]})
    reason = _preflight(platform, "sandbox")
    assert reason.startswith("FAILED")
    assert "Octavia refuses this project's credentials" in reason
    assert "load-balancer_member" in reason


def test_an_octavia_provider_the_cloud_lacks_fails_preflight(
        platform: Platform, tmp_path: Path) -> None:
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile["shares"] = str(REPO / "manila/shares.yaml")
    profile["cluster"]["labels"] = {"octavia_provider": "ovn"}
    path = tmp_path / "ovn.yaml"
    path.write_text(yaml.safe_dump(profile))
    reason = _preflight(platform, str(path))
    assert "cluster.labels.octavia_provider: Octavia here offers the provider(s) amphora, " \
           "octavia, not 'ovn'" in reason, reason


def test_web_host_that_does_not_resolve_is_named_with_the_record_to_make(
        platform: Platform, tmp_path: Path) -> None:
    # .test never resolves (RFC 6761): as a real host before its record exists.
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile["shares"] = str(REPO / "manila/shares.yaml")
    # Both charts local: their upstream repositories are out of reach offline.
    profile["web"] = {"host": "gaia.sandbox.test",
                      "tls": {"acme": {"chart": {"path": "charts/sandbox/cert-manager"}}},
                      "ingress": {"chart": {"path": "charts/sandbox/traefik"}}}
    path = tmp_path / "web.yaml"
    path.write_text(yaml.safe_dump(profile))
    plan = as_json(platform("plan", "--cloud", str(path), "--output", "json"))
    (note,) = [n for n in plan["notes"] if n.startswith("web.host gaia.sandbox.test")]
    assert "does not resolve from here" in note
    assert "create a DNS A record gaia.sandbox.test -> the ingress load balancer's address" \
        in note and "Let's Encrypt cannot issue its certificate" in note
    # Not a refusal: the record can only point at the load balancer once deploy made it.
    preflight = next(s for s in plan["steps"] if s["id"] == "preflight")["reason"]
    assert preflight.endswith("load-balancer service (Octavia) ok"), preflight
