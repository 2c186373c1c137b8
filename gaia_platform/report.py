"""Pieces of a status report both routes give (``platform status`` and
``platform yarn-fallback-status``), read from the real resources."""

from __future__ import annotations

from typing import Any

from .cloud.manila import Manila


def access_rule(manila: Manila, share_id: str, cephx_id: str) -> dict[str, Any] | None:
    """This deployment's cephx rule on a share as Manila reports it (None: there is none)."""
    rules = manila.cephx_rules(share_id, cephx_id)
    if not rules:
        return None
    return {"cephx_id": cephx_id, "access_level": rules[0].access_level,
            "state": rules[0].state}
