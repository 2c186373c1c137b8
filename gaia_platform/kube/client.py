"""A kubernetes ApiClient from a kubeconfig file (imported lazily: the package is slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def api_client(kubeconfig: Path) -> Any:
    import urllib3
    from kubernetes import config

    from ..timeouts import request_timeout

    # The kubernetes package ships without type hints.
    client = config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
    # The generated client only knows a per-call _request_timeout; its urllib3 pool takes a
    # default for every request (none here watches, so a read timeout is always right).
    seconds = request_timeout()
    client.rest_client.pool_manager.connection_pool_kw["timeout"] = urllib3.Timeout(
        connect=min(10.0, seconds), read=seconds)
    return client
