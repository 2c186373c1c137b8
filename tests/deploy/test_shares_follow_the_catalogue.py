"""The catalogue is the source of truth for changes: a share renamed (or removed) loses this
deployment's claim, volume and access rule, never the share; a share grown is extended with
its volume in place while a pod uses the claim; and --delete-data refuses while another
deployment still has access to a share."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import requests
import yaml
from kubernetes import client as k8s
from kubernetes import config

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Platform, as_json

NAME = "cat"


def _write(tmp_path: Path, shares: list[dict[str, Any]]) -> str:
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump({"shares": shares}))
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile.update(name=NAME, shares=str(tmp_path / "shares.yaml"))
    profile["kubernetes"] = {"namespace": NAME}
    path = tmp_path / f"{NAME}.yaml"
    path.write_text(yaml.safe_dump(profile))
    return str(path)


def _pod_using(core: k8s.CoreV1Api, claim: str) -> str:
    """A pod (meeting the restricted Pod Security Standard) that keeps the claim in use."""
    name = f"reader-{uuid.uuid4().hex[:6]}"
    core.create_namespaced_pod(NAME, {
        "metadata": {"name": name},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "image": "busybox", "volumeMounts": [
                {"name": "data", "mountPath": "/data", "readOnly": True}],
                "securityContext": {"allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"]}}}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim,
                                                                  "readOnly": True}}]}})
    return name


def test_rename_grow_and_shared_delete(platform: Platform, sandbox: RunningSandbox,
                                       tmp_path: Path) -> None:
    shares: list[dict[str, Any]] = [
        {"name": f"{NAME}-notebooks", "size_gb": 5, "access": "rw",
         "mount_path": "/notebooks", "purpose": "notebooks"},
        {"name": f"{NAME}-dr2", "size_gb": 10, "access": "ro",
         "mount_path": "/data/gaia/GDR2", "purpose": "data"},
        {"name": f"{NAME}-dr3", "size_gb": 10, "access": "ro",
         "mount_path": "/data/gaia/GDR3", "purpose": "data"},
    ]
    profile = _write(tmp_path, shares)
    manila = sandbox.connect().shared_file_system
    try:
        platform("deploy", "--cloud", profile)
        kubeconfig = platform("kubeconfig", "--cloud", profile).stdout.strip()
        core = k8s.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
        _pod_using(core, f"{NAME}-dr2")
        claim_uid = core.read_namespaced_persistent_volume_claim(f"{NAME}-dr2", NAME
                                                                 ).metadata.uid
        old = next(s for s in manila.shares(details=True) if s.name == f"{NAME}-dr3")

        # dr3 renamed to dr3b; dr2 grown to 15 GB; the notebooks shrunk (ignored).
        shares[2]["name"] = f"{NAME}-dr3b"
        shares[1]["size_gb"] = 15
        shares[0]["size_gb"] = 3
        _write(tmp_path, shares)
        plan = as_json(platform("plan", "--cloud", profile, "--output", "json"))
        actions = {s["id"]: s for s in plan["steps"]}
        removal = actions["kube.removed-shares"]
        assert removal["action"] == "delete"
        assert f"{NAME}-dr3" in removal["changes"] and "share kept" in str(removal["changes"])
        assert actions[f"manila.share/{NAME}-dr2"]["action"] == "update"
        assert actions[f"kube.pv/{NAME}-dr2"]["action"] == "update"
        assert "in place" in actions[f"kube.pv/{NAME}-dr2"]["reason"]
        assert actions[f"manila.share/{NAME}-notebooks"]["action"] == "no-op"
        assert actions[f"kube.pv/{NAME}-notebooks"]["action"] == "no-op"
        assert not [s for s in plan["steps"] if s["kind"] == "manila.share"
                    and s["action"] == "delete"]

        platform("deploy", "--cloud", profile)
        # The renamed share is still there, without this deployment's access or volume.
        kept = manila.get_share(old.id)
        assert kept.status == "available"
        assert not list(manila.access_rules(old.id))
        names = {pv.metadata.name for pv in core.list_persistent_volume().items}
        assert f"gaia-{NAME}-{NAME}-dr3" not in names
        assert f"gaia-{NAME}-{NAME}-dr3b" in names
        # The grown share and its volume, extended under the running pod.
        grown = next(s for s in manila.shares(details=True) if s.name == f"{NAME}-dr2")
        assert grown.size == 15
        pv = core.read_persistent_volume(f"gaia-{NAME}-{NAME}-dr2")
        assert pv.spec.capacity["storage"] == "15Gi"
        claim = core.read_namespaced_persistent_volume_claim(f"{NAME}-dr2", NAME)
        assert (claim.metadata.uid, claim.status.phase) == (claim_uid, "Bound")
        assert as_json(platform("deploy", "--cloud", profile, "--output", "json")
                       )["changed"] == []

        # Another deployment (here: this profile's Yarn fallback) mounts dr2: no data delete.
        rule = manila.create_access_rule(grown.id, access_type="cephx",
                                         access_to=f"gaia-{NAME}-yarn-{NAME}-dr2",
                                         access_level="ro")
        refused = platform("delete", "--cloud", profile, "--delete-data", "--yes",
                           check=False)
        assert refused.returncode == 1
        text = " ".join((refused.stdout + refused.stderr).split())
        assert f"share {NAME}-dr2" in text and f"gaia-{NAME}-yarn-{NAME}-dr2" in text
        assert "Yarn fallback" in text and "Traceback" not in text
        assert as_json(platform("status", "--cloud", profile, "--output", "json")
                       )["cluster"] is not None
        manila.delete_access_rule(rule.id, grown.id)

        # A router delete answered 503 once is retried; delete finishes.
        url = f"{sandbox.status['openstack']['url']}/_sandbox/faults"
        requests.post(url, json={"method": "DELETE", "path": "/network/v2.0/routers/[^/]+$",
                                 "status": 503, "times": 1}, timeout=5).raise_for_status()
        deleted = platform("delete", "--cloud", profile, "--delete-data", "--yes")
        assert "retrying" in deleted.stderr and "Traceback" not in deleted.stderr
        assert not [r for r in sandbox.connect().network.routers()
                    if r.name.startswith(f"gaia-{NAME}-")]
    finally:
        platform("delete", "--cloud", profile, "--delete-data", "--yes", check=False)
        for share in manila.shares(details=True):
            if share.name == f"{NAME}-dr3":
                manila.delete_share(share.id)
