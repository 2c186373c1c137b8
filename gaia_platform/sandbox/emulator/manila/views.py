"""Response bodies per microversion, after Manila's view builders (manila/api/views/*.py).

Every field that a microversion adds or removes is gated here, so the stored records can
always hold the newest shape.
"""

from __future__ import annotations

from typing import Any

from . import sharetypes
from .versions import Version

Record = dict[str, Any]


def links(service_url: str, project_id: str, collection: str, ident: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{service_url}/v2/{project_id}/{collection}/{ident}"},
        {"rel": "bookmark", "href": f"{service_url}/{project_id}/{collection}/{ident}"},
    ]


def share_summary(share: Record, service_url: str) -> Record:
    return {"id": share["id"], "name": share["name"],
            "links": links(service_url, share["project_id"], "shares", share["id"])}


def share_detail(share: Record, version: Version, service_url: str, rules_status: str) -> Record:
    """views/shares.py ViewBuilder.detail and its versioned modifiers (non-admin caller)."""
    paths = [el["path"] for el in share["_export_locations"]]
    body: Record = {
        "id": share["id"],
        "size": share["size"],
        "availability_zone": share["availability_zone"],
        "created_at": share["created_at"],
        "status": share["status"],
        "name": share["name"],
        "description": share["description"],
        "project_id": share["project_id"],
        "snapshot_id": share["snapshot_id"],
        "share_network_id": share["share_network_id"],
        "share_proto": share["share_proto"],
        "metadata": dict(share["metadata"]),
        "share_type": share["share_type_name"],
        "volume_type": share["share_type_name"],
        "links": links(service_url, share["project_id"], "shares", share["id"]),
        "is_public": share["is_public"],
    }
    if version < (2, 9):  # export locations moved to their own API in 2.9
        body["export_location"] = paths[0] if paths else None
        body["export_locations"] = paths
    if version >= (2, 2):
        body["snapshot_support"] = share["snapshot_support"]
    if version >= (2, 5):
        body["task_state"] = share["task_state"]
    if version >= (2, 6):
        body["share_type"] = share["share_type"]
        body["share_type_name"] = share["share_type_name"]
    if version >= (2, 10):
        # 2.10-2.27 called the transitional status "out_of_sync".
        syncing = "out_of_sync" if version < (2, 28) else "syncing"
        body["access_rules_status"] = syncing if rules_status == "syncing" else rules_status
    if version >= (2, 11):
        body["replication_type"] = share["replication_type"]
        body["has_replicas"] = share["has_replicas"]
    if version >= (2, 16):
        body["user_id"] = share["user_id"]
    if version >= (2, 24):
        body["create_share_from_snapshot_support"] = share["create_share_from_snapshot_support"]
    if version >= (2, 27):
        body["revert_to_snapshot_support"] = share["revert_to_snapshot_support"]
    if version >= (2, 31):
        body["share_group_id"] = share["share_group_id"]
        body["source_share_group_snapshot_member_id"] = share[
            "source_share_group_snapshot_member_id"]
    if version >= (2, 32):
        body["mount_snapshot_support"] = share["mount_snapshot_support"]
    if version >= (2, 54):
        body["progress"] = share["progress"]
    if version >= (2, 69):
        body["is_soft_deleted"] = share["is_soft_deleted"]
        body["scheduled_to_be_deleted_at"] = share["scheduled_to_be_deleted_at"]
    if version >= (2, 80):
        body["source_backup_id"] = share["source_backup_id"]
    return body


def access_rule(rule: Record, version: Version, rules_status: str, detail: bool) -> Record:
    """views/share_accesses.py: view (detail, with share_id) or summary_view."""
    body: Record = {"id": rule["id"]}
    if detail:
        body["share_id"] = rule["share_id"]
    body.update({"access_level": rule["access_level"], "access_to": rule["access_to"],
                 "access_type": rule["access_type"], "state": rule["state"]})
    if version >= (2, 21):
        body["access_key"] = rule["access_key"]
    if version < (2, 28):
        # Before 2.28 a rule showed its share's access_rules_status ("new" while syncing).
        body["state"] = "new" if rules_status == "syncing" else rules_status
    if version >= (2, 33):
        body["created_at"] = rule["created_at"]
        body["updated_at"] = rule["updated_at"]
    if version >= (2, 45):
        body["metadata"] = dict(rule["metadata"])
    return body


