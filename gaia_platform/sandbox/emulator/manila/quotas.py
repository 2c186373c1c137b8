"""Manila quotas: limits (config over Manila's defaults) and usage counted from the shares.

Usage follows Manila's reservations: a share counts from the moment its create is accepted
until its delete completes (error shares count too); an extend in progress holds its extra
gigabytes as ``reserved``. Limit -1 means unlimited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import QuotaExceeded

# manila/quota.py option defaults (quota_shares, quota_gigabytes, ...).
DEFAULTS: dict[str, int] = {
    "shares": 50,
    "gigabytes": 1000,
    "snapshots": 50,
    "snapshot_gigabytes": 1000,
    "share_networks": 10,
    "share_groups": 50,
    "share_group_snapshots": 50,
    "share_replicas": 100,
    "replica_gigabytes": 1000,
    "per_share_gigabytes": -1,
    "backups": 10,
    "backup_gigabytes": 1000,
}


def limits(configured: dict[str, int]) -> dict[str, int]:
    return {**DEFAULTS, **configured}


def usage(shares: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{resource: {"in_use": n, "reserved": n}} for every quota resource."""
    counted = {name: {"in_use": 0, "reserved": 0} for name in DEFAULTS}
    for share in shares:
        counted["shares"]["in_use"] += 1
        counted["gigabytes"]["in_use"] += int(share["size"])
        pending = share.get("_new_size")
        if share["status"] == "extending" and pending:
            counted["gigabytes"]["reserved"] += int(pending) - int(share["size"])
    return counted


def _over(limit: int, used: dict[str, int], delta: int) -> bool:
    return limit >= 0 and used["in_use"] + used["reserved"] + delta > limit


def check_create(quota: dict[str, int], used: dict[str, dict[str, int]], size: int) -> None:
    """Raise Manila's 413 when one more share of ``size`` GiB would exceed the quota.

    Gigabytes are checked first, as manila/share/api.py check_if_share_quotas_exceeded does.
    """
    if _over(quota["gigabytes"], used["gigabytes"], size):
        raise QuotaExceeded(
            "ShareSizeExceedsAvailableQuota",
            "Requested share exceeds allowed project/user or share type gigabytes quota.",
        )
    if _over(quota["shares"], used["shares"], 1):
        raise QuotaExceeded(
            "ShareLimitExceeded",
            f"Maximum number of shares allowed ({quota['shares']}) either per project/user "
            "or share type quota is exceeded.",
        )


def extend_allowed(quota: dict[str, int], used: dict[str, dict[str, int]], grow: int) -> bool:
    return not _over(quota["gigabytes"], used["gigabytes"], grow)
