"""Pieces of a status report both routes give (``platform status`` and
``platform yarn-fallback-status``), read from the real resources."""

from __future__ import annotations

from typing import Any

from .cloud.manila import Manila


def access_rule(manila: Manila, share: Any, cephx_id: str) -> dict[str, Any] | None:
    """This deployment's cephx rule on a share (None: there is none). From the share
    listing's record while Manila says every rule on the share is applied; otherwise (or with
    --refresh) the share's rules are read."""
    recorded = manila.recorded_rule(share, cephx_id)
    rules = [recorded] if recorded else manila.cephx_rules(share.id, cephx_id)
    if not rules:
        return None
    return {"cephx_id": cephx_id, "access_level": rules[0].access_level,
            "state": rules[0].state,
            "seen_in": "share listing" if recorded else "access rules"}
