"""Neutron's fault body and the errors its models raise.

Neutron answers ``{"NeutronError": {"type": ..., "message": ..., "detail": ""}}`` where ``type``
is the exception class name (``NetworkNotFound``, ``OverQuota``); errors raised by webob itself
(attribute validation, unknown URLs) carry ``HTTPBadRequest``/``HTTPNotFound``. Messages follow
neutron-lib's exception templates (neutron_lib/exceptions/*.py).
"""

from __future__ import annotations

from typing import Any

from ..http import ApiError

WEBOB_TYPES = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
    412: "HTTPPreconditionFailed",
    500: "HTTPInternalServerError",
    503: "HTTPServiceUnavailable",
}


class NeutronError(ApiError):
    """An ApiError that knows Neutron's exception type name."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(status, message)
        self.error_type = error_type


def error_body(error: ApiError) -> dict[str, Any]:
    error_type = getattr(error, "error_type", None) or WEBOB_TYPES.get(error.status, "HTTPError")
    return {"NeutronError": {"type": error_type, "message": error.message, "detail": ""}}


def bad_request(message: str) -> NeutronError:
    """webob's HTTPBadRequest, as attribute validation raises it."""
    return NeutronError(400, "HTTPBadRequest", message)


def invalid_attr(attr: str, reason: str) -> NeutronError:
    return bad_request(f"Invalid input for {attr}. Reason: {reason}.")


def bad_resource_request(resource: str, msg: str) -> NeutronError:
    """neutron_lib.exceptions.BadRequest."""
    return NeutronError(400, "BadRequest", f"Bad {resource} request: {msg}.")


def invalid_input(error_type: str, message: str) -> NeutronError:
    return NeutronError(400, error_type, message)


def in_use(error_type: str, message: str) -> NeutronError:
    return NeutronError(409, error_type, message)


def not_found(error_type: str, message: str) -> NeutronError:
    return NeutronError(404, error_type, message)


def policy(action: str) -> NeutronError:
    return NeutronError(403, "PolicyNotAuthorized", f"({action}) is disallowed by policy")


def over_quota(resources: list[str]) -> NeutronError:
    return NeutronError(409, "OverQuota", f"Quota exceeded for resources: {sorted(resources)}.")


def precondition_failed(expected: int, current: int) -> NeutronError:
    """neutron/services/revisions/revision_plugin.py RevisionNumberConstraintFailed (a webob
    HTTPPreconditionFailed)."""
    return NeutronError(412, "RevisionNumberConstraintFailed",
                        f"Constrained to {expected}, but current revision is {current}")
