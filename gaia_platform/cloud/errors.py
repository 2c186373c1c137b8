"""Turning client-library exceptions into the tool's one-paragraph errors."""

from __future__ import annotations

import json
from typing import Any

from ..errors import CloudError, TransientError


def translate(exc: Exception, doing: str) -> CloudError | None:
    """A CloudError for an openstacksdk or kubernetes HTTP error; None for anything else."""
    from kubernetes.client.exceptions import ApiException
    from openstack import exceptions as os_exc

    if isinstance(exc, os_exc.HttpException):
        detail = exc.details or exc.message
        return CloudError(f"{doing}: the cloud answered HTTP {exc.status_code}: {detail}")
    if isinstance(exc, os_exc.SDKException):
        return CloudError(f"{doing}: {exc}")
    if isinstance(exc, ApiException):
        return CloudError(f"{doing}: the Kubernetes API answered HTTP {exc.status}: "
                          f"{_kube_message(exc.body) or exc.reason}")
    return None


def transient(exc: BaseException) -> bool:
    """5xx answers, 429, and connections that failed or dropped."""
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


def _kube_message(body: Any) -> str | None:
    try:
        return str(json.loads(body).get("message"))
    except (TypeError, ValueError, AttributeError):
        return None
