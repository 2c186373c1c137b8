"""Magnum (container-infra) API v1 HTTP routes.

https://docs.openstack.org/api-ref/container-infrastructure-management/ ; the logic is in
templates.py, clusters.py, nodegroups.py, certificates.py and lifecycle.py.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, Service, json_response, public
from ..store import Record
from . import certificates, clusters, nodegroups, templates
from .errors import error_body
from .models import MagnumBackend
from .versions import PREFIX, at_least, negotiate, require, root_document, v1_document


def _backend(call: Call) -> MagnumBackend:
    backend: MagnumBackend = call.state.backends["magnum"]
    return backend


def _admin(call: Call) -> bool:
    roles = (call.token or {}).get("roles", [])
    return any(role.get("name") == "admin" for role in roles)


def _answer(call: Call, body: Any, status: int = 200) -> Response:
    call.response_headers["X-OpenStack-Request-Id"] = "req-" + _backend(call).new_uuid()
    return json_response(body, status)


def _page(call: Call, records: list[Record], key: str, path: str) -> dict[str, Any]:
    """Magnum's collections: sort_key/sort_dir, marker (a uuid) and limit, then ``next``."""
    args = call.request.args
    sort_key, sort_dir = args.get("sort_key", "id"), args.get("sort_dir", "asc")
    if sort_dir not in ("asc", "desc"):
        raise ApiError(400, f"Invalid sort direction: {sort_dir}. Acceptable values are "
                            "'asc' or 'desc'")
    if records and sort_key != "id" and not any(sort_key in r for r in records):
        # magnum/db/sqlalchemy/api.py _paginate_query: oslo.db's InvalidSortKey for a name
        # that is no column (judged here by the records' own fields).
        raise ApiError(400, f'The sort_key value "{sort_key}" is an invalid field for sorting')
    if sort_key != "id":
        records = sorted(records, key=lambda r: str(r.get(sort_key) or ""))
    if sort_dir == "desc":
        records = list(reversed(records))
    marker = args.get("marker")
    if marker:
        uuids = [r["uuid"] for r in records]
        records = records[uuids.index(marker) + 1:] if marker in uuids else records
    limit_arg = args.get("limit")
    body: dict[str, Any] = {key: records}
    if limit_arg is not None:
        try:
            limit = int(limit_arg)
        except ValueError:
            raise ApiError(400, f"Invalid input for field/attribute limit. Value: "
                                f"'{limit_arg}'. unable to convert to int") from None
        if limit <= 0:
            raise ApiError(400, "Limit must be positive")
        body[key] = records[:limit]
        if len(body[key]) == limit:  # Collection.has_next: a full page may have a next one
            body["next"] = (f"{_backend(call).app_url}/v1/{path}?sort_key={sort_key}&"
                            f"sort_dir={sort_dir}&limit={limit}&marker={body[key][-1]['uuid']}")
    return body


# -- version documents -------------------------------------------------------------------
@public
def root(call: Call) -> Response:
    return json_response(root_document(_backend(call).app_url))


@public
def v1(call: Call) -> Response:
    return _answer(call, v1_document(_backend(call).app_url))


# -- cluster templates ---------------------------------------------------------------------
def template_collection(call: Call) -> Response:
    backend = _backend(call)
    if call.request.method == "POST":
        record = templates.create(backend, call.project_id, str(call.token["user"]["id"])
                                  if call.token else "", call.body(), _admin(call))
        call.response_headers["Location"] = backend.links("clustertemplates",
                                                          record["uuid"])[0]["href"]
        return _answer(call, templates.view(backend, record), 201)
    shown = [templates.view(backend, t) for t in backend.visible_templates(call.project_id)]
    return _answer(call, _page(call, shown, "clustertemplates", "clustertemplates"))


def template_detail(call: Call) -> Response:
    backend = _backend(call)
    shown = [templates.view(backend, t) for t in backend.visible_templates(call.project_id)]
    return _answer(call, _page(call, shown, "clustertemplates", "clustertemplates/detail"))


def template_item(call: Call, ident: str) -> Response:
    backend = _backend(call)
    record = backend.template(ident, call.project_id)
    if call.request.method == "DELETE":
        templates.delete(backend, record)
        return _answer(call, None, 204)
    if call.request.method == "PATCH":
        record = templates.update(backend, record, call.body(), _admin(call),
                                  str(call.token["user"]["id"]) if call.token else "")
    return _answer(call, templates.view(backend, record))


# -- clusters ----------------------------------------------------------------------------------
def cluster_collection(call: Call) -> Response:
    backend = _backend(call)
    if call.request.method == "POST":
        assert call.token is not None
        cluster = clusters.create(backend, call.token, call.body(), call.microversion,
                                  _admin(call))
        return _answer(call, {"uuid": cluster["uuid"]}, 202)
    shown = [clusters.view(backend, c, call.microversion, expand=False)
             for c in backend.project_clusters(call.project_id)]
    return _answer(call, _page(call, shown, "clusters", "clusters"))


def cluster_detail(call: Call) -> Response:
    backend = _backend(call)
    shown = [clusters.view(backend, c, call.microversion)
             for c in backend.project_clusters(call.project_id)]
    return _answer(call, _page(call, shown, "clusters", "clusters/detail"))


