"""Octavia v2 HTTP routes (https://docs.openstack.org/api-ref/load-balancer/v2/): version
discovery and the load-balancer reads. Faults have wsme's shape, as Octavia's pecan API
answers them: ``{"faultcode": ..., "faultstring": ..., "debuginfo": null}``."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, Service, json_response, public
from .models import PROVIDERS, OctaviaBackend

PREFIX = "/load-balancer"


def _backend(call: Call) -> OctaviaBackend:
    backend: OctaviaBackend = call.state.backends["octavia"]
    return backend


@public
def versions(call: Call) -> Response:
    # octavia/api/root_controller.py lists each v2.N; the first and the current are enough
    # for a client to find /v2.
    base = f"{call.state.config.base_url}{PREFIX}/v2"
    return json_response({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "updated": "2016-12-11T00:00:00Z",
         "links": [{"href": base, "rel": "self"}]},
        {"id": "v2.25", "status": "CURRENT", "updated": "2021-10-02T00:00:00Z",
         "links": [{"href": base, "rel": "self"}]},
    ]})


def _read(call: Call) -> OctaviaBackend:
    assert call.token is not None
    backend = _backend(call)
    backend.authorize_read(call.token)
    return backend


def list_load_balancers(call: Call) -> Response:
    found = _read(call).load_balancers(call.project_id)
    return json_response({"loadbalancers": found, "loadbalancers_links": []})


def show_load_balancer(call: Call, lb_id: str) -> Response:
    return json_response({"loadbalancer": _read(call).load_balancer(call.project_id, lb_id)})


def list_providers(call: Call) -> Response:
    _read(call)
    return json_response({"providers": PROVIDERS})


def error_body(error: ApiError) -> dict[str, Any]:
    kind = "Server" if error.status >= 500 else "Client"
    return {"faultcode": kind, "faultstring": error.message, "debuginfo": None}


SERVICE = Service(
    name="load-balancer",
    prefix=PREFIX,
    error_body=error_body,
    # The root controller serves the v2 API at both /v2 and /v2.0 (root_controller.py).
    rules=[("/", ["GET"], versions)] + [
        rule for root in ("/v2", "/v2.0") for rule in (
            (f"{root}/lbaas/loadbalancers", ["GET"], list_load_balancers),
            (f"{root}/lbaas/loadbalancers/<lb_id>", ["GET"], show_load_balancer),
            (f"{root}/lbaas/providers", ["GET"], list_providers))],
)
