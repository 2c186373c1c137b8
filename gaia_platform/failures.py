"""Any adapter's failure (OpenStack, Kubernetes) as the tool's own error, and whether it is
worth trying again: for the code that runs steps and stages, which does not know which outside
system a step talked to."""

from __future__ import annotations

from .cloud import errors as cloud_errors
from .errors import CloudError
from .kube import errors as kube_errors

transient = cloud_errors.transient


def translate(exc: Exception, doing: str) -> CloudError | None:
    """A CloudError for an outside system's refusal; None for anything else."""
    return cloud_errors.translate(exc, doing) or kube_errors.translate(exc, doing)
