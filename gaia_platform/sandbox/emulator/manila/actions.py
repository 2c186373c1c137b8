"""POST /shares/{id}/action: the share actions of the api-ref "Share actions" page.

Dispatch as manila/api/openstack/wsgi.py does it: the body must have exactly one key; an
unknown action is 400 "There is no such action"; an action that exists but not at the
requested microversion is 404 (the "os-" names are 2.0-2.6, the plain ones 2.7 on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from . import views
from .errors import NOT_FOUND
from .models import ManilaBackend, Record
from .versions import Version

Action = Callable[[Call, ManilaBackend, Record, Any, Version], Response]


def _accepted() -> Response:
    return Response(status=202)


def _allow(call: Call, backend: ManilaBackend, share: Record, body: Any,
           version: Version) -> Response:
    if not isinstance(body, dict):
        raise ApiError(400, "Malformed request body")
    rule = backend.access.allow(share, body, version)
    status = backend.access.rules_status(share["id"])
    return json_response({"access": views.access_rule(rule, version, status, detail=True)})


def _deny(call: Call, backend: ManilaBackend, share: Record, body: Any,
          version: Version) -> Response:
    if not isinstance(body, dict):
        raise ApiError(400, "Malformed request body")
    backend.access.deny(share, body)
    return _accepted()


def _access_list(call: Call, backend: ManilaBackend, share: Record, body: Any,
                 version: Version) -> Response:
    status = backend.access.rules_status(share["id"])
    rules = [views.access_rule(r, version, status, detail=False)
             for r in backend.access.for_share(share["id"])]
    return json_response({"access_list": rules})


def _new_size(body: Any) -> Any:
    return body.get("new_size") if isinstance(body, dict) else None


def _extend(call: Call, backend: ManilaBackend, share: Record, body: Any,
            version: Version) -> Response:
    backend.extend(share, _new_size(body))
    return _accepted()


def _shrink(call: Call, backend: ManilaBackend, share: Record, body: Any,
            version: Version) -> Response:
    backend.shrink(share, _new_size(body))
    return _accepted()


def _admin_only(policy: str) -> Action:
    # reset_status and force_delete are admin-only by default policy; the sandbox user is a
    # plain member, as on a production cloud.
    def refuse(call: Call, backend: ManilaBackend, share: Record, body: Any,
               version: Version) -> Response:
        raise ApiError(403, f"Policy doesn't allow share:{policy} to be performed.")
    return refuse


_LEGACY = ((2, 0), (2, 6))
_CURRENT = ((2, 7), (99, 0))
ACTIONS: dict[str, tuple[tuple[Version, Version], Action]] = {
    "os-allow_access": (_LEGACY, _allow),
    "allow_access": (_CURRENT, _allow),
    "os-deny_access": (_LEGACY, _deny),
    "deny_access": (_CURRENT, _deny),
    "os-access_list": (_LEGACY, _access_list),
    "access_list": (((2, 7), (2, 44)), _access_list),
    "os-extend": (_LEGACY, _extend),
    "extend": (_CURRENT, _extend),
    "os-shrink": (_LEGACY, _shrink),
    "shrink": (_CURRENT, _shrink),
    "os-reset_status": (_LEGACY, _admin_only("reset_status")),
    "reset_status": (_CURRENT, _admin_only("reset_status")),
    "os-force_delete": (_LEGACY, _admin_only("force_delete")),
    "force_delete": (_CURRENT, _admin_only("force_delete")),
}


def dispatch(call: Call, backend: ManilaBackend, share_id: str, version: Version) -> Response:
    body = call.body()
    if not isinstance(body, dict) or len(body) != 1:
        raise ApiError(400, "Malformed request body")
    name, argument = next(iter(body.items()))
    if name not in ACTIONS:
        raise ApiError(400, f"There is no such action: {name}")
    (low, high), action = ACTIONS[name]
    if not low <= version <= high:
        raise ApiError(404, NOT_FOUND)
    share = backend.share(call.project_id, share_id,
                          f"Share {share_id} could not be found.")
    return action(call, backend, share, argument, version)
