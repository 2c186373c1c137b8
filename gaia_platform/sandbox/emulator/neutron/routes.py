"""Neutron v2.0 HTTP routes (https://docs.openstack.org/api-ref/network/v2/).

Every resource kind gets the same five calls (list, create, show, update, delete) plus the tag
calls; routers add their interface and extra-route actions; quotas are read-only here. A POST
whose body holds the plural key (``{"security_group_rules": [...]}``) is a bulk create, all or
nothing (api-ref "Bulk create"; neutron/api/v2/base.py ``create`` with ``allow_bulk``).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from ..http import Call, Handler, Service, json_response, public
from .base import Kind, check_revision, revision_constraint, sort_views
from .discovery import extension, extensions, resources, versions
from .errors import (
    NeutronError,
    bad_request,
    error_body,
    invalid_attr,
    invalid_input,
    not_found,
    policy,
)
from .models import KIND_TYPES, NeutronBackend

PREFIX = "/network"
# neutron/extensions/tagging.py MAX_TAG_LEN and MAX_TAGS_COUNT.
MAX_TAG_LENGTH = 255
MAX_TAGS_COUNT = 50


def _backend(call: Call) -> NeutronBackend:
    backend: NeutronBackend = call.state.backends["neutron"]
    backend.ensure_project(call.project_id)
    return backend


def _base(call: Call) -> str:
    return call.state.config.base_url + PREFIX


def _fields(call: Call, record: dict[str, Any]) -> dict[str, Any]:
    wanted = [f for value in call.request.args.getlist("fields") for f in value.split(",") if f]
    return {k: v for k, v in record.items() if k in wanted} if wanted else record


def _body(call: Call, key: str) -> dict[str, Any]:
    body = call.body()
    if not isinstance(body, dict) or key not in body:
        raise bad_request(f"Unable to find '{key}' in request body")
    if not isinstance(body[key], dict):
        raise bad_request(f"Object '{key}' contains invalid data")
    inner: dict[str, Any] = body[key]
    return inner


# -- discovery --------------------------------------------------------------------------------
@public
def list_versions(call: Call) -> Response:
    return json_response(versions(_base(call)))


def list_resources(call: Call) -> Response:
    return json_response(resources(_base(call)))


def list_extensions(call: Call) -> Response:
    return json_response(extensions())


def show_extension(call: Call, alias: str) -> Response:
    found = extension(alias)
    if found is None:
        raise not_found("ExtensionNotFound", f"Extension with alias {alias} does not exist")
    return json_response({"extension": found})


# -- generic resource calls -------------------------------------------------------------------
def _collection_handlers(collection: str) -> tuple[Handler, Handler]:
    def on_collection(call: Call) -> Response:
        kind = _backend(call).kinds[collection]
        if call.request.method == "POST":
            body = call.body()
            if isinstance(body, dict) and kind.table_name in body:
                return _bulk_create(call, kind, body[kind.table_name])
            record = kind.create(call.project_id, _body(call, kind.singular))
            return json_response({kind.singular: kind.view(record)}, 201)
        return _list(call, kind)

    def on_item(call: Call, rid: str) -> Response:
        kind = _backend(call).kinds[collection]
        if call.request.method in ("PUT", "DELETE"):
            wanted = revision_constraint(call.request.headers.get("If-Match"))
            check_revision(kind.find(call.project_id, rid), wanted)
        if call.request.method == "PUT":
            record = kind.update(call.project_id, rid, _body(call, kind.singular))
            return json_response({kind.singular: kind.view(record)})
        if call.request.method == "DELETE":
            kind.delete(call.project_id, rid)
            return Response(status=204)
        return json_response({kind.singular: _fields(call, kind.view(kind.find(call.project_id,
                                                                                rid)))})

    return on_collection, on_item


def _bulk_create(call: Call, kind: Kind, items: Any) -> Response:
    """Create every item or none: Neutron runs a bulk create in one transaction and answers
    the first item's error (neutron/api/v2/base.py ``create``, ``_emulate_bulk_create`` rolls
    back what it made). Items are the attribute objects themselves, not wrapped."""
    if not isinstance(items, list) or not items:
        raise bad_request("Resources required")
    if not all(isinstance(item, dict) for item in items):
        raise bad_request(f"Object '{kind.table_name}' contains invalid data")
    store = call.state.store
    before = copy.deepcopy(store.data.get("neutron", {}))
    try:
        records = [kind.create(call.project_id, item) for item in items]
    except Exception:
        store.data["neutron"] = before
        raise
    return json_response({kind.table_name: [kind.view(r) for r in records]}, 201)


def _list(call: Call, kind: Kind) -> Response:
    args = call.request.args
    views = sort_views(kind.list_views(call.project_id, args), args)
    body: dict[str, Any] = {}
    marker, limit = args.get("marker"), args.get("limit")
    if marker:
        ids = [v["id"] for v in views]
        if marker not in ids:
            raise kind.not_found(marker)
        views = views[ids.index(marker) + 1:]
    if limit:
        try:
            size = int(limit)
        except ValueError:
            raise bad_request(f"Invalid input for limit. Reason: '{limit}' is not an "
                              "integer.") from None
        if 0 < size < len(views):
            views = views[:size]
            query = {k: v for k, v in args.items(multi=True) if k != "marker"}
            query["marker"] = views[-1]["id"]
            href = f"{_base(call)}/v2.0/{kind.collection}?{urlencode(query)}"
            body[f"{kind.table_name}_links"] = [{"rel": "next", "href": href}]
    body[kind.table_name] = [_fields(call, v) for v in views]
    return json_response(body)


def _tag_handlers(collection: str) -> tuple[Handler, Handler]:
    def on_tags(call: Call, rid: str) -> Response:
        kind = _backend(call).kinds[collection]
        method = call.request.method
        if method == "GET":
            return json_response({"tags": kind.find(call.project_id, rid)["tags"]})
        record = kind.find_owned(call.project_id, rid, "update")
        if method == "DELETE":
            record["tags"] = []
            kind.touch(record)
            return Response(status=204)
        tags = _tags_body(call)
        if method == "POST":
            # POST adds the tags not there yet and answers 201 with the request's own body
            # (neutron/extensions/tagging.py TaggingController.create,
            # neutron/services/tag/tag_plugin.py create_tags).
            added = [t for t in tags if t not in record["tags"]]
            _check_tag_count(record["tags"] + added)
            if added:
                record["tags"] = record["tags"] + added
                kind.touch(record)
            return json_response({"tags": tags}, 201)
        _check_tag_count(tags)
        record["tags"] = list(tags)
        kind.touch(record)
        return json_response({"tags": record["tags"]})

    def on_tag(call: Call, rid: str, tag: str) -> Response:
        kind = _backend(call).kinds[collection]
        method = call.request.method
        record = kind.find(call.project_id, rid) if method == "GET" else \
            kind.find_owned(call.project_id, rid, "update")
        if method == "PUT":
            _check_tag(tag)
            _check_tag_count([*record["tags"], tag])
            if tag not in record["tags"]:
                record["tags"].append(tag)
                kind.touch(record)
            return Response(status=201)
        if tag not in record["tags"]:
            raise not_found("TagNotFound", f"Tag {tag} could not be found.")
        if method == "DELETE":
            record["tags"].remove(tag)
            kind.touch(record)
        return Response(status=204)

    return on_tags, on_tag


def _tags_body(call: Call) -> list[str]:
    """neutron/extensions/tagging.py validate_tags: a list of unique strings."""
    body = call.body()
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(body, dict) or "tags" not in body:
        raise invalid_input("InvalidInput", "Invalid input for operation: Invalid tags body.")
    if not isinstance(tags, list):
        raise invalid_input("InvalidInput", f"Invalid input for operation: '{tags}' is not "
                            "a list.")
    for tag in tags:
        _check_tag(tag)
    repeated = sorted({t for t in tags if tags.count(t) > 1})
    if repeated:
        raise invalid_input("InvalidInput", "Invalid input for operation: Duplicate items in "
                            f"the list: '{', '.join(repeated)}'.")
    return list(tags)


def _check_tag(tag: Any) -> None:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH:
        raise invalid_attr("tags", f"'{tag}' is not a valid tag: a string of 1 to "
                           f"{MAX_TAG_LENGTH} characters is required")


def _check_tag_count(tags: list[str]) -> None:
    """neutron/extensions/tagging.py validate_tags_limit."""
    if len(set(tags)) > MAX_TAGS_COUNT:
        raise NeutronError(400, "BadRequest", "Bad resource request: The number of tags "
                           f"exceed the per-resource limit of {MAX_TAGS_COUNT}.")


# -- routers ----------------------------------------------------------------------------------
def router_action(call: Call, rid: str, action: str) -> Response:
    routers = _backend(call).routers
    if action in ("add_router_interface", "remove_router_interface"):
        body = call.body()
        if not isinstance(body, dict):
            raise bad_request("Body contains invalid data")
        if action == "add_router_interface":
            return json_response(routers.add_interface(call.project_id, rid, body))
        return json_response(routers.remove_interface(call.project_id, rid, body))
    if action in ("add_extraroutes", "remove_extraroutes"):
        router = routers.change_routes(call.project_id, rid, _body(call, "router"),
                                       add=action == "add_extraroutes")
        return json_response({"router": routers.view(router)})
    raise not_found("HTTPNotFound", "The resource could not be found.")


# -- quotas -----------------------------------------------------------------------------------
def _own_project(call: Call, project_id: str) -> None:
    if project_id != call.project_id:
        raise policy("rule:get_quota")


def list_quotas(call: Call) -> Response:
    return json_response({"quotas": []})


def show_quota(call: Call, project_id: str) -> Response:
    _own_project(call, project_id)
    if call.request.method != "GET":
        raise policy(f"rule:{'update' if call.request.method == 'PUT' else 'delete'}_quota")
    return json_response({"quota": _backend(call).quotas()})


def default_quota(call: Call, project_id: str) -> Response:
    _own_project(call, project_id)
    return json_response({"quota": _backend(call).quotas()})


def quota_details(call: Call, project_id: str) -> Response:
    _own_project(call, project_id)
    backend = _backend(call)
    used = backend.usage(project_id)
    return json_response({"quota": {
        key: {"limit": limit, "used": used.get(key, 0), "reserved": 0}
        for key, limit in backend.quotas().items()
    }})


def _rules() -> list[tuple[str, list[str], Handler]]:
    rules: list[tuple[str, list[str], Handler]] = [
        ("/", ["GET"], list_versions),
        ("/v2.0/", ["GET"], list_resources),
        ("/v2.0/extensions", ["GET"], list_extensions),
        ("/v2.0/extensions/<alias>", ["GET"], show_extension),
        ("/v2.0/routers/<rid>/<any(add_router_interface,remove_router_interface,"
         "add_extraroutes,remove_extraroutes):action>", ["PUT"], router_action),
        ("/v2.0/quotas", ["GET"], list_quotas),
        ("/v2.0/quotas/<project_id>", ["GET", "PUT", "DELETE"], show_quota),
        ("/v2.0/quotas/<project_id>/default", ["GET"], default_quota),
        ("/v2.0/quotas/<project_id>/details", ["GET"], quota_details),
        ("/v2.0/quotas/<project_id>/details.json", ["GET"], quota_details),
    ]
    for kind in KIND_TYPES:
        path = f"/v2.0/{kind.collection}"
        on_collection, on_item = _collection_handlers(kind.collection)
        rules += [(path, ["GET", "POST"], on_collection),
                  (path + "/<rid>", ["GET", "PUT", "DELETE"], on_item)]
        if kind.taggable:
            on_tags, on_tag = _tag_handlers(kind.collection)
            rules += [(path + "/<rid>/tags", ["GET", "POST", "PUT", "DELETE"], on_tags),
                      (path + "/<rid>/tags/<tag>", ["GET", "PUT", "DELETE"], on_tag)]
    return rules


SERVICE = Service(name="neutron", prefix=PREFIX, rules=_rules(), error_body=error_body)
