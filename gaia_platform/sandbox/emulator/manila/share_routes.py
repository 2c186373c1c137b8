"""Handlers for shares, their actions, metadata and export locations.

api-ref pages "Shares", "Share actions", "Share metadata" and "Share export locations"
(https://docs.openstack.org/api-ref/shared-file-system/). Note: creating a share answers 200
(not 202), deleting one 202, deleting a metadata item 200.
"""

from __future__ import annotations

import ast
from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from . import actions, views
from .common import backend, body_object, service_url, version, versioned
from .models import Record

# Filters a non-admin may use on GET /shares (manila/api/v2/shares.py _get_share_search_options)
# that the emulator applies; other known filters are accepted and match everything.
_EXACT_FILTERS = {"name": "name", "status": "status", "share_type_id": "share_type",
                  "description": "description", "snapshot_id": "snapshot_id",
                  "share_network_id": "share_network_id"}


def _detail(call: Call, share: Record) -> Record:
    status = backend(call).access.rules_status(share["id"])
    return views.share_detail(share, version(call), service_url(call), status)


def _matches(call: Call, share: Record) -> bool:
    args = call.request.args
    at_least_236 = version(call) >= (2, 36)
    for param, field in _EXACT_FILTERS.items():
        if param == "description" and not at_least_236:
            continue
        if param in args and str(share.get(field)) != args[param]:
            return False
    if at_least_236:
        for param, field in (("name~", "name"), ("description~", "description")):
            if param in args and args[param].lower() not in str(share.get(field) or "").lower():
                return False
    # is_public=true widens a listing to other projects' public shares; one's own always show.
    if "metadata" in args:
        try:
            wanted = ast.literal_eval(args["metadata"])
        except (ValueError, SyntaxError) as exc:
            raise ApiError(400, f"Invalid metadata filter: {args['metadata']}") from exc
        if not isinstance(wanted, dict) or any(
            share["metadata"].get(k) != v for k, v in wanted.items()
        ):
            return False
    return True


# Columns of manila's Share and ShareInstance models a list may sort by
# (manila/db/sqlalchemy/models.py), as this emulator's share records name them; the API takes
# "name" for display_name (manila/api/v2/shares.py _get_shares).
_SORT_COLUMNS = {"name": "name", "display_name": "name", "description": "description",
                 "display_description": "description", "id": "id", "size": "size",
                 "status": "status", "created_at": "created_at", "updated_at": "updated_at",
                 "share_proto": "share_proto", "project_id": "project_id",
                 "user_id": "user_id", "availability_zone": "availability_zone",
                 "is_public": "is_public", "snapshot_id": "snapshot_id",
                 "share_network_id": "share_network_id", "share_type_id": "share_type",
                 "share_server_id": "share_server_id", "task_state": "task_state"}


def _sorting(key: str, direction: str) -> tuple[str, str]:
    """manila/db/sqlalchemy/api.py apply_sorting and _share_get_all_with_filters: an unknown
    column or direction is InvalidInput (400)."""
    if direction.lower() not in ("desc", "asc"):
        raise ApiError(400, "Invalid input received: Wrong sorting data provided: sort key is "
                            f"'{key}' and sort direction is '{direction}'..")
    if key not in _SORT_COLUMNS:
        raise ApiError(400, f"Invalid input received: Wrong sorting key provided - '{key}'..")
    return _SORT_COLUMNS[key], direction.lower()


def _listed(call: Call) -> tuple[list[Record], int]:
    args = call.request.args
    shares = [s for s in backend(call).shares(call.project_id) if _matches(call, s)]
    sort_key, sort_dir = _sorting(args.get("sort_key", "created_at"),
                                  args.get("sort_dir", "desc"))
    shares.sort(key=lambda s: (s.get(sort_key) is None,
                               s.get(sort_key) if sort_key == "size" else
                               str(s.get(sort_key) or "")),
                reverse=sort_dir == "desc")
    total = len(shares)
    try:
        offset = int(args.get("offset", "0"))
        limit = int(args["limit"]) if "limit" in args else None
    except ValueError as exc:
        raise ApiError(400, "limit and offset must be integers") from exc
    if offset < 0 or (limit is not None and limit < 0):
        raise ApiError(400, "limit and offset must be >= 0")
    shares = shares[offset:] if limit is None else shares[offset:offset + limit]
    return shares, total


