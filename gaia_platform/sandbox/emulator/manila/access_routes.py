"""Handlers for /share-access-rules (2.45+; api-ref "Share access rules" and "Share access
rule metadata"). Rules are created and denied through share actions (actions.py)."""

from __future__ import annotations

import ast
from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from . import views
from .access import ACCESS_LEVELS, validate_access
from .common import backend, body_object, version, versioned
from .metadata import check_metadata
from .models import Record


def _owned(call: Call, share_id: str) -> bool:
    return any(s["id"] == share_id for s in backend(call).shares(call.project_id))


def _rule(call: Call, access_id: str) -> Record:
    rule = backend(call).access.find(access_id)
    if rule is None or not _owned(call, rule["share_id"]):
        raise ApiError(404, f"Share access rule {access_id} not found.")
    return rule


def _metadata_filter(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        wanted = ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise ApiError(400, f"Invalid metadata filter: {text}") from exc
    if not isinstance(wanted, dict):
        raise ApiError(400, f"Invalid metadata filter: {text}")
    return wanted


def _detail(call: Call, rule: Record) -> Record:
    status = backend(call).access.rules_status(rule["share_id"])
    return views.access_rule(rule, version(call), status, detail=True)


def _filters(call: Call) -> dict[str, str]:
    """The 2.82 filters, validated as ShareAccessesController._validate_search_opts does."""
    args = call.request.args
    wanted = {k: args[k] for k in ("access_type", "access_to", "access_level", "access_key")
              if k in args}
    if version(call) < (2, 82):
        return {}
    access_type = wanted.get("access_type")
    if access_type and access_type not in ("ip", "user", "cert", "cephx"):
        raise ApiError(400, f"Invalid or unsupported share access type: {access_type}.")
    if "access_to" in wanted and not access_type:
        raise ApiError(400, "Invalid input received: 'access_type' parameter must be provided "
                            "when specifying 'access_to'..")
    if access_type and "access_to" in wanted:
        validate_access(access_type, wanted["access_to"], version(call))
    level = wanted.get("access_level")
    if level and level not in ACCESS_LEVELS:
        raise ApiError(400, f"Invalid or unsupported share access level: {level}.")
    return wanted


@versioned("2.45")
def list_rules(call: Call) -> Response:
    share_id = call.request.args.get("share_id")
    if share_id is None:
        raise ApiError(400, "The field 'share_id' has to be specified.")
    models = backend(call)
    if not _owned(call, share_id):
        raise ApiError(400, f"Share {share_id} not found.")
    filters = _filters(call)
    wanted_md = _metadata_filter(call.request.args.get("metadata"))
    status = models.access.rules_status(share_id)
    rules = [
        views.access_rule(rule, version(call), status, detail=False)
        for rule in models.access.for_share(share_id)
        if all(str(rule.get(k)) == v for k, v in filters.items())
        and all(rule["metadata"].get(k) == v for k, v in wanted_md.items())
    ]
    return json_response({"access_list": rules})


@versioned("2.45")
def show_rule(call: Call, access_id: str) -> Response:
    return json_response({"access": _detail(call, _rule(call, access_id))})


@versioned("2.88")
def update_rule(call: Call, access_id: str) -> Response:
    body = body_object(call, "update_access")
    rule = backend(call).access.update_level(_rule(call, access_id), body.get("access_level"))
    return json_response({"access": _detail(call, rule)})


@versioned("2.45")
def rule_metadata(call: Call, access_id: str) -> Response:
    """PUT merges the given keys into the rule's metadata and answers with them."""
    rule = _rule(call, access_id)
    metadata = check_metadata(body_object(call, "metadata"))
    rule["metadata"].update(metadata)
    return json_response({"metadata": metadata})


@versioned("2.45")
def rule_metadata_item(call: Call, access_id: str, key: str) -> Response:
    rule = _rule(call, access_id)
    if key not in rule["metadata"]:
        raise ApiError(404, f"Metadata item {key} of share access {access_id} not found.")
    del rule["metadata"][key]
    return Response(status=200)
