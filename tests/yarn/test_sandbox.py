"""``platform yarn-fallback|yarn-fallback-status|yarn-fallback-delete --cloud sandbox`` end to
end, through the real clients, checked against the cloud (openstacksdk) and its request log."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from gaia_platform import profile
from gaia_platform.yarn.cloudinit import split_export
from gaia_platform.yarn.layout import yarn_plan
from tests.conftest import RunningSandbox
from tests.deploy.conftest import Logs, Platform, as_json
from tests.yarn.helpers import files, validate_cloud_config

REPO = Path(__file__).resolve().parents[2]
AUTH = "/identity/v3/auth/tokens"
PLAN = yarn_plan(profile.load("sandbox"))
TAGS = ",".join(PLAN.tags)
YARN = re.compile(r"^gaia-sandbox-yarn-")


def _mutations(calls: list[dict[str, Any]]) -> Counter[str]:
    """Mutating calls as "METHOD /path" with ids replaced by {id}; authentication left out."""
    counted: Counter[str] = Counter()
    for call in calls:
        if call["mutating"] and call["path"] != AUTH:
            path = re.sub(r"/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}",
                          "/{id}", call["path"])
            counted[f"{call['method']} {path}"] += 1
    return counted


def _keys(conn: Any) -> list[str]:
    """Every cephx key this deployment's Yarn fallback holds (to look for in output)."""
    keys = []
    for share in PLAN.shares:
        found = [s for s in conn.shared_file_system.shares(details=True) if s.name == share.name]
        for rule in conn.shared_file_system.access_rules(found[0].id):
            if rule.access_to == share.cephx_id and rule.access_key:
                keys.append(rule.access_key)
    return keys


@pytest.fixture(scope="module")
def deployed(platform: Platform, logs: Logs, sandbox: RunningSandbox) -> dict[str, Any]:
    conn = sandbox.connect()
    existing = {s.name for s in conn.shared_file_system.shares(details=True)}
    mark = logs.mark()
    result = platform("yarn-fallback", "--cloud", "sandbox", "--output", "json")
    return {"report": as_json(result), "requests": logs.openstack_since(mark),
            "output": result.stdout + result.stderr,
            "missing_shares": [s.name for s in PLAN.shares if s.name not in existing]}


def test_deploy_exits_0_and_status_shows_every_server_active(
    platform: Platform, deployed: dict[str, Any],
) -> None:
    assert deployed["report"]["failed"] == []
    status = as_json(platform("yarn-fallback-status", "--cloud", "sandbox", "--output", "json"))
    assert status["ready"] is True
    assert [(s["name"], s["role"], s["status"]) for s in status["servers"]] == [
        ("gaia-sandbox-yarn-gateway", "gateway", "ACTIVE"),
        ("gaia-sandbox-yarn-master", "master", "ACTIVE"),
        ("gaia-sandbox-yarn-worker-01", "worker", "ACTIVE"),
        ("gaia-sandbox-yarn-worker-02", "worker", "ACTIVE")]
    gateway = status["servers"][0]
    assert status["zeppelin_url"] == f"https://{gateway['floating_ip']}/"
    assert deployed["report"]["zeppelin_url"] == status["zeppelin_url"]
    assert all(s["floating_ip"] is None for s in status["servers"][1:])
    for share in status["shares"]:
        assert share["status"] == "available"
        expected = "ro" if share["purpose"] == "data" else "rw"
        assert share["access_rule"]["access_level"] == expected
        assert share["access_rule"]["state"] == "active"
    text = platform("yarn-fallback-status", "--cloud", "sandbox").stdout
    assert "ready" in text and "gaia-sandbox-yarn-worker-02" in text


