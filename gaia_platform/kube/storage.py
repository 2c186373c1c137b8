"""The Kubernetes objects a share becomes: a static PersistentVolume for the Manila CSI driver
and the claim bound to it. Built as plain dicts (the API's own JSON) so they can be compared
with what the cluster reports and validated against the Kubernetes schema."""

from __future__ import annotations

from typing import Any

from ..desired import CSI_DRIVER, OWNER_KEY, SharePlan


def persistent_volume(share: SharePlan, *, deployment: str, namespace: str, share_id: str,
                      access_id: str, secret: str) -> dict[str, Any]:
    read_only = share.share.access == "ro"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": share.pv_name,
            "labels": {OWNER_KEY: deployment, "gaia-platform.share": share.name,
                       "gaia-platform.purpose": share.share.purpose},
        },
        "spec": {
            "capacity": {"storage": f"{share.share.size_gb}Gi"},
            "accessModes": ["ReadOnlyMany" if read_only else "ReadWriteMany"],
            # Data is sacred: deleting the PV or claim never touches the share.
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "volumeMode": "Filesystem",
            # Pre-bound, so no other claim can take this share's volume.
            "claimRef": {"namespace": namespace, "name": share.pvc_name},
            "csi": {
                "driver": CSI_DRIVER,
                "volumeHandle": share_id,
                "readOnly": read_only,
                "volumeAttributes": {"shareID": share_id, "shareAccessID": access_id},
                "nodeStageSecretRef": {"name": secret, "namespace": namespace},
                "nodePublishSecretRef": {"name": secret, "namespace": namespace},
            },
        },
    }


def persistent_volume_claim(share: SharePlan, *, deployment: str,
                            namespace: str) -> dict[str, Any]:
    read_only = share.share.access == "ro"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": share.pvc_name,
            "namespace": namespace,
            "labels": {OWNER_KEY: deployment, "gaia-platform.share": share.name,
                       "gaia-platform.purpose": share.share.purpose},
            "annotations": {"gaia-platform.mount-path": share.share.mount_path},
        },
        "spec": {
            "accessModes": ["ReadOnlyMany" if read_only else "ReadWriteMany"],
            "storageClassName": "",
            "volumeName": share.pv_name,
            "volumeMode": "Filesystem",
            "resources": {"requests": {"storage": f"{share.share.size_gb}Gi"}},
        },
    }


def pv_differences(wanted: dict[str, Any], actual: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields of a PV spec that matter and differ (the API adds defaults to the rest)."""
    changes: dict[str, list[Any]] = {}
    want, have = wanted["spec"], actual.get("spec") or {}
    # The API canonicalises quantities (1024Gi comes back as 1Ti).
    have_size = quantity_bytes((have.get("capacity") or {}).get("storage", "0"))
    if have_size != quantity_bytes(want["capacity"]["storage"]):
        changes["capacity"] = [have.get("capacity"), want["capacity"]]
    for key in ("accessModes", "persistentVolumeReclaimPolicy"):
        if have.get(key) != want[key]:
            changes[key] = [have.get(key), want[key]]
    have_csi = have.get("csi") or {}
    for key in ("driver", "volumeHandle", "volumeAttributes"):
        if have_csi.get(key) != want["csi"][key]:
            changes[f"csi.{key}"] = [have_csi.get(key), want["csi"][key]]
    # The API leaves out readOnly when it is false.
    if bool(have_csi.get("readOnly", False)) != want["csi"]["readOnly"]:
        changes["csi.readOnly"] = [bool(have_csi.get("readOnly", False)), want["csi"]["readOnly"]]
    return changes


_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def quantity_bytes(quantity: str) -> int:
    """A Kubernetes storage quantity ("512Gi", "1Ti", "5G", "100") in bytes."""
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * _SUFFIXES[suffix])
    return int(float(quantity))
