"""Manila's share types (beside manila.py, which keeps the shares and their rules)."""

from __future__ import annotations

from typing import Any


def share_type_names(connection: Any) -> list[str]:
    """The share types the project may use (api-ref shared-file-system, "List share
    types")."""
    return [str(t.name) for t in connection.shared_file_system.share_types()]
