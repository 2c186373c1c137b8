"""Deploy a profile shaped like cambridge on the sandbox: three masters, data shares that
belong to someone else, no CSI driver in the cluster; and what a real cloud does to a deploy
(tight share quota, a create that stalls, a cluster made elsewhere)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests
import yaml

from gaia_platform.sandbox.cloudsfile import DATA_CLOUD_NAME, DATA_PROJECT_NAME
from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Logs, Platform, as_json

AUTH = "/identity/v3/auth/tokens"
CSI_DRIVER = "cephfs.manila.csi.openstack.org"
#: The sandbox's second project and its own clouds.yaml entry, as iris-gaia-data is on Arcus.
DATA_OWNER = {"project": DATA_PROJECT_NAME, "cloud": DATA_CLOUD_NAME,
              "clouds_yaml": "$GAIA_SANDBOX_DIR/clouds.yaml"}


def _write_profile(tmp_path: Path, name: str, shares: list[dict[str, Any]],
                   **cluster: Any) -> Path:
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump({"shares": shares}))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile.update(name=name, shares=str(tmp_path / "shares.yaml"))
    profile["kubernetes"] = {**profile.get("kubernetes", {}), "namespace": name}
    profile.pop("yarn", None)
    profile["cluster"].update(cluster)
    if profile["cluster"].get("provider") == "existing":
        profile["cluster"] = {k: v for k, v in profile["cluster"].items()
                              if k in ("provider", "kubeconfig", "context")}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def _own(name: str, size: int = 5) -> list[dict[str, Any]]:
    return [{"name": f"{name}-notebooks", "size_gb": size, "access": "rw",
             "mount_path": "/notebooks", "purpose": "notebooks"}]


def _wait(probe: Any, what: str, timeout: float = 60) -> Any:
    # Waits for the emulated Manila to finish a share or rule it was asked for.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout} s")


def _seed_data_share(sandbox: RunningSandbox, name: str) -> tuple[str, str]:
    """A data share with a <name>-ro cephx rule, made as the data team makes them
    (gaia-dmp create-ceph-share.sh): in the data project, with that project's credentials."""
    manila = sandbox.connect(DATA_CLOUD_NAME).shared_file_system
    share = manila.create_share(name=name, size=3, share_proto="CEPHFS",
                                share_type="cephfsnativetype")
    _wait(lambda: manila.get_share(share.id).status == "available", f"share {name}")
    rule = manila.create_access_rule(share.id, access_type="cephx", access_to=f"{name}-ro",
                                     access_level="ro")
    _wait(lambda: any(r.id == rule.id and r.state == "active"
                      for r in manila.access_rules(share.id)), f"rule on {name}")
    return share.id, rule.id


def _data_project_state(sandbox: RunningSandbox) -> dict[str, Any]:
    """Everything deploy could change in the data project, read with its own credentials:
    shares (with metadata and export locations), their access rules and keys, and the
    project user's application credentials."""
    conn = sandbox.connect(DATA_CLOUD_NAME)
    manila = conn.shared_file_system
    shares = {}
    for share in manila.shares(details=True):
        rules = sorted((r.id, r.access_to, r.access_level, r.state, r.access_key)
                       for r in manila.access_rules(share.id))
        locations = sorted(e.path for e in manila.export_locations(share.id))
        shares[share.id] = {"name": share.name, "size": share.size, "status": share.status,
                            "metadata": dict(share.metadata or {}),
                            "is_public": share.is_public, "rules": rules,
                            "export_locations": locations}
    credentials = sorted(c.id for c in conn.identity.application_credentials(
        user=conn.current_user_id))
    return {"shares": shares, "application_credentials": credentials}


def _data_project_calls(sandbox: RunningSandbox, logs: Logs,
                        mark: tuple[int, int]) -> list[dict[str, Any]]:
    project_id = sandbox.connect(DATA_CLOUD_NAME).current_project_id
    return [c for c in logs.openstack_since(mark) if c.get("project_id") == project_id]


def _delete_csi_driver(sandbox: RunningSandbox) -> None:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        client.StorageV1Api(sandbox.admin_api()).delete_csi_driver(CSI_DRIVER)
    except ApiException as exc:
        if exc.status != 404:
            raise


