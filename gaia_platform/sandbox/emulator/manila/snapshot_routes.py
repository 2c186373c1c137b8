"""Share snapshots, as a cloud whose only share type has no snapshot support answers them.

The emulated CephFS type advertises ``snapshot_support: False`` (sharetypes.py), so Manila's
own checks decide every answer: listings are empty, a snapshot id is never found
(ShareSnapshotNotFound, manila/exception.py), and creating one is refused with 422 by
manila/api/v2/share_snapshots.py ``create`` ("... does not have that capability"). api-ref
"Share snapshots" (https://docs.openstack.org/api-ref/shared-file-system/).
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from .common import backend, body_object


def not_found(snapshot_id: str) -> ApiError:
    return ApiError(404, f"Snapshot {snapshot_id} could not be found.")


def list_snapshots(call: Call) -> Response:
    return json_response({"snapshots": []})


def snapshot(call: Call, snapshot_id: str) -> Response:
    raise not_found(snapshot_id)


def create_snapshot(call: Call) -> Response:
    body = body_object(call, "snapshot", status=422)
    share_id = str(body.get("share_id"))
    share = backend(call).share(call.project_id, share_id, f"Share {share_id} could not be "
                                                           "found.")
    if not share["snapshot_support"]:
        raise ApiError(422, f"Snapshots cannot be created for share '{share_id}' since it "
                            "does not have that capability.")
    # No seeded type has snapshot support, so a share never gets here; should one be added,
    # say plainly that the emulator does not make snapshots rather than pretend.
    raise ApiError(501, "The emulator does not implement share snapshots.")