def cluster_item(call: Call, ident: str) -> Response:
    backend = _backend(call)
    cluster = backend.cluster(ident, call.project_id)
    if call.request.method == "DELETE":
        clusters.delete(backend, cluster)
        return _answer(call, None, 204)
    if call.request.method == "PATCH":
        if call.request.args.get("rollback") is not None and not at_least(call.microversion,
                                                                          "1.3"):
            raise ApiError(400, 'Unknown argument: "rollback"')  # added in 1.3
        clusters.update(backend, cluster, call.body(), call.microversion)
        return _answer(call, {"uuid": cluster["uuid"]}, 202)
    return _answer(call, clusters.view(backend, cluster, call.microversion, faults=True))


def cluster_resize(call: Call, ident: str) -> Response:
    require(call.microversion, "1.7", "resize")
    backend = _backend(call)
    cluster = backend.cluster(ident, call.project_id)
    clusters.resize(backend, cluster, call.body(), call.microversion)
    return _answer(call, {"uuid": cluster["uuid"]}, 202)


def cluster_upgrade(call: Call, ident: str) -> Response:
    require(call.microversion, "1.7", "upgrade")
    if call.microversion == "1.7":
        raise ApiError(400, "Cluster upgrade is not supported in the provided microversion.")
    backend = _backend(call)
    cluster = backend.cluster(ident, call.project_id)
    clusters.upgrade(backend, cluster, call.body(), call.project_id)
    return _answer(call, {"uuid": cluster["uuid"]}, 202)


# -- node groups -----------------------------------------------------------------------------
def nodegroup_collection(call: Call, ident: str) -> Response:
    api = "post" if call.request.method == "POST" else "get_all"
    require(call.microversion, "1.9", api)
    backend = _backend(call)
    cluster = backend.cluster(ident, call.project_id)
    if call.request.method == "POST":
        group = nodegroups.create(backend, cluster, call.body())
        return _answer(call, nodegroups.view(backend, group), 202)
    groups = backend.cluster_nodegroups(cluster["uuid"])
    role = call.request.args.get("role")
    if role:
        groups = [g for g in groups if g["role"] == role]
    shown = [nodegroups.view(backend, g, expand=False) for g in groups]
    return _answer(call, _page(call, shown, "nodegroups", f"clusters/{cluster['uuid']}/nodegroups"))


def nodegroup_item(call: Call, ident: str, group_ident: str) -> Response:
    api = {"GET": "get_one", "PATCH": "patch", "DELETE": "delete"}[call.request.method]
    require(call.microversion, "1.9", api)
    backend = _backend(call)
    cluster = backend.cluster(ident, call.project_id)
    group = backend.nodegroup(cluster, group_ident)
    if call.request.method == "DELETE":
        nodegroups.delete(backend, cluster, group)
        return _answer(call, None, 204)
    if call.request.method == "PATCH":
        group = nodegroups.update(backend, cluster, group, call.body())
        return _answer(call, nodegroups.view(backend, group), 202)
    return _answer(call, nodegroups.view(backend, group))


# -- certificates, services, stats -------------------------------------------------------
def certificate_sign(call: Call) -> Response:
    return _answer(call, certificates.sign(_backend(call), call.body(), call.project_id), 201)


def certificate_show(call: Call, ident: str) -> Response:
    backend = _backend(call)
    return _answer(call, certificates.show(backend, backend.cluster(ident, call.project_id)))


def mservices(call: Call) -> Response:
    if not _admin(call):
        # magnum/common/policies/magnum_service.py: magnum-service:get_all is admin only;
        # policy.enforce_wsgi raises PolicyNotAuthorized (403).
        raise ApiError(403, "Policy doesn't allow magnum-service:get_all to be performed.")
    backend = _backend(call)
    started = backend.stamp()
    service = {"id": 1, "host": "magnum-conductor-0", "binary": "magnum-conductor",
               "state": "up", "report_count": 1, "disabled": False, "disabled_reason": None,
               "created_at": started, "updated_at": started}
    return _answer(call, {"mservices": [service]})


def stats(call: Call) -> Response:
    require(call.microversion, "1.4", "get_all")
    backend = _backend(call)
    owned = backend.project_clusters(call.project_id)
    nodes = sum(int(g["node_count"]) for c in owned
                for g in backend.cluster_nodegroups(c["uuid"]))
    return _answer(call, {"clusters": len(owned), "nodes": nodes})


SERVICE = Service(
    name="magnum",
    prefix=PREFIX,
    error_body=error_body,
    negotiate=negotiate,
    rules=[
        ("/", ["GET"], root),
        ("/v1", ["GET"], v1),
        ("/v1/clustertemplates", ["GET", "POST"], template_collection),
        ("/v1/clustertemplates/detail", ["GET"], template_detail),
        ("/v1/clustertemplates/<ident>", ["GET", "PATCH", "DELETE"], template_item),
        ("/v1/clusters", ["GET", "POST"], cluster_collection),
        ("/v1/clusters/detail", ["GET"], cluster_detail),
        ("/v1/clusters/<ident>", ["GET", "PATCH", "DELETE"], cluster_item),
        ("/v1/clusters/<ident>/actions/resize", ["POST"], cluster_resize),
        ("/v1/clusters/<ident>/actions/upgrade", ["POST"], cluster_upgrade),
        ("/v1/clusters/<ident>/nodegroups", ["GET", "POST"], nodegroup_collection),
        ("/v1/clusters/<ident>/nodegroups/<group_ident>", ["GET", "PATCH", "DELETE"],
         nodegroup_item),
        ("/v1/certificates", ["POST"], certificate_sign),
        ("/v1/certificates/<ident>", ["GET"], certificate_show),
        ("/v1/mservices", ["GET"], mservices),
        ("/v1/stats", ["GET"], stats),
    ],
)