def _remove_csi(sandbox: RunningSandbox) -> None:
    """Put the shared control plane back as the next tests expect it: no CSI driver (the
    stand-in releases deploy installed, in their fixed namespaces, are uninstalled)."""
    from gaia_platform.kube.helm import Helm

    helm = Helm(Path(sandbox.status["kubernetes"]["admin_kubeconfig"]))
    for name, namespace in (("csi-manila", "openstack-system"),
                            ("csi-cephfs", "csi-ceph-system")):
        helm.uninstall(name, namespace)
    _delete_csi_driver(sandbox)


def test_cambridge_shaped_deploy_never_touches_the_data_project(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path, logs: Logs
) -> None:
    seeded = {name: _seed_data_share(sandbox, name)
              for name in ("camb-data-dr3", "camb-data-edr3")}
    # The deployment's own project cannot see them (Manila scopes shares by project): only
    # the data project's clouds.yaml entry finds them.
    own_names = {s.name for s in sandbox.connect().shared_file_system.shares()}
    assert not own_names & set(seeded)
    before = _data_project_state(sandbox)
    shares = _own("camb") + [
        {"name": name, "size_gb": 3, "access": "ro", "mount_path": f"/data/{name}",
         "purpose": "data", "owner": {**DATA_OWNER, "access_rule": f"{name}-ro"}}
        for name in seeded]
    profile = _write_profile(tmp_path, "camb", shares, master_count=3)
    data = yaml.safe_load(profile.read_text())
    data["cephfs"]["router"]["monitors_gateway"] = "10.4.200.1"
    # First as a profile that may not install the CSI driver: none is in the cluster (as on a
    # real Cluster API cluster; an earlier test may have installed the stand-in).
    csi = dict(data["cephfs"]["csi"])
    data["cephfs"]["csi"] = {**csi, "install": "never"}
    profile.write_text(yaml.safe_dump(data))
    _remove_csi(sandbox)

    start = logs.mark()
    plan = as_json(platform("plan", "--cloud", str(profile), "--output", "json"))
    assert not [n for n in plan["notes"] if n.startswith("warning:")]
    checks = {s["id"]: s for s in plan["steps"] if s["kind"] == "manila.external"}
    assert set(checks) == {f"manila.access/{name}" for name in seeded}
    # Read through the owner's entry: found, with the rule deploy will mount with.
    assert all(s["action"] == "check" and s["reason"].startswith("available")
               and f"in project {DATA_PROJECT_NAME}" in s["reason"]
               for s in checks.values()), checks

    mark = logs.mark()
    failed = platform("deploy", "--cloud", str(profile), check=False)
    output = failed.stdout + failed.stderr
    # Three masters: the template asked for the API load balancer Magnum requires.
    magnum = sandbox.connect().container_infrastructure_management
    template = magnum.find_cluster_template("gaia-camb-template")
    assert template.is_master_lb_enabled is True
    assert magnum.find_cluster("gaia-camb").master_count == 3
    # No CSI driver in the cluster: deploy stops there, saying what to install.
    assert failed.returncode != 0 and "Traceback" not in output
    assert f"no CSI driver {CSI_DRIVER}" in output
    # The CephFS router routes the monitors' range itself (gaia-dmp cephfs-router.sh).
    router = sandbox.connect().network.find_router("gaia-camb-cephfs-router")
    assert {"destination": "10.4.200.0/24", "nexthop": "10.4.200.1"} in router.routes

    calls = logs.openstack_since(mark)
    for share_id, rule_id in seeded.values():
        touched = [c for c in calls if c["mutating"] and c["path"] != AUTH
                   and (share_id in c["path"] or rule_id in c["path"])]
        assert touched == [], touched
    assert _data_project_state(sandbox) == before
    # The deployment's shares went to its own project; none was made in the data project.
    own_names = {s.name for s in sandbox.connect().shared_file_system.shares()}
    assert "camb-notebooks" in own_names and not own_names & set(seeded)

    # Allowed to install the CSI driver, deploy does, and mounts the data shares with their
    # owner's rule.
    data["cephfs"]["csi"] = csi
    profile.write_text(yaml.safe_dump(data))
    platform("deploy", "--cloud", str(profile))
    from kubernetes import client

    secret_name = f"manila-csi-credentials-{DATA_CLOUD_NAME}"
    core = client.CoreV1Api(sandbox.admin_api())
    for name, (share_id, rule_id) in seeded.items():
        pv = core.read_persistent_volume(f"gaia-camb-{name}")
        attributes = pv.spec.csi.volume_attributes
        assert (attributes["shareID"], attributes["shareAccessID"]) == (share_id, rule_id)
        assert pv.spec.csi.node_stage_secret_ref.name == secret_name
        claim = core.read_namespaced_persistent_volume_claim(name, "camb")
        assert claim.status.phase == "Bound"
    # The owner's Secret passes on the data entry's own application credential: none was
    # made in that project.
    secret = core.read_namespaced_secret(secret_name, "camb")
    entry_credential = sandbox.connect(DATA_CLOUD_NAME).config.auth["application_credential_id"]
    assert secret.metadata.annotations["gaia-platform.application-credential-id"] == \
        entry_credential
    assert _data_project_state(sandbox) == before
    # delete keeps them, and their owner's rules, exactly as they were.
    platform("delete", "--cloud", str(profile), "--delete-data", "--yes")
    _remove_csi(sandbox)
    assert _data_project_state(sandbox) == before
    # Everything the data project's credentials did, from plan to delete, was reading (and
    # asking for tokens).
    made_there = [(c["method"], c["path"]) for c in _data_project_calls(sandbox, logs, start)
                  if c["mutating"] and c["path"] != AUTH]
    assert made_there == []
    assert _data_project_calls(sandbox, logs, start), "deploy never used the data entry"