def test_servers_network_and_floating_ip_are_as_planned_and_nothing_more(
    deployed: dict[str, Any], sandbox: RunningSandbox,
) -> None:
    conn = sandbox.connect()
    servers = {s.name: s for s in conn.compute.servers(tags=TAGS)}
    assert set(servers) == {vm.name for vm in PLAN.vms}
    network = conn.network.find_network(PLAN.network)
    subnet = conn.network.find_subnet(PLAN.subnet)
    assert subnet.network_id == network.id and subnet.cidr == "10.20.0.0/24"
    assert subnet.allocation_pools == [{"start": "10.20.0.128", "end": "10.20.0.251"}]
    for vm in PLAN.vms:
        server = conn.compute.get_server(servers[vm.name].id)
        assert server.status == "ACTIVE"
        assert server.flavor.original_name == vm.flavor
        assert server.key_name == "gaia-sandbox"
        assert sorted(g["name"] for g in server.security_groups) == sorted(vm.security_groups)
        assert server.metadata["gaia-platform.role"] == vm.role
        (port,) = conn.network.ports(device_id=server.id)
        assert port.network_id == network.id
        assert [ip["ip_address"] for ip in port.fixed_ips] == [vm.address]
    # One floating IP in all, on the gateway.
    (fip,) = conn.network.ips(tags=TAGS)
    (gateway_port,) = conn.network.ports(device_id=servers[PLAN.gateway.name].id)
    assert fip.port_id == gateway_port.id
    yarn_ports = {p.id for s in servers.values() for p in conn.network.ports(device_id=s.id)}
    assert [ip for ip in conn.network.ips() if ip.port_id in yarn_ports] == [fip]
    # The router reaches the outside, and the CephFS monitors through their own router.
    router = conn.network.find_router(PLAN.router)
    assert router.external_gateway_info["network_id"] == conn.network.find_network("public").id
    assert {"destination": "10.4.200.0/24", "nexthop": "10.20.0.253"} in router.routes
    cephfs = conn.network.find_router(PLAN.cephfs_route.router)  # type: ignore[union-attr]
    assert cephfs.external_gateway_info["network_id"] == conn.network.find_network("cephfs").id
    names = {n.name for n in conn.network.networks() if YARN.match(n.name or "")}
    assert names == {PLAN.network}
    routers = {r.name for r in conn.network.routers() if YARN.match(r.name or "")}
    assert routers == {PLAN.router, "gaia-sandbox-yarn-cephfs-router"}


def test_security_groups_let_in_only_https_and_the_groups_own_members(
    deployed: dict[str, Any], sandbox: RunningSandbox,
) -> None:
    conn = sandbox.connect()
    groups = {g.name: g for g in conn.network.security_groups() if YARN.match(g.name or "")}
    assert set(groups) == {"gaia-sandbox-yarn-gateway", "gaia-sandbox-yarn-internal"}

    def ingress(name: str) -> list[tuple[Any, ...]]:
        group = groups[name]
        return sorted((r.ether_type, r.protocol, r.port_range_min, r.port_range_max,
                       r.remote_ip_prefix, r.remote_group_id == group.id)
                      for r in conn.network.security_group_rules(security_group_id=group.id)
                      if r.direction == "ingress")

    assert ingress("gaia-sandbox-yarn-gateway") == [
        ("IPv4", "tcp", 443, 443, "0.0.0.0/0", False)]
    assert ingress("gaia-sandbox-yarn-internal") == [("IPv4", None, None, None, None, True)]


def test_the_first_run_made_exactly_what_the_plan_says(deployed: dict[str, Any]) -> None:
    made = _mutations(deployed["requests"])
    missing = len(deployed["missing_shares"])
    expected = Counter({
        "POST /compute/v2.1/servers": 4,
        "POST /network/v2.0/networks": 1,
        "POST /network/v2.0/subnets": 1,
        "POST /network/v2.0/routers": 2,
        "PUT /network/v2.0/routers/{id}/add_router_interface": 2,
        "PUT /network/v2.0/routers/{id}": 1,  # the static route to the Ceph monitors
        "POST /network/v2.0/ports": 1,  # the CephFS router's fixed interface
        "POST /network/v2.0/security-groups": 2,
        "POST /network/v2.0/security-group-rules": 2,
        "POST /network/v2.0/floatingips": 1,
        "PUT /network/v2.0/networks/{id}/tags": 1,
        "PUT /network/v2.0/subnets/{id}/tags": 1,
        "PUT /network/v2.0/routers/{id}/tags": 2,
        "PUT /network/v2.0/security-groups/{id}/tags": 2,
        "PUT /network/v2.0/floatingips/{id}/tags": 1,
        "POST /sharev2/v2/shares/{id}/action": len(PLAN.shares),  # allow_access, ours
        # each rule recorded on its share once active (notes/performance.md)
        "POST /sharev2/v2/shares/{id}/metadata": len(PLAN.shares),
        **({"POST /sharev2/v2/shares": missing} if missing else {}),
    })
    assert {k: v for k, v in made.items() if not k.startswith("POST /sharev2/v2/")} == \
        {k: v for k, v in expected.items() if not k.startswith("POST /sharev2/v2/")}
    manila = {k: v for k, v in made.items() if k.startswith("POST /sharev2/v2/")}
    assert sum(v for k, v in manila.items() if k.endswith("/action")) == len(PLAN.shares)
    assert sum(v for k, v in manila.items() if k.endswith("/metadata")) == len(PLAN.shares)
    assert sum(v for k, v in manila.items()
               if not k.endswith(("/action", "/metadata"))) == missing


