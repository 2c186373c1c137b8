"""A kubernetes ApiClient from a kubeconfig file (imported lazily: the package is slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def api_client(kubeconfig: Path) -> Any:
    from kubernetes import config

    # The kubernetes package ships without type hints.
    return config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
