"""Nova server routes: servers, actions, metadata, tags, interfaces.

https://docs.openstack.org/api-ref/compute/ "Servers (servers)", "Servers - run an action",
"Server metadata", "Server tags (servers, tags)", "Port interfaces (servers, os-interface)".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from ..http import ApiError, Call, json_response
from ..store import Record
from . import sorting, views
from .create import (
    MAX_TAGS,
    Requester,
    check_hostname,
    check_metadata,
    check_tags,
    create_servers,
)
from .models import STATUS, NovaBackend, status_of, timestamp
from .versions import at_least

PREFIX = "/compute"
WRITABLE_STATES = ("active", "stopped")  # plus paused/suspended, not emulated


def backend_of(call: Call) -> NovaBackend:
    backend: NovaBackend = call.state.backends["nova"]
    return backend


def base_of(call: Call) -> str:
    return call.state.config.base_url + PREFIX


def requester(call: Call) -> Requester:
    assert call.token is not None
    return Requester(call.project_id, str(call.token["user"]["id"]), call.microversion)


def _detail(call: Call, server: Record) -> dict[str, Any]:
    return views.detail(backend_of(call), server, base_of(call), call.microversion)


# -- servers ----------------------------------------------------------------------------------
def create_server(call: Call) -> Response:
    backend = backend_of(call)
    server, password = create_servers(backend, requester(call), call.body())
    body = {"server": {"id": server["id"], "links": views.links(base_of(call), server["id"]),
                       "OS-DCF:diskConfig": server["OS-DCF:diskConfig"],
                       "security_groups": [{"name": n} for n in server["_security_groups"]],
                       "adminPass": password}}
    location = f"{base_of(call)}/v2.1/servers/{server['id']}"
    return json_response(body, 202, {"Location": location})


# oslo_utils.strutils.bool_from_string(strict=True) accepts these (lower-cased).
_BOOL_STRINGS = ("0", "1", "f", "false", "n", "no", "off", "on", "t", "true", "y", "yes")


def _all_tenants(args: Any) -> bool:
    """nova/api/openstack/common.py is_all_tenants: present and empty, or a true string."""
    if "all_tenants" not in args:
        return False
    value = args.get("all_tenants", "")
    if not value:
        return True
    if value.lower() not in _BOOL_STRINGS:
        raise ApiError(400, f"Invalid input received: Unrecognized value '{value}', "
                            f"acceptable values are: {', '.join(repr(b) for b in _BOOL_STRINGS)}")
    return value.lower() in ("1", "on", "t", "true", "y", "yes")


def _filtered(call: Call, details: bool = False) -> list[Record]:
    args = call.request.args
    if _all_tenants(args):
        # nova/api/openstack/compute/servers.py _get_servers: listing every project's servers
        # needs os_compute_api:servers:{index,detail}:get_all_tenants, admin only by default
        # (nova/policies/servers.py); PolicyNotAuthorized is 403.
        action = "detail" if details else "index"
        raise ApiError(403, f"Policy doesn't allow os_compute_api:servers:{action}:"
                            "get_all_tenants to be performed.")
    servers = [s for s in backend_of(call).servers.values() if s["tenant_id"] == call.project_id]
    servers = sorting.sort_servers(servers, args, call.microversion)
    if args.get("name"):
        try:
            pattern = re.compile(args["name"])
        except re.error:
            pattern = re.compile(re.escape(args["name"]))
        servers = [s for s in servers if pattern.search(s["name"])]
    statuses = [s.upper() for s in args.getlist("status")]
    if statuses:
        known = set(STATUS.values()) | {"REBOOT", "DELETED", "HARD_REBOOT", "PAUSED",
                                        "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED", "RESIZE",
                                        "VERIFY_RESIZE", "MIGRATING", "RESCUE", "SOFT_DELETED"}
        if not set(statuses) <= known:
            raise ApiError(400, "Invalid status value")
        servers = [s for s in servers if status_of(s) in statuses]
    for key, field in (("flavor", None), ("image", "_image"), ("key_name", "key_name")):
        if args.get(key):
            if field is None:
                servers = [s for s in servers if s["_flavor"]["id"] == args[key]]
            else:
                servers = [s for s in servers if s.get(field) == args[key]]
    if at_least(call.microversion, "2.26"):
        servers = [s for s in servers if _tags_match(set(s["tags"]), args)]
    return servers


def _tags_match(tags: set[str], args: Any) -> bool:
    def wanted(key: str) -> set[str]:
        return {t for v in args.getlist(key) for t in v.split(",") if t}

    all_of, any_of = wanted("tags"), wanted("tags-any")
    not_all, not_any = wanted("not-tags"), wanted("not-tags-any")
    return not ((all_of and not all_of <= tags) or (any_of and not any_of & tags)
                or (not_all and not_all <= tags) or (not_any and not_any & tags))


def list_servers(call: Call, details: bool = False) -> Response:
    servers = _filtered(call, details)
    args = call.request.args
    marker = args.get("marker")
    if marker:
        ids = [s["id"] for s in servers]
        if marker not in ids:
            raise ApiError(400, f"marker [{marker}] not found")
        servers = servers[ids.index(marker) + 1:]
    next_links: list[dict[str, str]] = []
    if args.get("limit"):
        try:
            limit = int(args["limit"])
        except ValueError:
            raise ApiError(400, "limit param must be an integer") from None
        if limit < 0:
            raise ApiError(400, "limit param must be positive")
        servers = servers[:limit]
        if servers and len(servers) == limit:
            query = {k: v for k, v in args.items(multi=True) if k != "marker"}
            query["marker"] = servers[-1]["id"]
            path = "servers/detail" if details else "servers"
            next_links = [{"rel": "next",
                           "href": f"{base_of(call)}/v2.1/{path}?{urlencode(query)}"}]
    body: dict[str, Any] = {"servers": [_detail(call, s) if details else
                                        views.brief(s, base_of(call)) for s in servers]}
    if next_links:
        body["servers_links"] = next_links
    return json_response(body)


def list_servers_detail(call: Call) -> Response:
    return list_servers(call, details=True)


def server(call: Call, server_id: str) -> Response:
    backend = backend_of(call)
    record = backend.get(call.project_id, server_id)
    if call.request.method == "DELETE":
        backend.delete(call.project_id, server_id)
        return Response(status=204)
    if call.request.method == "PUT":
        update = call.body_key("server")
        # nova/api/openstack/compute/schemas/servers.py update, update_v219 (description),
        # update_v290/update_v294 (hostname).
        allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
        if at_least(call.microversion, "2.19"):
            allowed.add("description")
        if at_least(call.microversion, "2.90"):
            allowed.add("hostname")
        extra = sorted(set(update) - allowed)
        if extra:
            # jsonschema's additionalProperties message, as nova.api.validation passes it on.
            names = ", ".join(repr(e) for e in extra)
            verb = "was" if len(extra) == 1 else "were"
            raise ApiError(400, f"Invalid input for field/attribute server. Value: {update}. "
                                f"Additional properties are not allowed ({names} {verb} "
                                "unexpected)")
        if "hostname" in update:
            check_hostname(update["hostname"], call.microversion, "server")
            record["_hostname"] = update.pop("hostname")
        record.update(update)
        record["updated"] = timestamp()
    return json_response({"server": _detail(call, record)})


def server_action(call: Call, server_id: str) -> Response:
    body = call.body()
    if not isinstance(body, dict) or len(body) != 1:
        raise ApiError(400, "Malformed request body")
    (name, args), = body.items()
    backend_of(call).action(call.project_id, server_id, name, args)
    return Response(status=202)


# -- metadata ---------------------------------------------------------------------------------
def _writable(call: Call, server_id: str, action: str) -> Record:
    backend = backend_of(call)
    record = backend.get(call.project_id, server_id)
    backend.check_state(record, action, WRITABLE_STATES)
    return record


def _store_metadata(call: Call, record: Record, metadata: dict[str, Any]) -> None:
    check_metadata(metadata)
    allowed = backend_of(call).quota_limits()["metadata_items"]
    if 0 <= allowed < len(metadata):
        raise ApiError(403, f"Maximum number of metadata items exceeds {allowed}")
    record["metadata"] = metadata
    record["updated"] = timestamp()


def metadata(call: Call, server_id: str) -> Response:
    method = call.request.method
    if method == "GET":
        return json_response({"metadata": backend_of(call).get(call.project_id,
                                                                server_id)["metadata"]})
    record = _writable(call, server_id, "update metadata")
    given = call.body()
    new = given.get("metadata") if isinstance(given, dict) else None
    if not isinstance(new, dict):
        raise ApiError(400, "Malformed request body")
    merged = {**record["metadata"], **new} if method == "POST" else dict(new)
    _store_metadata(call, record, merged)
    return json_response({"metadata": record["metadata"]})


def metadata_item(call: Call, server_id: str, key: str) -> Response:
    method = call.request.method
    record = backend_of(call).get(call.project_id, server_id)
    if method == "PUT":
        record = _writable(call, server_id, "update metadata")
        given = call.body()
        meta = given.get("meta") if isinstance(given, dict) else None
        if not isinstance(meta, dict) or len(meta) != 1:
            raise ApiError(400, "Request body and URI mismatch")
        if key not in meta:
            raise ApiError(400, "Request body and URI mismatch")
        _store_metadata(call, record, {**record["metadata"], **meta})
        return json_response({"meta": meta})
    if key not in record["metadata"]:
        raise ApiError(404, "Metadata item was not found")
    if method == "DELETE":
        record = _writable(call, server_id, "delete metadata")
        del record["metadata"][key]
        return Response(status=204)
    return json_response({"meta": {key: record["metadata"][key]}})


# -- tags (2.26) ------------------------------------------------------------------------------
def _tagged(call: Call, server_id: str) -> Record:
    if not at_least(call.microversion, "2.26"):
        raise ApiError(404, "The resource could not be found.")
    return backend_of(call).get(call.project_id, server_id)


def tags(call: Call, server_id: str) -> Response:
    record = _tagged(call, server_id)
    method = call.request.method
    if method == "GET":
        return json_response({"tags": record["tags"]})
    action = "update tags" if method == "PUT" else "delete tags"
    backend_of(call).check_state(record, action, WRITABLE_STATES)
    if method == "DELETE":
        record["tags"] = []
        return Response(status=204)
    given = call.body()
    new = given.get("tags") if isinstance(given, dict) else None
    check_tags(new)
    record["tags"] = list(dict.fromkeys(new or []))
    return json_response({"tags": record["tags"]})


def tag(call: Call, server_id: str, name: str) -> Response:
    record = _tagged(call, server_id)
    method = call.request.method
    if method == "GET":
        if name not in record["tags"]:
            raise ApiError(404, f"Server {server_id} has no tag '{name}'")
        return Response(status=204)
    action = "update tag" if method == "PUT" else "delete tag"
    backend_of(call).check_state(record, action, WRITABLE_STATES)
    if method == "DELETE":
        if name not in record["tags"]:
            raise ApiError(404, f"Instance {server_id} has no tag '{name}'")
        record["tags"].remove(name)
        return Response(status=204)
    if not name or len(name) > 60 or "/" in name or "," in name:
        raise ApiError(400, f"Tag '{name}' is invalid. It must be a non empty string without "
                            "characters '/' and ','.")
    if len(record["tags"]) >= MAX_TAGS:
        raise ApiError(400, f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    if name in record["tags"]:
        return Response(status=204)
    record["tags"].append(name)
    location = f"{base_of(call)}/v2.1/servers/{server_id}/tags/{name}"
    return Response(status=201, headers={"Location": location})


# -- addresses (core API) ---------------------------------------------------------------------
def ips(call: Call, server_id: str) -> Response:
    """GET /servers/{id}/ips: nova/api/openstack/compute/ips.py index; views/ips.py shows only
    version and addr (the OS-EXT-IPS fields belong to the server view)."""
    return json_response({"addresses": _plain_addresses(call, server_id)})


def ips_of_network(call: Call, server_id: str, label: str) -> Response:
    addresses = _plain_addresses(call, server_id)
    if label not in addresses:
        raise ApiError(404, "Instance is not a member of specified network")
    return json_response({label: addresses[label]})


def _plain_addresses(call: Call, server_id: str) -> dict[str, list[dict[str, Any]]]:
    backend = backend_of(call)
    record = backend.get(call.project_id, server_id)
    return {label: [{"version": ip["version"], "addr": ip["addr"]} for ip in entries]
            for label, entries in views.addresses(backend, record).items()}


# -- interfaces -------------------------------------------------------------------------------
def interfaces(call: Call, server_id: str) -> Response:
    backend = backend_of(call)
    backend.get(call.project_id, server_id)
    attachments = []
    for port in backend.neutron.server_ports(server_id):
        attachment: dict[str, Any] = {
            "port_state": port["status"], "port_id": port["id"], "net_id": port["network_id"],
            "mac_addr": port["mac_address"],
            "fixed_ips": [dict(ip) for ip in port["fixed_ips"]],
        }
        if at_least(call.microversion, "2.70"):
            attachment["tag"] = None
        attachments.append(attachment)
    return json_response({"interfaceAttachments": attachments})
