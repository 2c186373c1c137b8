"""Turning the kubernetes client's exceptions into the tool's one-paragraph errors."""

from __future__ import annotations

import json
from typing import Any

from ..errors import CloudError


def translate(exc: Exception, doing: str) -> CloudError | None:
    """A CloudError for a Kubernetes API refusal; None for anything else."""
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        return CloudError(f"{doing}: the Kubernetes API answered HTTP {exc.status}: "
                          f"{_message(exc.body) or exc.reason}")
    return None


def _message(body: Any) -> str | None:
    try:
        return str(json.loads(body).get("message"))
    except (TypeError, ValueError, AttributeError):
        return None
