"""``platform deploy|status|plan|delete --cloud sandbox`` end to end, through the real clients."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conftest import RunningSandbox
from tests.deploy.conftest import Logs, Platform, as_json

# Authentication is a POST but changes nothing on the cloud.
AUTH = "/identity/v3/auth/tokens"


@pytest.fixture(scope="module")
def deployed(platform: Platform, logs: Logs) -> dict[str, Any]:
    mark = logs.mark()
    result = platform("deploy", "--cloud", "sandbox", "--output", "json")
    return {"report": as_json(result), "requests": logs.openstack_since(mark)}


def test_deploy_makes_the_cluster_and_every_share_bound(platform: Platform,
                                                        deployed: dict[str, Any]) -> None:
    assert deployed["report"]["failed"] == []
    status = as_json(platform("status", "--cloud", "sandbox", "--output", "json"))
    assert status["cluster"]["status"] == "CREATE_COMPLETE"
    assert status["cluster"]["api_address"].startswith("https://127.0.0.1:")
    assert status["kubernetes_reachable"] is True
    assert len(status["shares"]) == 8
    for share in status["shares"]:
        assert share["status"] == "available", share
        assert share["access_rule"]["state"] == "active", share
        expected = "ro" if share["purpose"] == "data" else "rw"
        assert share["access_rule"]["access_level"] == expected
        assert (share["pv_phase"], share["pvc_phase"]) == ("Bound", "Bound"), share


def test_manila_work_overlaps_the_cluster_build(deployed: dict[str, Any]) -> None:
    calls = deployed["requests"]
    # This deployment's cephx rules are always new (shares may exist from other tests).
    first_share = min(c["seq"] for c in calls
                      if c["method"] == "POST" and c["path"].startswith("/sharev2/")
                      and c["path"].endswith("/action"))
    cluster_created = min(c["seq"] for c in calls
                          if c["method"] == "POST" and c["path"].endswith("/v1/clusters"))
    cert_signed = min(c["seq"] for c in calls
                      if c["method"] == "POST" and c["path"].endswith("/v1/certificates"))
    # Manila is asked before the cluster is ready (its certificate is signed once
    # CREATE_COMPLETE), not after it.
    assert first_share < cert_signed
    assert cluster_created < cert_signed


def test_second_deploy_changes_nothing_anywhere(platform: Platform, deployed: dict[str, Any],
                                                logs: Logs) -> None:
    mark = logs.mark()
    result = platform("deploy", "--cloud", "sandbox")
    assert "nothing changed" in result.stdout
    mutating = [c for c in logs.openstack_since(mark) if c["mutating"] and c["path"] != AUTH]
    assert mutating == []
    assert [e["verb"] for e in logs.kube_since(mark)
            if e["verb"] not in ("get", "list", "watch")] == []
    # It did look: the check is not vacuous.
    assert any(c["path"].startswith("/sharev2/") for c in logs.openstack_since(mark))


def test_plan_after_deploy_shows_only_no_ops_and_checks(platform: Platform,
                                                        deployed: dict[str, Any]) -> None:
    plan = as_json(platform("plan", "--cloud", "sandbox", "--output", "json"))
    assert plan["observed"] is True
    assert set(plan["summary"]) <= {"no-op", "check"}


def test_kubeconfig_prints_a_working_path(platform: Platform, deployed: dict[str, Any],
                                          sandbox: RunningSandbox) -> None:
    from kubernetes import client, config

    path = platform("kubeconfig", "--cloud", "sandbox").stdout.strip()
    core = client.CoreV1Api(config.new_client_from_config(config_file=path))
    claims = core.list_namespaced_persistent_volume_claim("gaia").items
    assert {c.metadata.name for c in claims} >= {"gaia-dr2", "gaia-notebooks", "gaia-users"}
    volume = core.read_persistent_volume("gaia-sandbox-gaia-dr3")
    assert volume.spec.csi.driver == "cephfs.manila.csi.openstack.org"
    assert volume.spec.csi.read_only is True
    assert volume.spec.access_modes == ["ReadOnlyMany"]
    assert volume.spec.persistent_volume_reclaim_policy == "Retain"


def test_deploy_ends_with_both_releases_and_zeppelin_running(
    platform: Platform, deployed: dict[str, Any], sandbox: RunningSandbox
) -> None:
    from kubernetes import client, config

    status = as_json(platform("status", "--cloud", "sandbox", "--output", "json"))
    assert {(r["name"], r["status"]) for r in status["releases"]} == {
        ("spark-executor", "deployed"), ("zeppelin", "deployed")}
    assert status["zeppelin"]["url"] == "http://localhost:8080/"
    assert "port-forward service/zeppelin-server" in status["zeppelin"]["command"]
    path = platform("kubeconfig", "--cloud", "sandbox").stdout.strip()
    core = client.CoreV1Api(config.new_client_from_config(config_file=path))
    pods = core.list_namespaced_pod("gaia", label_selector="app.kubernetes.io/component=server")
    assert [p.status.phase for p in pods.items] == ["Running"]
    # No default password: one was generated into the Secret the chart reads.
    secret = core.read_namespaced_secret("zeppelin-auth", "gaia")
    password = base64.b64decode(secret.data["admin"]).decode()
    assert len(password) >= 20
    # ... and it appears in no output of the tool.
    assert password not in json.dumps(deployed["report"])
    assert password not in json.dumps(status)


def test_cephfs_route_goes_through_its_own_router(deployed: dict[str, Any],
                                                 sandbox: RunningSandbox) -> None:
    network = sandbox.connect().network
    main = network.find_router("gaia-sandbox-router")
    cephfs = network.find_router("gaia-sandbox-cephfs-router")
    provider = network.find_network("cephfs")
    assert cephfs.external_gateway_info["network_id"] == provider.id
    assert {"destination": "10.4.200.0/24", "nexthop": "10.10.255.253"} in main.routes
    subnet = network.find_subnet("gaia-sandbox-subnet")
    ports = list(network.ports(device_id=cephfs.id))
    assert any(ip["ip_address"] == "10.10.255.253" and ip["subnet_id"] == subnet.id
               for port in ports for ip in port.fixed_ips)
    template = sandbox.connect().container_infrastructure_management.find_cluster_template(
        "gaia-sandbox-template")
    # Only labels the Cluster API driver reads: no kube_tag, no manila_csi_enabled.
    assert not {"kube_tag", "manila_csi_enabled"} & set(template.labels or {})


def test_delete_data_needs_confirmation(platform: Platform, deployed: dict[str, Any]) -> None:
    result = platform("delete", "--cloud", "sandbox", "--delete-data", check=False)
    assert result.returncode == 2
    assert "--yes" in result.stderr


def test_delete_keeps_every_share_then_deploy_adopts_them(
    platform: Platform, deployed: dict[str, Any], sandbox: RunningSandbox, logs: Logs
) -> None:
    before = {s["name"]: s["id"] for s in as_json(
        platform("status", "--cloud", "sandbox", "--output", "json"))["shares"]}
    result = as_json(platform("delete", "--cloud", "sandbox", "--output", "json"))
    assert {s["name"] for s in result["shares_kept"]} == set(before)
    assert result["shares_deleted"] == []
    conn = sandbox.connect()
    shares = {s.name: s.id for s in conn.shared_file_system.shares(details=True)}
    assert {name: shares.get(name) for name in before} == before
    for name in before:  # this deployment's cephx rules are gone
        rules = conn.shared_file_system.access_rules(shares[name])
        assert not [r for r in rules if r.access_to == f"gaia-sandbox-{name}"]
    status = as_json(platform("status", "--cloud", "sandbox", "--output", "json"))
    assert status["cluster"] is None
    for router in ("gaia-sandbox-router", "gaia-sandbox-cephfs-router"):
        assert conn.network.find_router(router) is None
    assert conn.network.find_network("gaia-sandbox-network") is None
    # Deploying again finds the same shares: not one is created anew.
    mark = logs.mark()
    platform("deploy", "--cloud", "sandbox")
    created = [c for c in logs.openstack_since(mark)
               if c["method"] == "POST" and c["path"].endswith("/shares")]
    assert created == []
    after = {s["name"]: s["id"] for s in as_json(
        platform("status", "--cloud", "sandbox", "--output", "json"))["shares"]}
    assert after == before
