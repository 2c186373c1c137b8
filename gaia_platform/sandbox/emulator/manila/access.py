"""Share access rules: validation, the apply/deny state machine, cephx keys.

Sources: manila/api/v2/shares.py (_allow_access, _deny_access), manila/api/common.py
(validate_access and friends), manila/share/api.py (allow_access, deny_access) and the CephFS
native driver (manila/share/drivers/cephfs/driver.py), which accepts only cephx rules and
refuses its own auth ID ("manila") and IDs it did not create ("admin"): such rules end in
state ``error``, they are not refused by the API. Rule states are those of the api-ref "Share
access rules" page: queued_to_apply -> applying -> active | error; queued_to_deny -> denying.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import string
import struct
import time
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import iso, new_id
from . import steps
from .metadata import check_metadata
from .versions import Version

if TYPE_CHECKING:
    from ..state import EmulatorState

Record = dict[str, Any]

ACCESS_LEVELS = ("rw", "ro")
TRANSITIONAL_SHARE_STATUSES = ("creating", "deleting", "extending", "shrinking")
APPLYING = ("queued_to_apply", "applying")
DENYING = ("queued_to_deny", "denying")
# Ceph IDs the CephFS driver will not authorize (its own, and the cluster admin's).
REFUSED_CEPHX_IDS = ("manila", "admin")


def cephx_key() -> str:
    """A secret shaped like Ceph's: base64 of (type, created, 16 random bytes)."""
    header = struct.pack("<HIIH", 1, int(time.time()), 0, 16)
    return base64.b64encode(header + os.urandom(16)).decode()


def _validate_ip(access_to: str, ipv6: bool) -> None:
    try:
        if ipv6:
            ipaddress.ip_network(access_to)
        else:
            ipaddress.IPv4Network(access_to)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from exc


def _validate_user(access_to: str) -> None:
    if re.match(r"[\s|\.]+$", access_to):
        raise ApiError(400, "Invalid user or group name,cannot consist solely of periods or "
                            "spaces.")
    if not re.match(r'.[^\"\/\\\[\]\:\;\|\=\,\+\*\?\<\>]{3,254}$', access_to):
        raise ApiError(400, 'Invalid user or group name. Must be 4-255 characters and '
                            'consist of alphanumeric characters and exclude special '
                            'characters "/\\[]:;|=,+*?<>')


def _validate_cephx(access_to: str) -> None:
    if not access_to:
        raise ApiError(400, "Ceph IDs may not be empty.")
    if not set(access_to) <= set(string.printable):
        raise ApiError(400, "Ceph IDs must consist of ASCII printable characters.")
    if "." in access_to:
        # Manila forbids periods so that nobody asks for "client.client.alice".
        raise ApiError(400, "Ceph IDs may not contain periods.")


def validate_access(access_type: str, access_to: str, version: Version) -> None:
    """manila/api/common.py validate_access: cephx from 2.13, IPv6 from 2.38."""
    ceph = version >= (2, 13)
    if access_type == "ip":
        _validate_ip(access_to, version >= (2, 38))
    elif access_type == "user":
        _validate_user(access_to)
    elif access_type == "cert":
        if not 1 <= len(access_to.strip()) <= 64:
            raise ApiError(400, "Invalid CN (common name). Must be 1-64 chars long.")
    elif access_type == "cephx" and ceph:
        _validate_cephx(access_to)
    elif ceph:
        raise ApiError(400, "Only 'ip', 'user', 'cert' or 'cephx' access types are supported.")
    else:
        raise ApiError(400, "Only 'ip', 'user' or 'cert' access types are supported.")


def _same_target(rule: Record, access_type: str, access_to: str) -> bool:
    if rule["access_type"] != access_type:
        return False
    if access_type == "ip":
        try:
            return ipaddress.ip_network(rule["access_to"], strict=False) == ipaddress.ip_network(
                access_to, strict=False)
        except ValueError:
            return False
    return bool(rule["access_to"] == access_to)


