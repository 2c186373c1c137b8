"""How GET /servers sorts: nova/api/openstack/compute/servers.py _get_servers with
common.get_sort_params and remove_invalid_sort_keys, the sort_key enums of
nova/api/openstack/compute/schemas/servers.py (VALID_SORT_KEYS, _V273, _V275), and
nova/db/utils.py process_sort_params (directions, and created_at then id to end the order).
"""

from __future__ import annotations

from typing import Any

from ..http import ApiError
from ..store import Record
from .models import POWER
from .versions import at_least

BASE_KEYS = ["access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone",
             "config_drive", "created_at", "display_description", "display_name", "host",
             "hostname", "image_ref", "instance_type_id", "kernel_id", "key_name",
             "launch_index", "launched_at", "locked_by", "node", "power_state", "progress",
             "project_id", "ramdisk_id", "root_device_name", "task_state", "terminated_at",
             "updated_at", "user_id", "uuid", "vm_state"]
# SERVER_LIST_IGNORE_SORT_KEY: accepted and dropped (until 2.75 refuses them; 2.73 takes
# "locked" off the list).
IGNORED = ["architecture", "cell_name", "cleaned", "default_ephemeral_device",
           "default_swap_device", "deleted", "deleted_at", "disable_terminate", "ephemeral_gb",
           "ephemeral_key_uuid", "id", "key_data", "launched_on", "locked", "memory_mb",
           "os_type", "reservation_id", "root_gb", "shutdown_terminate", "user_data", "vcpus",
           "vm_mode"]
ADMIN_ONLY = ("host", "node")


def _field(server: Record, key: str) -> Any:
    """The server's value for a Nova sort key (the instance columns the emulator keeps)."""
    fields: dict[str, Any] = {
        "access_ip_v4": server["accessIPv4"], "access_ip_v6": server["accessIPv6"],
        "config_drive": server["config_drive"], "created_at": server["created"],
        "updated_at": server["updated"], "display_name": server["name"],
        "display_description": server.get("description") or "",
        "hostname": server["_hostname"], "image_ref": server["_image"] or "",
        "instance_type_id": server["_flavor"]["id"], "key_name": server["key_name"] or "",
        "launch_index": server["_launch_index"],
        "launched_at": server["OS-SRV-USG:launched_at"] or "",
        "locked_by": "", "locked": server["locked"],
        "power_state": POWER[server["vm_state"]], "project_id": server["tenant_id"],
        "task_state": server["task_state"] or "", "user_id": server["user_id"],
        "uuid": server["id"], "vm_state": server["vm_state"],
    }
    return fields.get(key, "")


def _valid(version: str | None) -> tuple[list[str], list[str]]:
    """The sort_key enum and the keys dropped, at this microversion."""
    ignored = [k for k in IGNORED if k != "locked"] if at_least(version, "2.73") else IGNORED
    valid = BASE_KEYS + (["locked"] if at_least(version, "2.73") else []) + ignored
    if at_least(version, "2.75"):
        return [k for k in valid if k not in ignored], []
    return valid, ignored


def sort_servers(servers: list[Record], args: Any, version: str | None) -> list[Record]:
    keys = [k.strip() for k in args.getlist("sort_key")]
    dirs = [d.strip() for d in args.getlist("sort_dir")]
    valid, ignored = _valid(version)
    for key in keys:
        if key not in valid:
            raise ApiError(400, f"Invalid input for query parameters sort_key. Value: {key}. "
                                f"'{key}' is not one of {valid}")
    keys = keys or ["created_at"]
    dirs = dirs or ["desc"]
    for key in list(keys):
        if key in ignored:
            index = keys.index(key)
            if len(dirs) > index:
                dirs.pop(index)
            keys.pop(index)
        elif key in ADMIN_ONLY:
            raise ApiError(403, f"Only administrators can sort servers by {key}")
    default = dirs[0] if dirs else "desc"
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise ApiError(400, "Invalid input received: Unknown sort direction, must be "
                                "'desc' or 'asc'")
    if len(dirs) > len(keys):
        raise ApiError(400, "Invalid input received: Sort direction size exceeds sort key "
                            "size")
    dirs = dirs + [default] * (len(keys) - len(dirs))
    for key in ("created_at", "id"):
        if key not in keys:
            keys.append(key)
            dirs.append(default)
    # "id" is the database's integer id: the order the servers were made in.
    made = {server["id"]: index for index, server in enumerate(servers)}
    ordered = list(servers)
    for key, direction in reversed(list(zip(keys, dirs, strict=True))):
        ordered.sort(key=lambda server: (made[server["id"]] if key == "id"
                                         else str(_field(server, key))),
                     reverse=direction == "desc")
    return ordered
