"""Share replicas, as a cloud whose share types have no ``replication_type`` answers them.

Replication is out of the emulator's scope: no share type offers it (sharetypes.py), every share
says ``replication_type: null`` and ``has_replicas: false``, and the share-replicas API answers
as Manila does then (manila/api/v2/share_replicas.py, manila d288778): from 2.11 to 2.55 only
with the ``X-OpenStack-Manila-API-Experimental: True`` header and from 2.56 without it (else
404, as for VersionNotFoundForAPIMethod); listings are empty, as ``share_replicas_get_all``
lists only instances with a replica_state (manila/db/sqlalchemy/api.py); a replica id is never
found; creating one is refused by manila/share/api.py create_share_replica, "Replication not
supported for share <id>." (InvalidShare, 400). The product makes none of these calls.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from . import versions
from .common import backend, version
from .errors import NOT_FOUND

EXPERIMENTAL = "X-OpenStack-Manila-API-Experimental"


def _gate(call: Call) -> dict[str, str]:
    """The headers of an answer to a replica call; 404 where Manila has no such method."""
    wanted = version(call)
    experimental = call.request.headers.get(EXPERIMENTAL, "").strip().lower() in (
        "true", "1", "yes", "on", "y", "t")  # oslo strutils.bool_from_string
    if wanted < versions.parse("2.11"):
        raise ApiError(404, NOT_FOUND)
    if wanted < versions.parse("2.56") and not experimental:
        raise ApiError(404, NOT_FOUND)
    # manila/api/openstack/wsgi.py: an experimental request is answered with the header set.
    return {EXPERIMENTAL: "True"} if experimental else {}


def list_replicas(call: Call) -> Response:
    return json_response({"share_replicas": []}, headers=_gate(call))


def replica(call: Call, replica_id: str) -> Response:
    _gate(call)
    if call.request.method == "DELETE":
        raise ApiError(404, f"No replica exists with ID {replica_id}.")
    raise ApiError(404, f"Replica {replica_id} not found.")


def create_replica(call: Call) -> Response:
    _gate(call)
    body = call.body()
    if not isinstance(body, dict) or not isinstance(body.get("share_replica"), dict):
        raise ApiError(422, "Body does not contain 'share_replica' information.")
    share_id = body["share_replica"].get("share_id")
    if not share_id:
        raise ApiError(400, "Must provide Share ID to add replica.")
    share = backend(call).share(call.project_id, str(share_id),
                                f"No share exists with ID {share_id}.")
    if not share.get("replication_type"):
        raise ApiError(400, f"Replication not supported for share {share_id}.")
    # No seeded type replicates, so a share never gets here; should one be added, say plainly
    # that the emulator does not make replicas rather than pretend.
    raise ApiError(501, "The emulator does not implement share replicas.")