class AccessRules:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    @property
    def _rules(self) -> dict[str, Record]:
        return self.state.store.table("manila", "access_rules")

    def for_share(self, share_id: str) -> list[Record]:
        rules = [r for r in self._rules.values() if r["share_id"] == share_id]
        return sorted(rules, key=lambda r: r["created_at"])

    def find(self, access_id: str) -> Record | None:
        return self._rules.get(access_id)

    def rules_status(self, share_id: str) -> str:
        """The share's access_rules_status, as the share manager keeps it."""
        states = {r["state"] for r in self.for_share(share_id)}
        if "error" in states:
            return "error"
        if states & {*APPLYING, *DENYING}:
            return "syncing"
        return "active"

    def allow(self, share: Record, body: dict[str, Any], version: Version) -> Record:
        access_type, access_to = body.get("access_type"), body.get("access_to")
        if not isinstance(access_type, str) or not isinstance(access_to, str):
            raise ApiError(400, "Malformed request body: 'access_type' and 'access_to' are "
                                "required strings.")
        if version < (2, 28) and self.rules_status(share["id"]) == "error":
            raise ApiError(400, "Access rules cannot be added while the share or any of its "
                                "replicas or migration copies has its access_rules_status set "
                                "to error. Deny any rules in error state and try again.")
        locking = version >= (2, 82) and (body.get("lock_visibility") or body.get("lock_deletion"))
        if version >= (2, 82) and body.get("lock_reason") and not locking:
            raise ApiError(400, "Lock reason can only be specified when locking the visibility "
                                "or the deletion of an access rule.")
        validate_access(access_type, access_to, version)
        level = body.get("access_level")
        if level not in (*ACCESS_LEVELS, None):
            raise ApiError(400, f"Invalid access rule: Invalid share access level: {level}..")
        metadata = body.get("metadata") if version >= (2, 45) else None
        check_metadata(metadata)
        if any(_same_target(r, access_type, access_to) for r in self.for_share(share["id"])):
            raise ApiError(400, f"Share access {access_type}:{access_to} exists.")
        if share["status"] in TRANSITIONAL_SHARE_STATUSES or not share.get("_host"):
            raise ApiError(400, "New access rules cannot be applied while the share or any of "
                                "its replicas or migration copies lacks a valid host or is in "
                                "an invalid state.")
        now = self.state.now()
        rule: Record = {
            "id": new_id(),
            "share_id": share["id"],
            "access_type": access_type,
            "access_to": access_to,
            "access_level": level or "rw",
            "state": "queued_to_apply",
            "access_key": None,
            "metadata": dict(metadata or {}),
            "created_at": iso(now),
            "updated_at": None,
        }
        duration = self.state.config.duration("manila.access.apply")
        steps.schedule(rule, (now + duration / 2, {"state": "applying"}),
                       (now + duration, self._outcome(share, rule)))
        self._rules[rule["id"]] = rule
        return rule

    def _outcome(self, share: Record, rule: Record) -> dict[str, Any]:
        fault = self.state.faults.take_outcome("manila.access.apply")
        refused = share["share_proto"] == "CEPHFS" and (
            rule["access_type"] != "cephx" or rule["access_to"] in REFUSED_CEPHX_IDS)
        if fault is not None or refused:
            return {"state": "error"}
        key = cephx_key() if rule["access_type"] == "cephx" else None
        return {"state": "active", "access_key": key}

    def deny(self, share: Record, body: dict[str, Any]) -> None:
        access_id = body.get("access_id")
        if not isinstance(access_id, str):
            raise ApiError(400, "Malformed request body: 'access_id' is required.")
        rule = self._rules.get(access_id)
        if rule is None or rule["share_id"] != share["id"]:
            raise ApiError(404, "Resource could not be found.")
        if share["status"] in TRANSITIONAL_SHARE_STATUSES or not share.get("_host"):
            raise ApiError(400, "Access rules cannot be denied while the share, any of its "
                                "replicas or migration copies lacks a valid host or is in an "
                                "invalid state.")
        if rule["state"] in DENYING:
            return
        now = self.state.now()
        duration = self.state.config.duration("manila.access.deny")
        rule["state"] = "queued_to_deny"
        rule["updated_at"] = iso(now)
        steps.schedule(rule, (now + duration / 2, {"state": "denying"}),
                       (now + duration, {"_remove": True}))

    def update_level(self, rule: Record, level: Any) -> Record:
        """PUT /share-access-rules/{id} (2.88): re-apply with the new level."""
        if not level:
            raise ApiError(400, "Invalid input. Missing 'access_level' in update request.")
        if level not in ACCESS_LEVELS:
            raise ApiError(400, f"Invalid or unsupported share access level: {level}.")
        if level != rule["access_level"]:
            now = self.state.now()
            duration = self.state.config.duration("manila.access.apply")
            rule.update({"access_level": level, "state": "queued_to_update",
                         "updated_at": iso(now)})
            steps.schedule(rule, (now + duration / 2, {"state": "updating"}),
                           (now + duration, {"state": "active"}))
        return rule

    def drop_share(self, share_id: str) -> None:
        for rule in self.for_share(share_id):
            del self._rules[rule["id"]]

    def advance(self, now: float) -> bool:
        return bool(steps.advance(self._rules, now, iso(now)))
