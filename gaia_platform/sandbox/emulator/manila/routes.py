"""Manila (Shared File Systems API v2) routes: https://docs.openstack.org/api-ref/shared-file-system/

Every /v2 path is served with and without the ``{project_id}`` segment, as Manila's router
connects both. Version discovery, share types, limits, quota sets and availability zones
live here; shares and access rules in share_routes.py and access_routes.py.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..http import ApiError, Call, Handler, Service, json_response, public
from . import access_routes as access
from . import message_routes as messages
from . import replica_routes as replicas
from . import share_routes as shares
from . import sharetypes, versions, views
from . import snapshot_routes as snapshots
from .common import PREFIX, backend, manila_call, service_url, version, versioned
from .errors import fault_body
from .models import AVAILABILITY_ZONE, AZ_ID


# -- version discovery (public) ---------------------------------------------------------
@public
def versions_root(call: Call) -> Response:
    # The unversioned root lists every version with 300 Multiple Choices.
    return json_response({"versions": [versions.document(service_url(call))]}, 300)


@public
def versions_v2(call: Call) -> Response:
    return json_response({"versions": [versions.document(service_url(call))]})


# -- share types ---------------------------------------------------------------------------
def _type_view(call: Call, stype: dict[str, object]) -> dict[str, object]:
    return views.share_type(dict(stype), version(call), sharetypes.DEFAULT_TYPE)


def list_types(call: Call) -> Response:
    types = [_type_view(call, t) for t in backend(call).share_types()]
    return json_response({"share_types": types, "volume_types": types})


def default_type(call: Call) -> Response:
    shown = _type_view(call, backend(call).default_share_type())
    return json_response({"share_type": shown, "volume_type": shown})


def _type_by_id(call: Call, type_id: str) -> dict[str, object]:
    stype = backend(call).share_type(type_id)
    if stype["id"] != type_id:  # GET /types/{id} looks up ids only, never names
        raise ApiError(404, "Share type not found.")
    return stype


def show_type(call: Call, type_id: str) -> Response:
    shown = _type_view(call, _type_by_id(call, type_id))
    return json_response({"share_type": shown, "volume_type": shown})


def type_extra_specs(call: Call, type_id: str) -> Response:
    shown = _type_view(call, _type_by_id(call, type_id))
    return json_response({"extra_specs": shown["extra_specs"]})


# -- limits, quotas, availability zones ------------------------------------------------
def limits(call: Call) -> Response:
    models = backend(call)
    return json_response(views.limits_view(models.quota_limits(),
                                           models.quota_usage(call.project_id), version(call)))


def _quota_project(call: Call, project_id: str) -> None:
    if project_id != call.project_id:  # quota_set:show lets a member see its own project only
        raise ApiError(403, "Access was denied to this resource.")


def _quota_set(call: Call, project_id: str, detail: bool) -> Response:
    _quota_project(call, project_id)
    models = backend(call)
    used = models.quota_usage(project_id) if detail else None
    return json_response(
        {"quota_set": views.quota_set(project_id, models.quota_limits(), used, version(call))})


@versioned("2.7")
def quota_set(call: Call, quota_project: str) -> Response:
    return _quota_set(call, quota_project, detail=False)


@versioned("2.0", "2.6")
def quota_set_legacy(call: Call, quota_project: str) -> Response:
    return _quota_set(call, quota_project, detail=False)


@versioned("2.25")
def quota_set_detail(call: Call, quota_project: str) -> Response:
    return _quota_set(call, quota_project, detail=True)


@versioned("2.7")
def quota_defaults(call: Call, quota_project: str) -> Response:
    _quota_project(call, quota_project)
    return json_response({"quota_set": views.quota_set(
        quota_project, backend(call).quota_limits(), None, version(call))})


def _zones(call: Call) -> Response:
    created = "2015-08-27T09:49:58.000000"
    return json_response({"availability_zones": [
        {"id": AZ_ID, "name": AVAILABILITY_ZONE, "created_at": created, "updated_at": None}]})


availability_zones = versioned("2.7")(_zones)
availability_zones_legacy = versioned("2.0", "2.6")(_zones)


# -- the service ---------------------------------------------------------------------------
V2_ROUTES: list[tuple[str, list[str], Handler]] = [
    ("/types", ["GET"], list_types),
    ("/types/default", ["GET"], default_type),
    ("/types/<type_id>", ["GET"], show_type),
    ("/types/<type_id>/extra_specs", ["GET"], type_extra_specs),
    ("/shares", ["GET"], shares.list_shares),
    ("/shares", ["POST"], shares.create_share),
    ("/shares/detail", ["GET"], shares.list_shares_detail),
    ("/shares/<share_id>", ["GET"], shares.show_share),
    ("/shares/<share_id>", ["PUT"], shares.update_share),
    ("/shares/<share_id>", ["DELETE"], shares.delete_share),
    ("/shares/<share_id>/action", ["POST"], shares.share_action),
    ("/shares/<share_id>/metadata", ["GET", "POST", "PUT"], shares.share_metadata),
    # Manila's router sets one item with POST (not PUT): manila/api/v2/router.py.
    ("/shares/<share_id>/metadata/<key>", ["GET", "POST", "DELETE"], shares.share_metadata_item),
    ("/shares/<share_id>/export_locations", ["GET"], shares.export_locations),
    ("/shares/<share_id>/export_locations/<location_id>", ["GET"], shares.export_location),
    ("/snapshots", ["GET"], snapshots.list_snapshots),
    ("/snapshots/detail", ["GET"], snapshots.list_snapshots),
    ("/snapshots", ["POST"], snapshots.create_snapshot),
    ("/snapshots/<snapshot_id>", ["GET", "PUT", "DELETE"], snapshots.snapshot),
    ("/share-replicas", ["GET"], replicas.list_replicas),
    ("/share-replicas/detail", ["GET"], replicas.list_replicas),
    ("/share-replicas", ["POST"], replicas.create_replica),
    ("/share-replicas/<replica_id>", ["GET", "DELETE"], replicas.replica),
    ("/share-access-rules", ["GET"], access.list_rules),
    ("/share-access-rules/<access_id>", ["GET"], access.show_rule),
    ("/share-access-rules/<access_id>", ["PUT"], access.update_rule),
    ("/share-access-rules/<access_id>/metadata", ["PUT"], access.rule_metadata),
    ("/share-access-rules/<access_id>/metadata/<key>", ["DELETE"], access.rule_metadata_item),
    ("/limits", ["GET"], limits),
    ("/quota-sets/<quota_project>", ["GET"], quota_set),
    ("/quota-sets/<quota_project>/detail", ["GET"], quota_set_detail),
    ("/quota-sets/<quota_project>/defaults", ["GET"], quota_defaults),
    ("/os-quota-sets/<quota_project>", ["GET"], quota_set_legacy),
    ("/availability-zones", ["GET"], availability_zones),
    ("/messages", ["GET"], messages.list_messages),
    ("/messages/<message_id>", ["GET"], messages.show_message),
    ("/os-availability-zone", ["GET"], availability_zones_legacy),
]


def _rules() -> list[tuple[str, list[str], Handler]]:
    rules: list[tuple[str, list[str], Handler]] = [
        ("/", ["GET"], versions_root),
        ("/v2", ["GET"], versions_v2),
    ]
    for path, methods, handler in V2_ROUTES:
        wrapped = manila_call(handler)
        rules.append(("/v2" + path, methods, wrapped))
        rules.append(("/v2/<project_id>" + path, methods, wrapped))
    return rules


def _negotiate(request: Request) -> tuple[str | None, dict[str, str]]:
    return versions.negotiate(PREFIX, request)


SERVICE = Service(
    name="manila",
    prefix=PREFIX,
    rules=_rules(),
    error_body=fault_body,
    negotiate=_negotiate,
)
