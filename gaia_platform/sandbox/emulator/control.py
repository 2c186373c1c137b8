"""The sandbox's own control API under ``/_sandbox`` (not an OpenStack API).

GET  /_sandbox/health            liveness
GET  /_sandbox/metadata/<server id>/openstack/latest/user_data
                                 what the server's cloud-init reads from Nova's metadata service
GET  /_sandbox/requests?since=N  the request log after entry N
GET  /_sandbox/faults            the fault rules in force
POST /_sandbox/faults            add a rule (see faults.py); DELETE clears them all
GET  /_sandbox/config            time scale, durations and quotas; POST {"time_scale": x} and/or
                                 {"quotas": {"sharev2": {"shares": 600}}} changes them;
                                 {"catalog_absent": ["load-balancer"]} leaves services out of
                                 new tokens' catalogues, {"roles": {"gaia": ["member"]}} sets
                                 a project's roles (a cloud without Octavia, or without its
                                 load-balancer roles)
POST /_sandbox/reset             forget every resource (tokens, clusters, shares, servers)
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from .config import BASE_DURATIONS
from .http import json_response
from .nova import metadata
from .state import EmulatorState


def answer(state: EmulatorState, request: Request) -> Response:
    path = request.path.rstrip("/")
    method = request.method
    if path == "/_sandbox/health" and method == "GET":
        return json_response({"status": "ok", "port": state.config.port})
    if path == "/_sandbox/requests" and method == "GET":
        since = int(request.args.get("since", "0"))
        return json_response(state.requests.since(since))
    if path == "/_sandbox/faults":
        if method == "GET":
            return json_response(state.faults.list())
        if method == "POST":
            rule = request.get_json(silent=True)
            if not isinstance(rule, dict):
                return json_response({"error": "a fault rule is a JSON object"}, 400)
            try:
                return json_response(state.faults.add(rule), 201)
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
        if method == "DELETE":
            state.faults.clear()
            return json_response(None, 204)
    if path == "/_sandbox/config":
        if method == "POST":
            update = request.get_json(silent=True) or {}
            error = _configure(state, update)
            if error:
                return json_response({"error": error}, 400)
        durations = {op: state.config.duration(op) for op in BASE_DURATIONS}
        return json_response({"time_scale": state.config.time_scale, "durations": durations,
                              "quotas": state.config.quotas,
                              "catalog_absent": state.config.catalog_absent,
                              "roles": {a.project_name: a.roles
                                        for a in state.config.accounts()}})
    if path == "/_sandbox/reset" and method == "POST":
        state.store.reset()
        return json_response(None, 204)
    if path.startswith("/_sandbox/metadata/") and method == "GET":
        return metadata.answer(state, path.removeprefix("/_sandbox/metadata/"))
    return json_response({"error": f"no sandbox control endpoint {method} {path}"}, 404)


def _configure(state: EmulatorState, update: dict[str, object]) -> str | None:
    """Apply a config update; the error text if it is malformed."""
    if not {"time_scale", "quotas", "catalog_absent", "roles"} & set(update):
        return "give time_scale, quotas, catalog_absent and/or roles"
    error = _check_catalog_and_roles(state, update)
    if error:
        return error
    if "time_scale" in update:
        scale = update["time_scale"]
        if not isinstance(scale, (int, float)) or scale < 0:
            return "time_scale must be a number >= 0"
    quotas = update.get("quotas", {})
    if not isinstance(quotas, dict) or not all(
            isinstance(limits, dict) and all(isinstance(v, int) for v in limits.values())
            for limits in quotas.values()):
        return "quotas is {service: {resource: integer limit}}"
    if "time_scale" in update:
        state.config.time_scale = float(update["time_scale"])  # type: ignore[arg-type]
    for service, limits in quotas.items():
        state.config.quotas.setdefault(service, {}).update(limits)
    if "catalog_absent" in update:
        state.config.catalog_absent = list(update["catalog_absent"])  # type: ignore[call-overload]
    for account in state.config.accounts():
        roles = update.get("roles", {})
        if isinstance(roles, dict) and account.project_name in roles:
            account.roles = list(roles[account.project_name])
    return None


def _check_catalog_and_roles(state: EmulatorState, update: dict[str, object]) -> str | None:
    absent = update.get("catalog_absent", [])
    if not isinstance(absent, list) or not all(isinstance(t, str) for t in absent):
        return "catalog_absent is a list of service types"
    roles = update.get("roles", {})
    names = {a.project_name for a in state.config.accounts()}
    if not isinstance(roles, dict) or not all(
            name in names and isinstance(given, list) and all(isinstance(r, str) for r in given)
            for name, given in roles.items()):
        return f"roles is {{project name: [role, ...]}} for projects {sorted(names)}"
    return None
