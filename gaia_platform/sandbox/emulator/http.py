"""What every emulated service shares: errors, JSON responses, the request context."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from .state import EmulatorState


class ApiError(Exception):
    """An error the service answers with; the service decides the body's shape."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    text = "" if body is None else json.dumps(body)
    response = Response(text, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    state: EmulatorState
    token: dict[str, Any] | None
    microversion: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> Any:
        try:
            return json.loads(self.request.get_data(as_text=True) or "null")
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"Malformed request body: {exc}") from exc

    def body_key(self, key: str) -> dict[str, Any]:
        body = self.body()
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise ApiError(400, f"Malformed request body: expected an object under '{key}'.")
        found: dict[str, Any] = body[key]
        return found

    @property
    def project_id(self) -> str:
        assert self.token is not None
        return str(self.token["project"]["id"])


Handler = Callable[..., Response]


def public(handler: Handler) -> Handler:
    """Mark a handler as reachable without a token (version discovery documents)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


def is_public(handler: Handler | None) -> bool:
    return bool(getattr(handler, "public", False))


@dataclass
class Service:
    """One emulated OpenStack service: its URL prefix, routes and fault format.

    ``error_body`` renders an ApiError in the service's own format (Nova's
    ``{"itemNotFound": ...}``, Neutron's ``{"NeutronError": ...}``, Magnum's ``{"errors": [...]}``).
    ``negotiate`` reads and checks the microversion header, raising ApiError when unsupported.
    """

    name: str
    prefix: str
    rules: list[tuple[str, list[str], Handler]]
    error_body: Callable[[ApiError], Any]
    requires_auth: bool = True
    negotiate: Callable[[Request], tuple[str | None, dict[str, str]]] | None = None
    url_map: Map = field(init=False)

    def __post_init__(self) -> None:
        self.url_map = Map(
            [
                Rule(self.prefix + path, endpoint=handler, methods=methods, strict_slashes=False)
                for path, methods, handler in self.rules
            ]
        )


# Error titles as webob names them; several services put these in their fault bodies.
HTTP_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# Nova and Manila name their fault wrappers after the webob exception.
NOVA_STYLE_FAULT_KEYS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    500: "computeFault",
    503: "serviceUnavailable",
}


def nova_style_error(error: ApiError) -> dict[str, Any]:
    key = NOVA_STYLE_FAULT_KEYS.get(error.status, "computeFault")
    return {key: {"code": error.status, "message": error.message}}