def _left_gb(sandbox: RunningSandbox) -> int:
    from gaia_platform.cloud.manila import Manila

    limits = Manila(sandbox.connect()).absolute_limits()
    return limits["maxTotalShareGigabytes"] - limits["totalShareGigabytesUsed"]


def test_share_quota_counts_only_the_shares_still_to_make(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path, logs: Logs
) -> None:
    manila = sandbox.connect().shared_file_system
    left = _left_gb(sandbox)
    half = left // 2
    made = manila.create_share(name="quota-made", size=half, share_proto="CEPHFS",
                               share_type="cephfsnativetype")
    _wait(lambda: manila.get_share(made.id).status == "available", "share quota-made")
    try:
        rest = left - half
        shares = [*_own("quota"), {"name": "quota-made", "size_gb": half, "access": "rw",
                                   "mount_path": "/user", "purpose": "user"}]
        shares[0]["size_gb"] = rest + 1
        profile = _write_profile(tmp_path, "quota", shares)
        mark = logs.mark()
        result = platform("deploy", "--cloud", str(profile), check=False)
        assert result.returncode == 2, result.stderr
        # Only the missing share counts, not the one already there.
        said = " ".join(result.stderr.split())
        assert f"share quota: the shares still to make need {rest + 1} GB, {rest} left of" \
            in said, said
        assert [c for c in logs.openstack_since(mark)
                if c["mutating"] and c["path"] != AUTH] == []
        # Exactly what is left fits: preflight passes (plan shows it ok).
        shares[0]["size_gb"] = rest
        profile = _write_profile(tmp_path, "quota", shares)
        plan = as_json(platform("plan", "--cloud", str(profile), "--output", "json"))
        preflight = next(s for s in plan["steps"] if s["id"] == "preflight")
        assert preflight["reason"] == "flavors, image properties, keypair, networks, share " \
            "type, quotas, load-balancer service (Octavia) ok", preflight["reason"]
    finally:
        manila.delete_share(made.id)