def test_user_data_given_to_nova_validates_and_mounts_with_the_real_keys(
    deployed: dict[str, Any], sandbox: RunningSandbox, tmp_path: Path,
) -> None:
    conn = sandbox.connect()
    servers = {s.name: s for s in conn.compute.servers(tags=TAGS)}
    rules = {}
    for share in PLAN.shares:
        (found,) = [s for s in conn.shared_file_system.shares(details=True)
                    if s.name == share.name]
        (rule,) = [r for r in conn.shared_file_system.access_rules(found.id)
                   if r.access_to == share.cephx_id]
        (location,) = conn.shared_file_system.export_locations(found.id)
        rules[share.name] = (rule, split_export(location.path))
    metadata = sandbox.status["openstack"]["url"] + "/_sandbox/metadata/{}/openstack/latest/"
    for vm in (PLAN.gateway, PLAN.master, PLAN.workers[0]):
        # What the VM's cloud-init reads from Nova's metadata service: a member cannot read
        # OS-EXT-SRV-ATTR:user_data back (admin only, nova/policies/extended_server_attributes.py).
        answer = requests.get(metadata.format(servers[vm.name].id) + "user_data", timeout=5)
        assert answer.status_code == 200, vm.name
        text = answer.text
        result = validate_cloud_config(text, tmp_path)
        assert result.returncode == 0, f"{vm.name}: {result.stdout}{result.stderr}"
        written = files(text)
        for name in vm.mounts:
            rule, (monitors, path) = rules[name]
            cephx = PLAN.share(name).cephx_id
            assert f"key = {rule.access_key}" in written[f"/etc/ceph/{cephx}.keyring"]["content"]
            assert f"mon host = {monitors}" in written[f"/etc/ceph/{cephx}.conf"]["content"]
            assert f"ceph.client_mountpoint={path}," in written["/etc/fstab"]["content"]
        others = [rules[n][0].access_key for n in rules if n not in vm.mounts]
        assert not [key for key in others if key in text]  # each VM holds only its own keys


def test_secrets_never_reach_the_output(platform: Platform, deployed: dict[str, Any],
                                        sandbox: RunningSandbox) -> None:
    keys = _keys(sandbox.connect())
    assert len(keys) == len(PLAN.shares)
    outputs = [deployed["output"]]
    for args in (["yarn-fallback", "--dry-run", "--output", "json"], ["yarn-fallback"],
                 ["yarn-fallback-status", "--output", "json"]):
        result = platform(*args, "--cloud", "sandbox")
        outputs.append(result.stdout + result.stderr)
    for key in keys:
        assert not [o for o in outputs if key in o]


def test_a_second_run_changes_nothing(platform: Platform, deployed: dict[str, Any],
                                      logs: Logs) -> None:
    mark = logs.mark()
    result = platform("yarn-fallback", "--cloud", "sandbox")
    assert "nothing changed" in result.stdout
    calls = logs.openstack_since(mark)
    assert _mutations(calls) == Counter()
    assert any(c["path"].startswith("/compute/") for c in calls)  # it did look


def test_dry_run_after_deploy_shows_only_no_ops_and_checks(platform: Platform,
                                                          deployed: dict[str, Any],
                                                          logs: Logs) -> None:
    mark = logs.mark()
    plan = as_json(platform("yarn-fallback", "--cloud", "sandbox", "--dry-run", "--output",
                            "json"))
    assert plan["observed"] is True
    assert set(plan["summary"]) <= {"no-op", "check"}
    assert _mutations(logs.openstack_since(mark)) == Counter()


