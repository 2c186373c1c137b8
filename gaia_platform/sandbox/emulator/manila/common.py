"""What Manila's HTTP handlers share: the backend, the request's microversion, version gates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ..http import ApiError, Call, Handler
from . import versions
from .errors import NOT_FOUND, QuotaExceeded
from .models import ManilaBackend
from .versions import Version

PREFIX = "/sharev2"
Decorator = Callable[[Handler], Handler]


def backend(call: Call) -> ManilaBackend:
    found: ManilaBackend = call.state.backends["manila"]
    return found


def version(call: Call) -> Version:
    return versions.parse(call.microversion or versions.MIN_VERSION)


def service_url(call: Call) -> str:
    return call.state.config.base_url + PREFIX


def versioned(low: str, high: str | None = None) -> Decorator:
    """Only from ``low`` (up to ``high``): otherwise 404, as for VersionNotFoundForAPIMethod."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def gated(call: Call, **args: Any) -> Response:
            wanted = version(call)
            if wanted < versions.parse(low) or (high and wanted > versions.parse(high)):
                raise ApiError(404, NOT_FOUND)
            return handler(call, **args)

        return gated

    return decorate


def manila_call(handler: Handler) -> Handler:
    """Wrap a handler as manila's wsgi.Resource does.

    The optional ``{project_id}`` path segment must be the token's project (else 400), and
    faults carry the microversion headers like successful answers (except quota faults, which
    Manila renders outside the versioned resource).
    """

    @functools.wraps(handler)
    def wrapped(call: Call, **args: Any) -> Response:
        try:
            project_id = args.pop("project_id", None)
            if project_id is not None and project_id != call.project_id:
                raise ApiError(400, "Malformed request url")
            return handler(call, **args)
        except ApiError as error:
            if call.microversion and not isinstance(error, QuotaExceeded):
                error.headers.update({versions.HEADER: call.microversion,
                                      "Vary": versions.HEADER})
            raise

    return wrapped


def body_object(call: Call, key: str, status: int = 400) -> dict[str, Any]:
    """The object under ``key`` in the JSON body; Manila answers 422 or 400 when absent."""
    body = call.body()
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        if status == 422:
            raise ApiError(422, "Unable to process the contained instructions")
        raise ApiError(400, "Malformed request body")
    found: dict[str, Any] = body[key]
    return found
