"""A share added to the catalogue: deploy creates it and Helm upgrades the mounts."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Platform, as_json


def _write(tmp_path: Path, shares: list[dict[str, object]]) -> Path:
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump({"shares": shares}))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile.update(name="grow", shares=str(tmp_path / "shares.yaml"))
    profile["kubernetes"] = {**profile["kubernetes"], "namespace": "grow"}
    path = tmp_path / "grow.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def test_added_share_is_created_and_mounted_by_a_helm_upgrade(
    platform: Platform, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    from kubernetes import client, config

    shares: list[dict[str, object]] = [
        {"name": "grow-notebooks", "size_gb": 5, "access": "rw", "mount_path": "/notebooks",
         "purpose": "notebooks"},
        {"name": "grow-dr2", "size_gb": 10, "access": "ro", "mount_path": "/data/gaia/GDR2",
         "purpose": "data"},
    ]
    profile = str(_write(tmp_path, shares))
    try:
        platform("deploy", "--cloud", profile)
        kubeconfig = platform("kubeconfig", "--cloud", profile).stdout.strip()
        core = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
        spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", "grow")
        assert "/data/gaia/GDR2" in str(spec.data)
        assert "/data/gaia/GDR3" not in str(spec.data)

        shares.append({"name": "grow-dr3", "size_gb": 20, "access": "ro",
                       "mount_path": "/data/gaia/GDR3", "purpose": "data"})
        _write(tmp_path, shares)
        plan = as_json(platform("plan", "--cloud", profile, "--output", "json"))
        changes = {s["id"]: s["action"] for s in plan["steps"]
                   if s["action"] in ("create", "update")}
        assert changes["manila.share/grow-dr3"] == "create"
        assert changes["helm.release/zeppelin"] == "update"
        platform("deploy", "--cloud", profile)

        status = as_json(platform("status", "--cloud", profile, "--output", "json"))
        added = next(s for s in status["shares"] if s["name"] == "grow-dr3")
        assert (added["status"], added["pvc_phase"]) == ("available", "Bound")
        assert {r["name"]: r["revision"] for r in status["releases"]}["zeppelin"] == 2
        spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", "grow")
        assert "/data/gaia/GDR3" in str(spec.data)
    finally:
        platform("delete", "--cloud", profile, "--delete-data", "--yes")