def _list_body(call: Call, shares: list[Any], total: int) -> Response:
    body: dict[str, Any] = {"shares": shares}
    with_count = call.request.args.get("with_count", "").lower() in ("true", "1", "yes")
    if with_count and version(call) >= (2, 42):
        body["count"] = total
    return json_response(body)


def list_shares(call: Call) -> Response:
    shares, total = _listed(call)
    url = service_url(call)
    return _list_body(call, [views.share_summary(s, url) for s in shares], total)


def list_shares_detail(call: Call) -> Response:
    shares, total = _listed(call)
    return _list_body(call, [_detail(call, s) for s in shares], total)


def create_share(call: Call) -> Response:
    body = body_object(call, "share", status=422)
    user_id = str((call.token or {}).get("user", {}).get("id", ""))
    share = backend(call).create_share(call.project_id, user_id, body, version(call))
    return json_response({"share": _detail(call, share)})


def show_share(call: Call, share_id: str) -> Response:
    return json_response({"share": _detail(call, backend(call).share(call.project_id, share_id))})


def update_share(call: Call, share_id: str) -> Response:
    body = body_object(call, "share", status=422)
    models = backend(call)
    share = models.update_share(models.share(call.project_id, share_id), body)
    return json_response({"share": _detail(call, share)})


def delete_share(call: Call, share_id: str) -> Response:
    models = backend(call)
    models.delete_share(models.share(call.project_id, share_id))
    return Response(status=202)


def share_action(call: Call, share_id: str) -> Response:
    return actions.dispatch(call, backend(call), share_id, version(call))


# -- metadata ---------------------------------------------------------------------------------
def _share_for_metadata(call: Call, share_id: str) -> Record:
    return backend(call).share(call.project_id, share_id, "Share not found.")


def share_metadata(call: Call, share_id: str) -> Response:
    share = _share_for_metadata(call, share_id)
    if call.request.method == "GET":
        return json_response({"metadata": dict(share["metadata"])})
    metadata = body_object(call, "metadata")
    replace = call.request.method == "PUT"  # PUT replaces the whole set, POST merges into it
    return json_response({"metadata": backend(call).set_metadata(share, metadata, replace)})


def share_metadata_item(call: Call, share_id: str, key: str) -> Response:
    share = _share_for_metadata(call, share_id)
    models = backend(call)
    if call.request.method == "GET":
        return json_response({"meta": {key: models.metadata_item(share, key)}})
    if call.request.method == "DELETE":
        models.delete_metadata_item(share, key)
        return Response(status=200)
    body = call.body()
    item = body.get("meta", body.get("metadata")) if isinstance(body, dict) else None
    if not isinstance(item, dict):
        raise ApiError(400, "Malformed request body")
    if key not in item:
        raise ApiError(400, "Request body and URI mismatch")
    if len(item) > 1:
        raise ApiError(400, "Request body contains too many items")
    models.set_metadata(share, item, replace=False)
    return json_response({"metadata": {key: share["metadata"][key]}})


# -- export locations (2.9+) --------------------------------------------------------------
def _locations(call: Call, share_id: str) -> list[Record]:
    share = backend(call).share(call.project_id, share_id, f"Share '{share_id}' not found.")
    locations: list[Record] = share["_export_locations"]
    return locations


@versioned("2.9")
def export_locations(call: Call, share_id: str) -> Response:
    wanted = version(call)
    return json_response({"export_locations": [
        views.export_location(el, wanted, detail=False) for el in _locations(call, share_id)]})


@versioned("2.9")
def export_location(call: Call, share_id: str, location_id: str) -> Response:
    for location in _locations(call, share_id):
        if location["id"] == location_id:
            return json_response(
                {"export_location": views.export_location(location, version(call), detail=True)})
    raise ApiError(404, f"Export location '{location_id}' not found.")
