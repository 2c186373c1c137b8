"""The share types the emulated cloud offers: a CephFS-native type, the default, and Arcus's
private CephFS type.

Extra specs are strings, as Manila stores them. The CephFS driver does not handle share
servers (DHSS=False). Snapshots are out of the emulator's scope, so the type says
``snapshot_support: False`` and the snapshot API answers as Manila does for such a type
(snapshot_routes.py), never half.
"""

from __future__ import annotations

import uuid
from typing import Any

DEFAULT_TYPE = "cephfsnativetype"

# Both seeded types are CephFS native types with the same specs (the ceph01_cephfs listing in
# the gaia-dmp note below shows these).
CEPHFS_SPECS = {
    "driver_handles_share_servers": "False",
    "snapshot_support": "False",
    "create_share_from_snapshot_support": "False",
    "revert_to_snapshot_support": "False",
    "mount_snapshot_support": "False",
    "share_backend_name": "CEPHFS",
    "storage_protocol": "CEPHFS",
}

SEED: list[dict[str, Any]] = [
    {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "gaia-sandbox/manila/" + DEFAULT_TYPE)),
        "name": DEFAULT_TYPE,
        "description": "CephFS native shares (cephx access)",
        "is_public": True,
        "extra_specs": dict(CEPHFS_SPECS),
        # The protocol the backend behind this type serves (the scheduler's storage_protocol).
        "_protocol": "CEPHFS",
    },
    {
        # Arcus's CephFS type, which the cambridge profile names, as `openstack share type
        # list` showed it in wfau/gaia-dmp notes/zrq/2021/20211227-03-cloud-transfer.txt
        # (gaia-dmp b300c59): private, not the default, the specs below, "CephFS-Ceph01".
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "gaia-sandbox/manila/ceph01_cephfs")),
        "name": "ceph01_cephfs",
        "description": "CephFS-Ceph01",
        "is_public": False,
        "extra_specs": dict(CEPHFS_SPECS),
        "_protocol": "CEPHFS",
        # Given to every project of the sandbox, as an operator grants a private type
        # (share_type_access); which Arcus projects have it is UNKNOWN offline (preflight
        # checks). A non-admin lists public types and the private ones it may use
        # (manila/api/v2/share_types.py _get_share_types, db share_type_get_all).
        "_all_projects": True,
    },
]

# manila/common/constants.py ExtraSpecs: what a non-admin may see, and the defaults of the
# optional boolean capabilities shown to non-admins from 2.24 on.
TENANT_VISIBLE = (
    "driver_handles_share_servers",
    "snapshot_support",
    "create_share_from_snapshot_support",
    "revert_to_snapshot_support",
    "replication_type",
    "mount_snapshot_support",
    "mount_point_name_support",
    "snapshot_inherit_share_access_support",
    "availability_zones",
    "encryption_support",
    "provisioning:max_share_size",
    "provisioning:min_share_size",
    "provisioning:max_share_extend_size",
    "provisioning:mount_point_prefix",
    "default_qos_type",
)
INFERRED_OPTIONAL = {
    "snapshot_support": False,
    "create_share_from_snapshot_support": False,
    "revert_to_snapshot_support": False,
    "mount_snapshot_support": False,
}


def capability(share_type: dict[str, Any], key: str) -> bool:
    return str(share_type["extra_specs"].get(key, "False")).lower() in ("true", "1", "yes")
