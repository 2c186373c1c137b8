"""Turning openstacksdk's exceptions into the tool's one-paragraph errors."""

from __future__ import annotations

from ..errors import CloudError, TransientError


def translate(exc: Exception, doing: str) -> CloudError | None:
    """A CloudError for an openstacksdk error; None for anything else."""
    from openstack import exceptions as os_exc

    if isinstance(exc, os_exc.HttpException):
        detail = exc.details or exc.message
        return CloudError(f"{doing}: the cloud answered HTTP {exc.status_code}: {detail}")
    if isinstance(exc, os_exc.SDKException):
        return CloudError(f"{doing}: {exc}")
    return None


def transient(exc: BaseException) -> bool:
    """5xx answers, 429, and connections that failed or dropped (any adapter's: the status
    is read from the error, whichever client raised it)."""
    import requests
    from keystoneauth1 import exceptions as ks_exc

    if isinstance(exc, TransientError):
        return True
    cause = exc.__cause__ or exc
    status = getattr(cause, "status_code", None) or getattr(cause, "status", None)
    if isinstance(status, int) and (status >= 500 or status == 429):
        return True
    return isinstance(cause, (requests.ConnectionError, ks_exc.ConnectFailure,
                              ks_exc.ConnectionError))
