"""Nova (compute v2.1) HTTP routes (https://docs.openstack.org/api-ref/compute/).

Version discovery, flavors, keypairs, limits, quota sets and availability zones live here; the
server calls in server_routes.py. Errors keep the microversion headers, as Nova's do.
"""

from __future__ import annotations

import functools
from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, Handler, Service, json_response, nova_style_error, public
from . import flavors, server_routes
from .server_routes import PREFIX, backend_of, base_of, requester
from .versions import at_least, negotiate, version_document, version_headers, versions_document


def versioned(handler: Handler) -> Handler:
    """Nova puts the microversion headers on error responses too."""

    @functools.wraps(handler)
    def wrapper(call: Call, **kwargs: Any) -> Response:
        try:
            return handler(call, **kwargs)
        except ApiError as error:
            if call.microversion:
                error.headers = {**version_headers(call.microversion), **error.headers}
            raise

    return wrapper


# -- discovery (public, as in Nova's paste pipeline) --------------------------------------------
@public
def list_versions(call: Call) -> Response:
    return json_response(versions_document(base_of(call)))


@public
def show_version(call: Call) -> Response:
    return json_response(version_document(base_of(call)))


# -- flavors ------------------------------------------------------------------------------------
def list_flavors(call: Call) -> Response:
    items = flavors.listing(call.request.args, base_of(call), call.microversion, details=False)
    return json_response({"flavors": items})


def list_flavors_detail(call: Call) -> Response:
    items = flavors.listing(call.request.args, base_of(call), call.microversion, details=True)
    return json_response({"flavors": items})


def show_flavor(call: Call, flavor_id: str) -> Response:
    flavor = flavors.find(flavor_id)
    return json_response({"flavor": flavors.detail(flavor, base_of(call), call.microversion)})


# -- keypairs -----------------------------------------------------------------------------------
def keypairs(call: Call) -> Response:
    who = requester(call)
    store = backend_of(call).keypairs
    if call.request.method == "POST":
        created = store.create(who.user_id, call.body_key("keypair"), who.version)
        return json_response({"keypair": created}, 201 if at_least(who.version, "2.2") else 200)
    listed = [{"keypair": store.view(k, who.version, brief=True)} for k in store.mine(who.user_id)]
    return json_response({"keypairs": listed})


def keypair(call: Call, name: str) -> Response:
    who = requester(call)
    store = backend_of(call).keypairs
    if call.request.method == "DELETE":
        store.delete(who.user_id, name)
        return Response(status=204 if at_least(who.version, "2.2") else 202)
    found = store.view(store.get(who.user_id, name), who.version, brief=False)
    return json_response({"keypair": found})


# -- limits and quotas --------------------------------------------------------------------------
def _network_limits(call: Call) -> dict[str, int]:
    """Before 2.36 the limits carried Neutron's security group and floating IP numbers."""
    neutron = call.state.backends["neutron"]
    quotas, used = neutron.quotas(), neutron.usage(call.project_id)
    return {"maxSecurityGroups": quotas["security_group"],
            "maxSecurityGroupRules": quotas["security_group_rule"],
            "maxTotalFloatingIps": quotas["floatingip"],
            "totalFloatingIpsUsed": used["floatingip"],
            "totalSecurityGroupsUsed": used["security_group"]}


def limits(call: Call) -> Response:
    backend = backend_of(call)
    who = requester(call)
    quota, used = backend.quota_limits(), backend.usage(who.project_id, who.user_id)
    absolute: dict[str, int] = {
        "maxServerMeta": quota["metadata_items"], "maxTotalInstances": quota["instances"],
        "maxTotalKeypairs": quota["key_pairs"], "maxServerGroups": quota["server_groups"],
        "maxServerGroupMembers": quota["server_group_members"],
        "maxTotalCores": quota["cores"], "maxTotalRAMSize": quota["ram"],
        "totalRAMUsed": used["ram"], "totalCoresUsed": used["cores"],
        "totalInstancesUsed": used["instances"], "totalServerGroupsUsed": 0,
    }
    if not at_least(who.version, "2.57"):
        absolute["maxPersonality"] = quota["injected_files"]
        absolute["maxPersonalitySize"] = quota["injected_file_content_bytes"]
    if not at_least(who.version, "2.39"):
        absolute["maxImageMeta"] = quota["metadata_items"]
    if not at_least(who.version, "2.36"):
        absolute.update(_network_limits(call))
    return json_response({"limits": {"rate": [], "absolute": absolute}})


def _quota_keys(version: str | None) -> list[str]:
    keys = ["cores", "instances", "key_pairs", "metadata_items", "ram", "server_groups",
            "server_group_members"]
    if not at_least(version, "2.57"):
        keys += ["injected_file_content_bytes", "injected_file_path_bytes", "injected_files"]
    return keys


