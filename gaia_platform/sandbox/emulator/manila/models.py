"""Manila's state: share types, shares (with their export locations and metadata), quotas.

Share states and preconditions follow manila/share/api.py and the api-ref "Shares" and
"Share actions" pages (https://docs.openstack.org/api-ref/shared-file-system/): creating ->
available | error, extending -> available | extending_error, shrinking -> available,
deleting -> gone | error_deleting. Access rules live in access.py.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import iso, new_id
from . import messages, quotas, sharetypes, steps
from .access import AccessRules
from .errors import NOT_FOUND
from .metadata import check_metadata
from .versions import Version

if TYPE_CHECKING:
    from ..state import EmulatorState

Record = dict[str, Any]

AVAILABILITY_ZONE = "nova"
AZ_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "gaia-sandbox/manila/az/" + AVAILABILITY_ZONE))
# CONF.enabled_share_protocols of a CephFS cloud: the defaults plus CEPHFS. Only the CephFS
# backend exists, so NFS/CIFS shares fail scheduling and end in "error", as they would there.
ENABLED_PROTOCOLS = ["NFS", "CIFS", "CEPHFS"]
HOST = "manila@cephfsnative1#cephfs"
NAME_MAX = 255
_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)


def _strict_bool(value: Any) -> bool:
    """oslo strutils.bool_from_string(strict=True)."""
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ApiError(400, f"Unrecognized value '{value}', acceptable values are: "
                        "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', "
                        "'yes'")


def _int_like(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def _check_length(value: Any, field: str) -> None:
    if value and len(str(value)) > NAME_MAX:
        raise ApiError(400, f"Invalid input received: {field} can only be {NAME_MAX} "
                            "characters long.")


def _forbid_public(is_public: Any) -> bool:
    # share:create_public_share and share:set_public_share are admin-only by default.
    public = _strict_bool(is_public)
    if public:
        raise ApiError(403, "User is not authorized to set 'is_public' to True in the request.")
    return public


class ManilaBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.access = AccessRules(state)

    @property
    def _shares(self) -> dict[str, Record]:
        return self.state.store.table("manila", "shares")

    @property
    def _types(self) -> dict[str, Record]:
        table = self.state.store.table("manila", "share_types")
        if not table:  # seeded on first use, and again after a sandbox reset
            table.update({t["id"]: {**t, "extra_specs": dict(t["extra_specs"])}
                          for t in sharetypes.SEED})
        return table

    def advance(self, now: float) -> bool:
        stamp = iso(now)
        changed = steps.advance(self._shares, now, stamp)
        for share in changed:
            if share["id"] not in self._shares:  # deletion finished: its rules go with it
                self.access.drop_share(share["id"])
        return self.access.advance(now) or bool(changed)

    # -- share types ----------------------------------------------------------------------
    def share_types(self) -> list[Record]:
        return [t for t in self._types.values() if t["is_public"] or t.get("_all_projects")]

    def share_type(self, ref: str) -> Record:
        for share_type in self._types.values():
            if ref == (share_type["id"] if _UUID.match(ref) else share_type["name"]):
                return share_type
        raise ApiError(404, "Share type not found.")

    def default_share_type(self) -> Record:
        return self.share_type(sharetypes.DEFAULT_TYPE)

    # -- quotas ---------------------------------------------------------------------------
    def quota_limits(self) -> dict[str, int]:
        return quotas.limits(self.state.config.quotas.get("sharev2", {}))

    def quota_usage(self, project_id: str) -> dict[str, dict[str, int]]:
        return quotas.usage(self.shares(project_id))

    # -- shares ---------------------------------------------------------------------------
    def shares(self, project_id: str) -> list[Record]:
        return [s for s in self._shares.values() if s["project_id"] == project_id]

    def share(self, project_id: str, share_id: str, message: str = NOT_FOUND) -> Record:
        share = self._shares.get(share_id)
        if share is None or share["project_id"] != project_id:
            raise ApiError(404, message)
        return share

    def create_share(self, project_id: str, user_id: str, body: dict[str, Any],
                     version: Version) -> Record:
        """POST /shares: the checks of the share controller's _create, then the share API's."""
        name = body.get("name") or body.get("display_name")
        description = body.get("description") or body.get("display_description")
        _check_length(name, "name")
        _check_length(description, "description")
        is_public = _forbid_public(body["is_public"]) if "is_public" in body else False
        if "size" not in body or "share_proto" not in body:
            raise ApiError(400, "Invalid input received: 'size' and 'share_proto' are required.")
        zone = body.get("availability_zone")
        if zone and zone not in (AVAILABILITY_ZONE, AZ_ID):
            raise ApiError(404, f"Availability zone {zone} could not be found.")
        if "share_type" in body and "volume_type" in body:
            raise ApiError(400, "Cannot specify both share_type and volume_type")
        wanted_type = body.get("share_type") or body.get("volume_type")
        share_type = self.share_type(str(wanted_type)) if wanted_type else (
            self.default_share_type())
        metadata = check_metadata(body.get("metadata"))
        if body.get("snapshot_id"):
            # manila/api/v2/shares.py _create looks the snapshot up (ShareSnapshotNotFound,
            # 404); no snapshot exists here (snapshot_routes.py).
            raise ApiError(404, f"Snapshot {body['snapshot_id']} could not be found.")
        size = _int_like(body["size"])
        if size is None or size <= 0:
            raise ApiError(400, f"Invalid input received: Share size '{body['size']}' must be "
                                "an integer and greater than 0.")
        proto = str(body["share_proto"] or "").upper()
        if proto not in ENABLED_PROTOCOLS:
            raise ApiError(400, f"Invalid input received: Invalid share protocol provided: "
                                f"{body['share_proto']}. It is either disabled or unsupported. "
                                f"Available protocols: {ENABLED_PROTOCOLS}.")
        quotas.check_create(self.quota_limits(), self.quota_usage(project_id), size)
        now = self.state.now()
        share: Record = {
            "id": new_id(),
            "name": name,
            "description": description,
            "size": size,
            "status": "creating",
            "share_proto": proto,
            "project_id": project_id,
            "user_id": user_id,
            "availability_zone": AVAILABILITY_ZONE,
            "created_at": iso(now),
            "snapshot_id": None,
            "share_network_id": None,
            "share_server_id": None,
            "metadata": metadata,
            "is_public": is_public,
            "share_type": share_type["id"],
            "share_type_name": share_type["name"],
            "snapshot_support": sharetypes.capability(share_type, "snapshot_support"),
            "create_share_from_snapshot_support": sharetypes.capability(
                share_type, "create_share_from_snapshot_support"),
            "revert_to_snapshot_support": sharetypes.capability(
                share_type, "revert_to_snapshot_support"),
            "mount_snapshot_support": sharetypes.capability(share_type, "mount_snapshot_support"),
            "task_state": None,
            "replication_type": None,
            "has_replicas": False,
            "share_group_id": None,
            "source_share_group_snapshot_member_id": None,
            "progress": "0%",
            "is_soft_deleted": False,
            "scheduled_to_be_deleted_at": None,
            "source_backup_id": None,
            "_instance_id": new_id(),
            "_export_locations": [],
        }
        fault = self.state.faults.take_outcome("manila.share.create")
        done = now + self.state.config.duration("manila.share.create")
        if fault is not None or proto != share_type["_protocol"]:
            outcome: dict[str, Any] = {"status": "error", "progress": None}
            # What the scheduler tells the user (manila/scheduler/manager.py records an
            # "allocate host" message when no back end takes the share).
            messages.record(self.state, project_id, share["id"], "001",
                            str((fault or {}).get("detail_id", "002")), now)
        else:
            outcome = {"status": "available", "progress": "100%", "_host": HOST,
                       "_export_locations": [self._export_location(share, done)]}
        steps.schedule(share, (done, outcome))
        self._shares[share["id"]] = share
        return share

    def _export_location(self, share: Record, when: float) -> Record:
        # The CephFS native driver's form: the monitors, then the subvolume path
        # (manila/share/drivers/cephfs/driver.py, get_export_locations).
        monitors = ",".join(self.state.config.ceph_monitors)
        path = f"/volumes/_nogroup/{share['id']}/{new_id()}"
        return {
            "id": new_id(),
            "path": f"{monitors}:{path}",
            "preferred": False,
            "is_admin_only": False,
            "share_instance_id": share["_instance_id"],
            "metadata": {},
            "created_at": iso(when),
            "updated_at": iso(when),
        }

    def update_share(self, share: Record, body: dict[str, Any]) -> Record:
        """PUT /shares/{id}: only display_name, display_description and is_public change."""
        _check_length(body.get("display_name"), "display_name")
        _check_length(body.get("display_description"), "display_description")
        if "display_name" in body:
            share["name"] = body["display_name"]
        if "display_description" in body:
            share["description"] = body["display_description"]
        if "is_public" in body:
            share["is_public"] = _forbid_public(body["is_public"])
        return share

    def delete_share(self, share: Record) -> None:
        statuses = ("available", "error", "inactive")
        if share["status"] not in statuses:
            raise ApiError(403, f"Invalid share: Share status must be one of {statuses}.")
        if not share.get("_host"):
            # Never scheduled: Manila deletes the database rows at once.
            del self._shares[share["id"]]
            self.access.drop_share(share["id"])
            return
        now = self.state.now()
        fault = self.state.faults.take_outcome("manila.share.delete")
        outcome = {"status": "error_deleting"} if fault is not None else {"_remove": True}
        share["status"] = "deleting"
        steps.schedule(share, (now + self.state.config.duration("manila.share.delete"), outcome))

    def extend(self, share: Record, new_size: Any) -> None:
        size = self._new_size(new_size)
        if share["status"] != "available":
            raise ApiError(400, f"Invalid share: Share {share['id']} status must be 'available' "
                                f"to extend, but current status is: {share['status']}..")
        if size <= share["size"]:
            raise ApiError(400, f"Invalid input received: New size for extend must be greater "
                                f"than current size. (current: {share['size']}, extended: "
                                f"{size})..")
        grow = size - int(share["size"])
        if not quotas.extend_allowed(self.quota_limits(),
                                     self.quota_usage(share["project_id"]), grow):
            raise ApiError(403, "Requested share exceeds allowed project/user or share type "
                                "gigabytes quota.")
        now = self.state.now()
        fault = self.state.faults.take_outcome("manila.share.extend")
        outcome: dict[str, Any] = {"status": "extending_error", "_new_size": None} if fault else {
            "status": "available", "size": size, "_new_size": None}
        share.update({"status": "extending", "_new_size": size})
        steps.schedule(share, (now + self.state.config.duration("manila.share.extend"), outcome))

    def shrink(self, share: Record, new_size: Any) -> None:
        size = self._new_size(new_size)
        valid = ("available", "shrinking_possible_data_loss_error")
        if share["status"] not in valid:
            raise ApiError(400, f"Invalid share: Share {share['id']} status must in "
                                f"({', '.join(valid)}) to shrink, but current status is: "
                                f"{share['status']}..")
        if size <= 0 or size >= share["size"]:
            raise ApiError(400, f"Invalid input received: New size for shrink must be less than "
                                f"current size and greater than 0 (current: {share['size']}, "
                                f"new: {size})..")
        now = self.state.now()
        fault = self.state.faults.take_outcome("manila.share.shrink")
        outcome: dict[str, Any] = {"status": "shrinking_error"} if fault else {
            "status": "available", "size": size}
        share["status"] = "shrinking"
        steps.schedule(share, (now + self.state.config.duration("manila.share.shrink"), outcome))

    @staticmethod
    def _new_size(value: Any) -> int:
        size = _int_like(value)
        if size is None:
            raise ApiError(400, "New share size must be specified as an integer.")
        return size

    # -- metadata -------------------------------------------------------------------------
    def set_metadata(self, share: Record, metadata: Any, replace: bool) -> dict[str, str]:
        if not isinstance(metadata, dict):
            raise ApiError(400, "Malformed request body")
        checked = check_metadata(metadata)
        share["metadata"] = checked if replace else {**share["metadata"], **checked}
        return dict(share["metadata"])

    def metadata_item(self, share: Record, key: str) -> str:
        if key not in share["metadata"]:
            raise ApiError(404, "MetadataItemNotFound: Metadata item is not found.")
        return str(share["metadata"][key])

    def delete_metadata_item(self, share: Record, key: str) -> None:
        self.metadata_item(share, key)
        del share["metadata"][key]
