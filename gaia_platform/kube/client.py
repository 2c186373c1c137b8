"""A kubernetes ApiClient from a kubeconfig file (imported lazily: the package is slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Connections kept to the apiserver: as many as steps run at once (apply.MAX_PARALLEL), so
#: none is opened and thrown away per call.
POOL = 32
#: How often one call is sent again after 429 Too Many Requests.
RATE_LIMIT_RETRIES = 6


def api_client(kubeconfig: Path) -> Any:
    import urllib3
    from kubernetes import client, config
    from urllib3.util.retry import Retry

    from ..timeouts import request_timeout

    configuration = client.Configuration()
    # The kubernetes package ships without type hints.
    config.load_kube_config(config_file=str(kubeconfig),  # type: ignore[no-untyped-call]
                            client_configuration=configuration)
    configuration.connection_pool_maxsize = POOL
    # The apiserver's priority and fairness answers 429 with Retry-After when it sheds load
    # (kubernetes.io/docs/concepts/cluster-administration/flow-control); the call was not
    # handled, so any verb is sent again after it. Connection failures are retried as
    # urllib3 does by default; a read that failed half-way is not (a create may have landed).
    configuration.retries = Retry(
        total=None, connect=3, read=0, redirect=3, other=0, status=RATE_LIMIT_RETRIES,
        status_forcelist=(429,), allowed_methods=None, respect_retry_after_header=True,
        backoff_factor=0.5, raise_on_status=False)
    api = client.ApiClient(configuration)
    # The generated client only knows a per-call _request_timeout; its urllib3 pool takes a
    # default for every request (none here watches, so a read timeout is always right).
    seconds = request_timeout()
    api.rest_client.pool_manager.connection_pool_kw["timeout"] = urllib3.Timeout(
        connect=min(10.0, seconds), read=seconds)
    return api


def preload(*, typed_apis: bool = True) -> None:
    """Import the Kubernetes and Helm client libraries (they take a second or more on a busy
    machine), and with ``typed_apis`` the API classes the steps use, which the package loads
    (with their models) on first access."""
    import pyhelm3  # noqa: F401
    from kubernetes import client, config  # noqa: F401

    from . import observed  # noqa: F401

    if typed_apis:
        for api in ("CoreV1Api", "StorageV1Api", "AppsV1Api", "NetworkingV1Api"):
            getattr(client, api)
