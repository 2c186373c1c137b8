"""Manila's fault bodies (manila/api/openstack/wsgi.py, class Fault).

Like Nova's, but with Manila's own name table (406 has no name of its own, 415 has one) and a
``retryAfter`` member on 413 answers.
"""

from __future__ import annotations

from typing import Any

from ..http import ApiError

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    501: "notImplemented",
    503: "serviceUnavailable",
}

NOT_FOUND = "The resource could not be found."


class QuotaExceeded(ApiError):
    """Manila's QuotaError family: 413 with Retry-After.

    These escape the controller and are turned into faults by the outer FaultWrapper
    middleware, whose request object has no API version: so, unlike every other error, the
    answer carries no microversion header.
    """

    def __init__(self, exception_name: str, message: str) -> None:
        super().__init__(413, f"{exception_name}: {message}", {"Retry-After": "0"})


def fault_body(error: ApiError) -> dict[str, Any]:
    name = FAULT_NAMES.get(error.status, "computeFault")
    fault: dict[str, Any] = {"code": error.status, "message": error.message}
    if error.status == 413:
        fault["retryAfter"] = error.headers.get("Retry-After", "0")
    return {name: fault}
