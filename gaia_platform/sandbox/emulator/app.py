"""The WSGI application: finds the service, checks the token, applies faults, logs the call."""

from __future__ import annotations

import time
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from . import control
from .glance import SERVICE as GLANCE
from .glance.models import GlanceBackend
from .http import ApiError, Call, Handler, Service, is_public, json_response
from .keystone import SERVICE as KEYSTONE
from .keystone.models import KeystoneBackend
from .magnum import SERVICE as MAGNUM
from .magnum.models import MagnumBackend
from .manila import SERVICE as MANILA
from .manila.models import ManilaBackend
from .neutron import SERVICE as NEUTRON
from .neutron.models import NeutronBackend
from .nova import SERVICE as NOVA
from .nova.models import NovaBackend
from .octavia import SERVICE as OCTAVIA
from .octavia.models import OctaviaBackend
from .state import EmulatorState

SERVICES: list[Service] = [KEYSTONE, MAGNUM, MANILA, NOVA, NEUTRON, GLANCE, OCTAVIA]
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def install_backends(state: EmulatorState) -> None:
    # Keystone first: the others look tokens and projects up through it.
    state.backends["keystone"] = KeystoneBackend(state)
    state.backends["magnum"] = MagnumBackend(state)
    state.backends["manila"] = ManilaBackend(state)
    state.backends["nova"] = NovaBackend(state)
    state.backends["neutron"] = NeutronBackend(state)
    state.backends["glance"] = GlanceBackend(state)
    state.backends["octavia"] = OctaviaBackend(state)


class EmulatorApp:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        if not state.backends:
            install_backends(state)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        started = time.monotonic()
        service = self._service_for(request.path)
        response = self._answer(request, service)
        if not request.path.startswith("/_sandbox"):
            self.state.requests.add(
                {
                    "time": time.time(),
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "service": service.name if service else None,
                    "status": response.status_code,
                    "mutating": request.method in MUTATING,
                    # Whose call it was: tests prove another project's credentials only read.
                    "project_id": self._project_of(request, response),
                    "duration_ms": round((time.monotonic() - started) * 1000, 2),
                }
            )
        return response(environ, start_response)

    def _project_of(self, request: Request, response: Response) -> str | None:
        # A token request is the new token's project; any other call its X-Auth-Token's.
        issued = response.headers.get("X-Subject-Token") if request.method == "POST" else None
        token_id = issued or request.headers.get("X-Auth-Token")
        token = self.state.backends["keystone"].validate(token_id)
        return str(token["project"]["id"]) if token else None

    @staticmethod
    def _service_for(path: str) -> Service | None:
        for service in SERVICES:
            if path == service.prefix or path.startswith(service.prefix + "/"):
                return service
        return None

    def _answer(self, request: Request, service: Service | None) -> Response:
        if request.path.startswith("/_sandbox"):
            return control.answer(self.state, request)
        if service is None:
            return json_response({"error": f"no emulated service at {request.path}"}, 404)
        try:
            return self._dispatch(request, service)
        except ApiError as error:
            return json_response(service.error_body(error), error.status, error.headers)

    def _dispatch(self, request: Request, service: Service) -> Response:
        fault = self.state.faults.match_http(request.method, request.path)
        if fault is not None:
            if fault.get("delay"):
                time.sleep(float(fault["delay"]))
            if fault.get("status"):
                # A rate limiter says when to come back (RFC 9110 section 10.2.3, in seconds).
                headers = {"Retry-After": str(fault["retry_after"])} \
                    if "retry_after" in fault else None
                raise ApiError(int(fault["status"]), fault.get("message", "Injected fault"),
                               headers)
        adapter = service.url_map.bind_to_environ(request.environ)
        handler: Handler | None = None
        args: Any = {}
        routing_error: ApiError | None = None
        try:
            handler, args = adapter.match()
        except NotFound:
            routing_error = ApiError(404, f"The resource could not be found: {request.path}")
        except MethodNotAllowed:
            routing_error = ApiError(405, f"Method {request.method} is not allowed here.")
        except HTTPException as exc:  # e.g. a redirect werkzeug wants: answer as the API would
            routing_error = ApiError(exc.code or 400, exc.description or "Bad request")
        token = None
        if service.requires_auth and not is_public(handler):
            # As keystonemiddleware does: authentication comes before routing.
            token = self.state.backends["keystone"].validate(request.headers.get("X-Auth-Token"))
            if token is None:
                raise ApiError(401, "The request you have made requires authentication.")
        if routing_error is not None or handler is None:
            raise routing_error or ApiError(404, "Not found")
        microversion: str | None = None
        extra_headers: dict[str, str] = {}
        if service.negotiate is not None:
            microversion, extra_headers = service.negotiate(request)
        call = Call(request=request, state=self.state, token=token, microversion=microversion)
        with self.state.store.lock:
            self.state.advance()
            response: Response = handler(call, **args)
            if request.method in MUTATING:
                self.state.store.save()
        for key, value in {**extra_headers, **call.response_headers}.items():
            response.headers[key] = value
        return response