def export_location(location: Record, version: Version, detail: bool) -> Record:
    """views/export_locations.py for a non-admin: no share_instance_id / is_admin_only."""
    body: Record = {"id": location["id"], "path": location["path"]}
    if version >= (2, 14):
        body["preferred"] = location["preferred"]
    if version >= (2, 87):
        body["metadata"] = dict(location["metadata"])
    if detail:
        body["created_at"] = location["created_at"]
        body["updated_at"] = location["updated_at"]
    return body


def share_type(stype: Record, version: Version, default_name: str) -> Record:
    """views/types.py show(): tenant-visible extra specs only (the caller is no admin)."""
    specs = {k: v for k, v in stype["extra_specs"].items() if k in sharetypes.TENANT_VISIBLE}
    body: Record = {"id": stype["id"], "name": stype["name"], "extra_specs": specs,
                    "required_extra_specs": {
                        "driver_handles_share_servers":
                            stype["extra_specs"]["driver_handles_share_servers"]}}
    if version >= (2, 7):
        body["share_type_access:is_public"] = stype["is_public"]
    else:
        body["os-share-type-access:is_public"] = stype["is_public"]
    if version >= (2, 24):
        for key, value in sharetypes.INFERRED_OPTIONAL.items():
            specs.setdefault(key, value)
    if version >= (2, 41):
        body["description"] = stype["description"]
    if version >= (2, 46):
        body["is_default"] = stype["name"] == default_name
    return body


# views/quota_sets.py: the keys each microversion shows.
_QUOTA_KEYS: list[tuple[Version, tuple[str, ...]]] = [
    ((2, 0), ("shares", "gigabytes", "snapshots", "snapshot_gigabytes", "share_networks")),
    ((2, 40), ("share_groups", "share_group_snapshots")),
    ((2, 53), ("share_replicas", "replica_gigabytes")),
    ((2, 62), ("per_share_gigabytes",)),
    ((2, 80), ("backups", "backup_gigabytes")),
]


def quota_set(project_id: str, limits: dict[str, int], used: dict[str, dict[str, int]] | None,
              version: Version) -> Record:
    body: Record = {"id": project_id}
    for since, keys in _QUOTA_KEYS:
        if version >= since:
            for key in keys:
                body[key] = limits[key] if used is None else {
                    "in_use": used[key]["in_use"], "limit": limits[key],
                    "reserved": used[key]["reserved"]}
    return body


# views/limits.py: quota resource -> (max name, used name), with the version adding them.
_LIMIT_NAMES: list[tuple[Version, str, str, str]] = [
    ((2, 0), "gigabytes", "maxTotalShareGigabytes", "totalShareGigabytesUsed"),
    ((2, 0), "snapshot_gigabytes", "maxTotalSnapshotGigabytes", "totalSnapshotGigabytesUsed"),
    ((2, 0), "shares", "maxTotalShares", "totalSharesUsed"),
    ((2, 0), "snapshots", "maxTotalShareSnapshots", "totalShareSnapshotsUsed"),
    ((2, 0), "share_networks", "maxTotalShareNetworks", "totalShareNetworksUsed"),
    ((2, 53), "share_replicas", "maxTotalShareReplicas", "totalShareReplicasUsed"),
    ((2, 53), "replica_gigabytes", "maxTotalReplicaGigabytes", "totalReplicaGigabytesUsed"),
    ((2, 58), "share_groups", "maxTotalShareGroups", "totalShareGroupsUsed"),
    ((2, 58), "share_group_snapshots", "maxTotalShareGroupSnapshots",
     "totalShareGroupSnapshotsUsed"),
    ((2, 80), "backups", "maxTotalShareBackups", "totalShareBackupsUsed"),
    ((2, 80), "backup_gigabytes", "maxTotalBackupGigabytes", "totalBackupGigabytesUsed"),
]


def limits_view(limits: dict[str, int], used: dict[str, dict[str, int]],
                version: Version) -> Record:
    absolute: dict[str, int] = {}
    for since, resource, max_name, used_name in _LIMIT_NAMES:
        if version >= since:
            absolute[max_name] = limits[resource]
            absolute[used_name] = used[resource]["in_use"]
    return {"limits": {"rate": [], "absolute": absolute}}