def test_a_stalled_create_is_reported_and_a_rerun_resumes_the_wait(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    profile = _write_profile(tmp_path, "stall", _own("stall"), stall_minutes=0.05)
    url = sandbox.status["openstack"]["url"]
    before = requests.get(f"{url}/_sandbox/config", timeout=5).json()["time_scale"]
    # A slow cloud: the create takes minutes and shows no change meanwhile, as a stuck
    # Cluster API create does.
    requests.post(f"{url}/_sandbox/config", json={"time_scale": 0.5},
                  timeout=5).raise_for_status()
    try:
        first = platform("deploy", "--cloud", str(profile), check=False)
        output = first.stdout + first.stderr
        assert first.returncode != 0 and "Traceback" not in output
        assert "has made no progress" in output and "CREATE_IN_PROGRESS" in output
        assert "nodegroups:" in output and "not finished:" in output
        again = platform("deploy", "--cloud", str(profile), check=False)
        assert "resuming a wait begun" in again.stdout + again.stderr
    finally:
        requests.post(f"{url}/_sandbox/config", json={"time_scale": before},
                      timeout=5).raise_for_status()
        platform("delete", "--cloud", str(profile), "--delete-data", "--yes", check=False)


def test_an_existing_cluster_is_used_through_its_kubeconfig(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path, logs: Logs
) -> None:
    # Someone else's cluster (made through the emulated Magnum directly, so that the sandbox's
    # kwok nodes exist to run pods); deploy only gets the sandbox's admin kubeconfig.
    magnum = sandbox.connect().container_infrastructure_management
    template = magnum.create_cluster_template(
        name="elsewhere-template", coe="kubernetes", image_id="ubuntu-jammy-kube-v1.34.4",
        external_network_id="public", keypair_id="gaia-sandbox", flavor_id="gaia.vm.8vcpu",
        master_flavor_id="gaia.vm.2vcpu", network_driver="calico")
    made = magnum.create_cluster(name="elsewhere", cluster_template_id=template.id,
                                 master_count=1, node_count=2, keypair="gaia-sandbox")
    _wait(lambda: magnum.get_cluster(made.id).status == "CREATE_COMPLETE", "cluster elsewhere",
          timeout=120)
    kubeconfig = sandbox.status["kubernetes"]["admin_kubeconfig"]
    profile = _write_profile(tmp_path, "made-elsewhere", _own("elsewhere"),
                             provider="existing", kubeconfig=kubeconfig)
    mark = logs.mark()
    platform("deploy", "--cloud", str(profile))
    calls = logs.openstack_since(mark)
    # No network and no Magnum: the cluster is not this tool's.
    assert not [c for c in calls if c["mutating"] and (
        c["path"].startswith("/container-infra") or c["path"].startswith("/network"))]
    status = as_json(platform("status", "--cloud", str(profile), "--output", "json"))
    assert status["cluster"] is None and status["kubernetes_reachable"] is True
    assert status["shares"][0]["pvc_phase"] == "Bound"
    from kubernetes import client

    claim = client.CoreV1Api(sandbox.admin_api()).read_namespaced_persistent_volume_claim(
        "elsewhere-notebooks", "made-elsewhere")
    assert claim.status.phase == "Bound"
    deleted = as_json(platform("delete", "--cloud", str(profile), "--delete-data", "--yes",
                               "--output", "json"))
    # The cluster is not this tool's: it stays, what deploy put in it goes.
    assert magnum.get_cluster(made.id).status == "CREATE_COMPLETE"
    assert "namespace made-elsewhere" in deleted["removed"]
    magnum.delete_cluster(made.id)
    _remove_csi(sandbox)


def test_preflight_checks_what_the_cluster_api_driver_needs_from_the_image(
    platform: Platform, tmp_path: Path
) -> None:
    # Fedora-30-1.2 (seeded like the old Heat driver's images): os_distro fedora-atomic, no
    # kube_version, so Magnum's Cluster API driver cannot build from it.
    profile = _write_profile(tmp_path, "props", _own("props"), image="Fedora-30-1.2")
    plan = as_json(platform("plan", "--cloud", str(profile), "--output", "json"))
    preflight = next(s for s in plan["steps"] if s["id"] == "preflight")["reason"]
    assert preflight.startswith("FAILED")
    assert "os_distro 'fedora-atomic'" in preflight and "no kube_version property" in preflight
    profile = _write_profile(tmp_path, "props", _own("props"), kubernetes_version="v1.30.2")
    plan = as_json(platform("plan", "--cloud", str(profile), "--output", "json"))
    steps = {s["id"]: s["reason"] for s in plan["steps"]}
    assert "the profile says v1.30.2 but image 'ubuntu-jammy-kube-v1.34.4' gives v1.34.4" \
        in steps["preflight"]
    assert "Kubernetes v1.34.4 from image ubuntu-jammy-kube-v1.34.4" in steps["magnum.template"]


def test_a_missing_data_share_of_another_project_stops_deploy_before_any_change(
    platform: Platform, tmp_path: Path, logs: Logs
) -> None:
    owner = {**DATA_OWNER, "access_rule": "nowhere-ro"}
    shares = [*_own("gone"), {"name": "gone-data", "size_gb": 3, "access": "ro",
                              "mount_path": "/data/gone", "purpose": "data", "owner": owner}]
    profile = _write_profile(tmp_path, "gone", shares)
    mark = logs.mark()
    result = platform("deploy", "--cloud", str(profile), check=False)
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1 and "Traceback" not in said
    assert f"project {DATA_PROJECT_NAME} has no share 'gone-data'" in said
    assert "Nothing was changed in that project" in said
    assert [c for c in logs.openstack_since(mark) if c["mutating"] and c["path"] != AUTH] == []


def test_an_owner_entry_for_the_wrong_project_is_refused(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    # The deployment's own entry named as the data project's: its token is for project gaia,
    # and a share of the same name there must not pass for the data project's.
    manila = sandbox.connect().shared_file_system
    made = manila.create_share(name="lookalike-data", size=1, share_proto="CEPHFS",
                               share_type="cephfsnativetype")
    owner = {**DATA_OWNER, "cloud": "gaia-sandbox", "access_rule": "lookalike-data-ro"}
    shares = [*_own("lookalike"), {"name": "lookalike-data", "size_gb": 1, "access": "ro",
                                   "mount_path": "/data/x", "purpose": "data", "owner": owner}]
    profile = _write_profile(tmp_path, "lookalike", shares)
    try:
        plan = as_json(platform("plan", "--cloud", str(profile), "--output", "json"))
    finally:
        _wait(lambda: manila.get_share(made.id).status == "available", "share lookalike-data")
        manila.delete_share(made.id)
    check = next(s for s in plan["steps"] if s["id"] == "manila.access/lookalike-data")
    assert check["reason"] == (f"FAILED: clouds.yaml entry 'gaia-sandbox' is for project gaia, "
                               f"not {DATA_PROJECT_NAME}; give owner.cloud an entry for "
                               f"{DATA_PROJECT_NAME}")


def test_compute_quota_counts_every_node_the_cluster_may_need(
    platform: Platform, tmp_path: Path
) -> None:
    # 40 workers of 8 vCPUs cannot fit the sandbox's 160 cores.
    profile = _write_profile(tmp_path, "big", _own("big"), worker_count=2,
                             autoscaling={"min_nodes": 1, "max_nodes": 40})
    plan = as_json(platform("plan", "--cloud", str(profile), "--output", "json"))
    preflight = next(s for s in plan["steps"] if s["id"] == "preflight")["reason"]
    assert "compute quota: the cluster may need 322 cores" in preflight, preflight


def test_a_data_project_without_credentials_is_named_in_the_plan(
    platform: Platform, tmp_path: Path
) -> None:
    owner = {"project": "iris-gaia-data", "cloud": "iris-gaia-data",
             "access_rule": "aglais-data-gaia-dr3-2048-20221107-ro"}
    shares = [*_own("nocred"), {"name": "aglais-data-gaia-dr3-2048-20221107", "size_gb": 8192,
                                "access": "ro", "mount_path": "/data/gaia/GDR3",
                                "purpose": "data", "owner": owner}]
    profile = _write_profile(tmp_path, "nocred", shares)
    result = platform("plan", "--cloud", str(profile), "--output", "json")
    steps = {s["id"]: s for s in as_json(result)["steps"]}
    check = steps["manila.access/aglais-data-gaia-dr3-2048-20221107"]["reason"]
    assert check.startswith("FAILED: no credentials for project iris-gaia-data")
    assert "clouds.yaml entry named 'iris-gaia-data'" in check
