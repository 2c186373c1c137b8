"""Manila user messages: why an asynchronous action failed, in words meant for users.

api-ref "User messages" (GET /v2/messages, microversion 2.37 or later): each message has an
``action_id`` and a ``detail_id`` from manila/message/message_field.py, and its
``user_message`` is "<action>: <detail>" (manila/message/api.py). The texts below are that
file's, for the actions and details the emulator produces.
"""

from __future__ import annotations

from typing import Any

from ..store import iso, new_id

#: message_field.Action (id -> words).
ACTIONS = {"001": "allocate host", "008": "extend", "010": "update access rules"}
#: message_field.Detail (id -> words), the ones an emulated failure can carry.
DETAILS = {
    "001": "An unknown error occurred.",
    "002": "No storage could be allocated for this share request. Trying again with a "
           "different size or share type may succeed.",
    "009": "No storage could be allocated for this share request, Capacity filter didn't "
           "succeed.",
    "015": "Share Driver failed to extend share, The share status has been set to "
           "extending_error. This action cannot be re-attempted until the status has been "
           "rectified. Contact your administrator to determine the cause of this failure.",
    "020": "Failed to grant access to client. The client ID used may be forbidden. You may "
           "try again with a different client identifier.",
}
#: Messages expire after 30 days (manila.conf message_ttl default 2592000 s).
TTL = 2592000.0


def record(state: Any, project_id: str, resource_id: str, action_id: str,
           detail_id: str, now: float, resource_type: str = "SHARE") -> dict[str, Any]:
    """Store the message Manila writes when an action on a resource fails."""
    message = {
        "id": new_id(), "project_id": project_id, "request_id": f"req-{new_id()}",
        "resource_type": resource_type, "resource_id": resource_id,
        "action_id": action_id, "detail_id": detail_id, "message_level": "ERROR",
        "user_message": f"{ACTIONS[action_id]}: {DETAILS.get(detail_id, DETAILS['001'])}",
        "created_at": iso(now), "expires_at": iso(now + TTL),
    }
    state.store.table("manila", "messages")[message["id"]] = message
    return message