def _quota_project(call: Call, project_id: str, action: str) -> None:
    if project_id != call.project_id or call.request.method != "GET":
        raise ApiError(403, f"Policy doesn't allow os_compute_api:os-quota-sets:{action} to "
                            "be performed.")


def _legacy_network_quotas(call: Call, detail: bool) -> dict[str, Any]:
    if at_least(call.microversion, "2.36"):
        return {}
    neutron = call.state.backends["neutron"].quotas()
    values = {"fixed_ips": -1, "floating_ips": neutron["floatingip"],
              "security_group_rules": neutron["security_group_rule"],
              "security_groups": neutron["security_group"]}
    if detail:
        return {k: {"in_use": 0, "limit": v, "reserved": 0} for k, v in values.items()}
    return values


def quota_set(call: Call, project_id: str) -> Response:
    _quota_project(call, project_id, "update" if call.request.method == "PUT" else "delete")
    quota = backend_of(call).quota_limits()
    body = {"id": project_id, **{k: quota[k] for k in _quota_keys(call.microversion)},
            **_legacy_network_quotas(call, detail=False)}
    return json_response({"quota_set": body})


def quota_set_detail(call: Call, project_id: str) -> Response:
    _quota_project(call, project_id, "detail")
    backend = backend_of(call)
    who = requester(call)
    quota, used = backend.quota_limits(), backend.usage(project_id, who.user_id)
    body: dict[str, Any] = {"id": project_id}
    for key in _quota_keys(call.microversion):
        body[key] = {"in_use": used[key], "limit": quota[key], "reserved": 0}
    body.update(_legacy_network_quotas(call, detail=True))
    return json_response({"quota_set": body})


def quota_set_defaults(call: Call, project_id: str) -> Response:
    quota = backend_of(call).quota_limits()
    return json_response({"quota_set": {"id": project_id, **{
        k: quota[k] for k in _quota_keys(call.microversion)}}})


def admin_only(policy: str) -> Handler:
    """An admin API: the member's call is refused by its default policy (nova/policies/
    hypervisors.py, services.py), not missing."""

    def refuse(call: Call, **_: Any) -> Response:
        raise ApiError(403, f"Policy doesn't allow {policy} to be performed.")

    return refuse


def availability_zones(call: Call) -> Response:
    return json_response({"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}]})


_RULES: list[tuple[str, list[str], Handler]] = [
    ("/flavors", ["GET"], list_flavors),
    ("/flavors/detail", ["GET"], list_flavors_detail),
    ("/flavors/<flavor_id>", ["GET"], show_flavor),
    ("/os-keypairs", ["GET", "POST"], keypairs),
    ("/os-keypairs/<name>", ["GET", "DELETE"], keypair),
    ("/limits", ["GET"], limits),
    ("/os-quota-sets/<project_id>", ["GET", "PUT", "DELETE"], quota_set),
    ("/os-quota-sets/<project_id>/detail", ["GET"], quota_set_detail),
    ("/os-quota-sets/<project_id>/defaults", ["GET"], quota_set_defaults),
    ("/os-availability-zone", ["GET"], availability_zones),
    ("/os-hypervisors", ["GET"], admin_only("os_compute_api:os-hypervisors:list")),
    ("/os-hypervisors/detail", ["GET"],
     admin_only("os_compute_api:os-hypervisors:list-detail")),
    ("/os-hypervisors/<hypervisor_id>", ["GET"],
     admin_only("os_compute_api:os-hypervisors:show")),
    ("/os-services", ["GET"], admin_only("os_compute_api:os-services:list")),
    ("/servers", ["GET"], server_routes.list_servers),
    ("/servers", ["POST"], server_routes.create_server),
    ("/servers/detail", ["GET"], server_routes.list_servers_detail),
    ("/servers/<server_id>", ["GET", "PUT", "DELETE"], server_routes.server),
    ("/servers/<server_id>/action", ["POST"], server_routes.server_action),
    ("/servers/<server_id>/metadata", ["GET", "PUT", "POST"], server_routes.metadata),
    ("/servers/<server_id>/metadata/<key>", ["GET", "PUT", "DELETE"],
     server_routes.metadata_item),
    ("/servers/<server_id>/tags", ["GET", "PUT", "DELETE"], server_routes.tags),
    ("/servers/<server_id>/tags/<name>", ["GET", "PUT", "DELETE"], server_routes.tag),
    ("/servers/<server_id>/os-interface", ["GET"], server_routes.interfaces),
    ("/servers/<server_id>/ips", ["GET"], server_routes.ips),
    ("/servers/<server_id>/ips/<label>", ["GET"], server_routes.ips_of_network),
]

SERVICE = Service(
    name="nova",
    prefix=PREFIX,
    error_body=nova_style_error,
    negotiate=negotiate,
    rules=[("/", ["GET"], list_versions), ("/v2.1", ["GET"], show_version)]
    + [("/v2.1" + path, methods, versioned(handler)) for path, methods, handler in _RULES],
)
