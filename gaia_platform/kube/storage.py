"""The Kubernetes objects a share becomes: a static PersistentVolume for the Manila CSI driver
and the claim bound to it. Built as plain dicts (the API's own JSON) so they can be compared
with what the cluster reports and validated against the Kubernetes schema."""

from __future__ import annotations

from typing import Any

from ..desired import CSI_DRIVER, OWNER_KEY, SharePlan


def volume_attributes(share_id: str, access_id: str,
                      driver_version: tuple[int, int] | None) -> dict[str, str]:
    """The static PV's volumeAttributes, exactly as the Manila CSI driver version reads them
    (cloud-provider-openstack pkg/csi/manila/options/shareoptions.go, NodeVolumeContext):

    - v1.34.1 (lines 44-46): ``shareID`` (or shareName) and ``shareAccessID``, required.
    - v1.35.0 (lines 44-47): ``shareAccessIDs`` (a comma list) or the old ``shareAccessID``
      kept "for backwards compatibility"; exactly one of them.
    - ``cephfs-mounter`` defaults to fuse (v1.34.1 line 50, v1.35.0 line 51); kernel is set
      because fuse mounts die when the node plugin pod restarts (the gaia-dmp Arcus
      StorageClass sets kernel too).

    ``None`` (a driver installed outside deploy, version unknown) gets ``shareAccessID``,
    which every version accepts. Unknown keys would be ignored, so nothing else is sent.
    """
    attributes = {"shareID": share_id, "cephfs-mounter": "kernel"}
    if driver_version is not None and driver_version >= (1, 35):
        attributes["shareAccessIDs"] = access_id
    else:
        attributes["shareAccessID"] = access_id
    return attributes


def persistent_volume(share: SharePlan, *, deployment: str, namespace: str, share_id: str,
                      access_id: str, secret: str,
                      driver_version: tuple[int, int] | None = None) -> dict[str, Any]:
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
                "volumeAttributes": volume_attributes(share_id, access_id, driver_version),
                # NodeStage (ceph-csi's mount) and NodePublish both read the share with it.
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
