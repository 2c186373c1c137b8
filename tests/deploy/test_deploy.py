"""``platform deploy|status|plan|delete --cloud sandbox`` end to end, through the real clients."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from gaia_platform.shiro import shiro_matches
from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Logs, Platform, as_json

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
    # The share catalogue's 8 and the admin's home and user shares (manila/users.yaml).
    assert len(status["shares"]) == 10
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
    # Beside it, the salted Shiro hash that shiro.ini gets (never the password).
    stored = base64.b64decode(secret.data["admin.shiro1"]).decode()
    assert stored.startswith("$shiro1$SHA-256$500000$") and shiro_matches(password, stored)
    # ... and it appears in no output of the tool.
    assert password not in json.dumps(deployed["report"])
    assert password not in json.dumps(status)
    # The namespace enforces the Pod Security level the default Zeppelin's (0.9.0) pods meet,
    # and the chart says the same of its pods.
    labels = core.read_namespace("gaia").metadata.labels
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    server = client.AppsV1Api(core.api_client).read_namespaced_deployment("zeppelin-server", "gaia")
    assert server.metadata.annotations["gaia-platform/pod-security-level"] == "baseline"
    env = {e.name: e.value for e in server.spec.template.spec.containers[0].env}
    assert env["SERVICE_DOMAIN"] == "local.zeppelin-project.org"


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


def _kube(platform: Platform) -> Any:
    from kubernetes import config

    path = platform("kubeconfig", "--cloud", "sandbox").stdout.strip()
    return config.new_client_from_config(config_file=path)


def test_deploy_installed_the_csi_drivers_the_cluster_lacked(platform: Platform,
                                                            deployed: dict[str, Any]) -> None:
    from kubernetes import client

    steps = {s["id"]: s for s in deployed["report"]["steps"]}
    # The emulated Magnum registers no CSI driver (as the Cluster API driver installs none),
    # so the first deploy installed both charts: ceph-csi first, then Manila.
    assert steps["csi.cephfs"]["status"] == steps["csi.manila"]["status"] == "done"
    assert steps["csi.cephfs"]["action"] == steps["csi.manila"]["action"] == "create"
    assert steps["csi.manila"]["depends_on"] == ["csi.cephfs"]
    assert steps["kube.csi-driver"]["depends_on"] == ["csi.manila"]
    api = _kube(platform)
    drivers = {d.metadata.name: d for d in client.StorageV1Api(api).list_csi_driver().items}
    for name, release in (("cephfs.manila.csi.openstack.org", "csi-manila"),
                          ("cephfs.csi.ceph.com", "csi-cephfs")):
        annotations = drivers[name].metadata.annotations or {}
        assert annotations.get("meta.helm.sh/release-name") == release
    status = as_json(platform("status", "--cloud", "sandbox", "--output", "json"))
    assert {(a["name"], a["namespace"], a["chart"]) for a in status["addons"]} >= {
        ("csi-cephfs", "csi-ceph-system", "ceph-csi-cephfs-3.15.1-sandbox"),
        ("csi-manila", "openstack-system", "openstack-manila-csi-2.34.2-sandbox")}
    # The PVs are made for the driver version the pinned (stand-in) chart installs: v1.34.
    volume = client.CoreV1Api(api).read_persistent_volume("gaia-sandbox-gaia-dr3")
    attributes = volume.spec.csi.volume_attributes
    assert set(attributes) == {"shareID", "shareAccessID", "cephfs-mounter"}
    assert attributes["cephfs-mounter"] == "kernel"
    assert volume.spec.csi.node_stage_secret_ref.name == "manila-csi-credentials"
    assert volume.spec.csi.node_publish_secret_ref.name == "manila-csi-credentials"


def test_install_never_without_the_driver_stops_with_instructions(
        platform: Platform, deployed: dict[str, Any], tmp_path: Path) -> None:
    import yaml
    from kubernetes import client

    storage = client.StorageV1Api(_kube(platform))
    storage.delete_csi_driver("cephfs.manila.csi.openstack.org")
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile["cephfs"]["csi"] = {"install": "never"}
    profile["shares"] = str(REPO / "manila/shares.yaml")
    never = tmp_path / "sandbox-never.yaml"
    never.write_text(yaml.safe_dump(profile))
    result = platform("deploy", "--cloud", str(never), "--output", "json", check=False)
    assert result.returncode == 2
    failed = as_json(result)["failed"]
    assert [f["id"] for f in failed] == ["kube.csi-driver"]
    assert "install: never" in failed[0]["error"] and "Set it to auto" in failed[0]["error"]
    assert str(never) in failed[0]["error"]
    # With install: auto the next deploy puts the release's driver back.
    report = as_json(platform("deploy", "--cloud", "sandbox", "--output", "json"))
    steps = {s["id"]: s for s in report["steps"]}
    assert steps["csi.manila"]["action"] == "update"
    assert report["failed"] == []
    storage.read_csi_driver("cephfs.manila.csi.openstack.org")


def _with_web(tmp_path: Path, web: dict[str, Any]) -> Path:
    """The sandbox deployment with a public entry point (the stand-in charts)."""
    import yaml

    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile["shares"] = str(REPO / "manila/shares.yaml")
    profile["web"] = {"host": "gaia.sandbox.test",
                      "ingress": {"chart": {"path": "charts/sandbox/traefik"}}, **web}
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "sandbox-web.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def _tls_secret(name: str) -> dict[str, Any]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gaia.sandbox.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = {"tls.crt": cert.public_bytes(serialization.Encoding.PEM),
           "tls.key": key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())}
    return {"metadata": {"name": name}, "type": "kubernetes.io/tls",
            "data": {k: base64.b64encode(v).decode() for k, v in pem.items()}}


def test_plain_deploy_ends_with_where_zeppelin_is_and_how_to_log_in(
        platform: Platform, deployed: dict[str, Any]) -> None:
    report = as_json(platform("deploy", "--cloud", "sandbox", "--output", "json"))
    assert report["zeppelin"]["url"] == "http://localhost:8080/"
    assert report["steps"] and report["failed"] == []  # the step list stays in JSON
    lines = platform("deploy", "--cloud", "sandbox").stdout.strip().splitlines()
    assert "nothing changed" in lines[0]
    assert lines[1] == "Zeppelin: http://localhost:8080/"
    assert "port-forward service/zeppelin-server 8080:" in lines[2]
    assert lines[3].startswith("  log in as admin; the password: kubectl --kubeconfig ")
    assert "get secret zeppelin-auth -o jsonpath='{.data.admin}' | base64 -d" in lines[3]
    assert len(lines) == 4  # no list of step ids


def test_web_with_a_named_certificate_ends_at_the_https_address(
        platform: Platform, deployed: dict[str, Any], tmp_path: Path) -> None:
    from kubernetes import client

    path = _with_web(tmp_path, {"tls": {"secret": "gaia-cert"}})
    missing = platform("deploy", "--cloud", str(path), check=False)
    assert missing.returncode == 2
    assert "kubectl -n gaia create secret tls gaia-cert" in missing.stderr + missing.stdout
    api = _kube(platform)
    core = client.CoreV1Api(api)
    core.create_namespaced_secret("gaia", _tls_secret("gaia-cert"))
    result = platform("deploy", "--cloud", str(path))
    lines = result.stdout.strip().splitlines()
    assert lines[-3] == "Zeppelin: https://gaia.sandbox.test/"
    # The sandbox has no cloud controller to give the LoadBalancer Service an address.
    assert "no address yet" in lines[-2] and "gaia.sandbox.test" in lines[-2]
    # .test never resolves (RFC 6761): deploy says which record to make.
    assert "(it does not resolve yet: create an A record gaia.sandbox.test" in lines[-2]
    assert "get secret zeppelin-auth" in lines[-1]
    ingress = client.NetworkingV1Api(api).read_namespaced_ingress("zeppelin", "gaia")
    assert ingress.spec.ingress_class_name == "traefik"
    assert ingress.spec.rules[0].host == "gaia.sandbox.test"
    assert [(t.secret_name, t.hosts) for t in ingress.spec.tls] == [
        ("gaia-cert", ["gaia.sandbox.test"])]
    # The ingress controller deploy installed: the class, and a LoadBalancer in front of it.
    assert client.NetworkingV1Api(api).read_ingress_class("traefik").spec.controller \
        == "traefik.io/ingress-controller"
    assert core.read_namespaced_service("traefik", "traefik").spec.type == "LoadBalancer"


def test_web_with_acme_installs_cert_manager_and_an_issuer(
        platform: Platform, deployed: dict[str, Any], tmp_path: Path) -> None:
    from kubernetes import client

    path = _with_web(tmp_path, {"tls": {"acme": {
        "email": "ops@example.org", "chart": {"path": "charts/sandbox/cert-manager"}}}})
    report = as_json(platform("deploy", "--cloud", str(path), "--output", "json"))
    assert report["failed"] == []
    assert report["zeppelin"]["url"] == "https://gaia.sandbox.test/"
    api = _kube(platform)
    issuer = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "cert-manager.io", "v1", "gaia", "issuers", "zeppelin-acme")
    assert issuer["spec"]["acme"]["solvers"][0]["http01"]["ingress"]["ingressClassName"] \
        == "traefik"
    ingress = client.NetworkingV1Api(api).read_namespaced_ingress("zeppelin", "gaia")
    assert ingress.metadata.annotations["cert-manager.io/issuer"] == "zeppelin-acme"
    assert ingress.spec.tls[0].secret_name == "zeppelin-tls-acme"
    # Without web: the Ingress goes with the next upgrade (the add-ons stay).
    platform("deploy", "--cloud", "sandbox")
    names = [i.metadata.name for i in
             client.NetworkingV1Api(api).list_namespaced_ingress("gaia").items]
    assert "zeppelin" not in names


def test_an_unreachable_chart_repository_names_the_chart_and_the_field(
        platform: Platform, deployed: dict[str, Any], tmp_path: Path) -> None:
    # With cert-manager installed, plan compares its release with the chart the profile names,
    # so helm must fetch that chart; .invalid never resolves (RFC 6761): a repository as an
    # offline machine sees one.
    local = _with_web(tmp_path, {"tls": {"acme": {
        "email": "ops@example.org", "chart": {"path": "charts/sandbox/cert-manager"}}}})
    platform("deploy", "--cloud", str(local))
    path = _with_web(tmp_path / "remote", {"tls": {"acme": {"chart": {
        "repository": "https://charts.example.invalid", "name": "cert-manager",
        "version": "v1.21.1"}}}})
    try:
        result = platform("plan", "--cloud", str(path), check=False)
    finally:
        platform("deploy", "--cloud", "sandbox")
    text = " ".join(result.stderr.split())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "bug in gaia-platform" not in text
    assert ("could not fetch the chart cert-manager v1.21.1 from "
            "https://charts.example.invalid") in text
    assert "web.tls.acme.chart" in text and "helm pull cert-manager" in text


def test_pinning_a_v1_35_driver_changes_the_volumes_to_share_access_ids(
        platform: Platform, deployed: dict[str, Any], tmp_path: Path) -> None:
    import shutil

    import yaml

    chart = tmp_path / "openstack-manila-csi"
    shutil.copytree(REPO / "charts/sandbox/openstack-manila-csi", chart)
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta.update(version="2.35.0-sandbox", appVersion="v1.35.0")
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile["shares"] = str(REPO / "manila/shares.yaml")
    profile["cephfs"]["csi"]["manila_chart"] = {"path": str(chart)}
    path = tmp_path / "sandbox-v135.yaml"
    path.write_text(yaml.safe_dump(profile))
    plan = as_json(platform("plan", "--cloud", str(path), "--output", "json"))
    steps = {s["id"]: s for s in plan["steps"]}
    assert steps["csi.manila"]["action"] == "update"
    assert "openstack-manila-csi-2.35.0-sandbox" in str(steps["csi.manila"]["changes"])
    volume = steps["kube.pv/gaia-dr3"]
    assert volume["action"] == "update"
    before, after = volume["changes"]["csi.volumeAttributes"]
    assert "shareAccessID" in before and "shareAccessIDs" not in before
    assert "shareAccessIDs" in after and "shareAccessID" not in after
    assert after["shareAccessIDs"] == before["shareAccessID"]
