"""GET /v2/messages and /v2/messages/{id} (api-ref "User messages", microversion 2.37+)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from .common import versioned
from .errors import NOT_FOUND

_FILTERS = ("resource_id", "resource_type", "action_id", "detail_id", "message_level",
            "request_id")


def _visible(call: Call) -> list[dict[str, Any]]:
    table = call.state.store.table("manila", "messages")
    return [m for m in table.values() if m["project_id"] == call.project_id]


@versioned("2.37")
def list_messages(call: Call) -> Response:
    args = call.request.args
    found = [m for m in _visible(call)
             if all(args[key] == str(m[key]) for key in _FILTERS if key in args)]
    return json_response({"messages": sorted(found, key=lambda m: str(m["created_at"]))})


@versioned("2.37")
def show_message(call: Call, message_id: str) -> Response:
    for message in _visible(call):
        if message["id"] == message_id:
            return json_response({"message": message})
    raise ApiError(404, NOT_FOUND)