def test_a_worker_that_failed_to_build_is_replaced_by_the_next_run(
    platform: Platform, deployed: dict[str, Any], sandbox: RunningSandbox, logs: Logs,
) -> None:
    conn = sandbox.connect()
    name = PLAN.workers[1].name
    (worker,) = [s for s in conn.compute.servers(tags=TAGS) if s.name == name]
    conn.compute.delete_server(worker)
    conn.compute.wait_for_delete(worker, interval=0.05, wait=30)
    answer = requests.post(f"{logs.url}/_sandbox/faults", timeout=5, json={
        "operation": "nova.server.build", "reason": "No valid host was found.", "times": 1})
    answer.raise_for_status()
    failed = platform("yarn-fallback", "--cloud", "sandbox", check=False)
    assert failed.returncode == 1
    assert "No valid host was found." in failed.stdout + failed.stderr
    (broken,) = [s for s in conn.compute.servers(tags=TAGS) if s.name == name]
    assert broken.status == "ERROR"
    plan = as_json(platform("yarn-fallback", "--cloud", "sandbox", "--dry-run", "--output",
                            "json"))
    step = next(s for s in plan["steps"] if s["name"] == name)
    assert step["action"] == "update" and "ERROR" in step["reason"]
    mark = logs.mark()
    platform("yarn-fallback", "--cloud", "sandbox")
    assert _mutations(logs.openstack_since(mark)) == Counter({
        "DELETE /compute/v2.1/servers/{id}": 1, "POST /compute/v2.1/servers": 1})
    (fixed,) = [s for s in conn.compute.servers(tags=TAGS) if s.name == name]
    assert fixed.status == "ACTIVE" and fixed.id != broken.id


def test_workers_follow_the_profiles_count(platform: Platform, deployed: dict[str, Any],
                                           sandbox: RunningSandbox, logs: Logs,
                                           tmp_path: Path) -> None:
    document = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    document["yarn"]["worker_count"] = 1
    document["shares"] = str(REPO / "manila/shares.yaml")
    smaller = tmp_path / "sandbox-one-worker.yaml"
    smaller.write_text(yaml.safe_dump(document))
    conn = sandbox.connect()
    mark = logs.mark()
    platform("yarn-fallback", "--cloud", str(smaller))
    # Only the second worker goes: the others boot with the same configuration as before.
    assert _mutations(logs.openstack_since(mark)) == Counter({
        "DELETE /compute/v2.1/servers/{id}": 1})
    assert {s.name for s in conn.compute.servers(tags=TAGS)} == {
        PLAN.gateway.name, PLAN.master.name, PLAN.workers[0].name}
    platform("yarn-fallback", "--cloud", "sandbox")
    assert {s.name for s in conn.compute.servers(tags=TAGS)} == {vm.name for vm in PLAN.vms}


def test_delete_removes_the_fallback_and_keeps_every_share(
    platform: Platform, deployed: dict[str, Any], sandbox: RunningSandbox,
) -> None:
    conn = sandbox.connect()

    def others() -> dict[str, set[str]]:
        """Everything in the project that is not the Yarn fallback's."""
        return {
            "servers": {s.name for s in conn.compute.servers()
                        if not YARN.match(s.name or "")},
            "networks": {n.name for n in conn.network.networks()
                         if not YARN.match(n.name or "")},
            "routers": {r.name for r in conn.network.routers() if not YARN.match(r.name or "")},
            "rules": {f"{r.access_to}@{s.name}"
                      for s in conn.shared_file_system.shares(details=True)
                      for r in conn.shared_file_system.access_rules(s.id)
                      if not YARN.match(r.access_to)},
        }

    shares = {s.name: s.id for s in conn.shared_file_system.shares(details=True)}
    before = others()
    result = as_json(platform("yarn-fallback-delete", "--cloud", "sandbox", "--output", "json"))
    assert {s["name"] for s in result["shares_kept"]} == {s.name for s in PLAN.shares}
    assert result["shares_deleted"] == []
    assert {s.name: s.id for s in conn.shared_file_system.shares(details=True)} == shares
    assert others() == before
    assert list(conn.compute.servers(tags=TAGS)) == []
    assert list(conn.network.ips(tags=TAGS)) == []
    assert not [g for g in conn.network.security_groups() if YARN.match(g.name or "")]
    assert not [n for n in conn.network.networks() if YARN.match(n.name or "")]
    assert not [r for r in conn.network.routers() if YARN.match(r.name or "")]
    for share in PLAN.shares:
        rules = conn.shared_file_system.access_rules(shares[share.name])
        assert not [r for r in rules if r.access_to == share.cephx_id]
    status = platform("yarn-fallback-status", "--cloud", "sandbox", "--output", "json",
                      check=False)
    assert status.returncode == 1
    assert {s["status"] for s in as_json(status)["servers"]} == {None}
    again = as_json(platform("yarn-fallback-delete", "--cloud", "sandbox", "--output", "json"))
    assert again["removed"] == []
