"""Waiting for a Magnum cluster to finish, noticing when it stops making progress.

Magnum's Cluster API driver rarely reports *_FAILED: Cluster API keeps reconciling, so a create
that cannot finish stays CREATE_IN_PROGRESS with empty ``faults`` (magnum_capi_helm/driver.py,
update_cluster_status: "Cluster API clusters don't really go into an error state").  What does
move while a create progresses is the status reason, node counts, nodegroup statuses and the
API address; when none of them changes for ``stall_minutes`` the wait stops and says what is
stuck.  The time already spent is kept in the deployment's state directory, so a re-run resumes
the same wait (same deadline) instead of starting again from zero.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cloud.magnum import deletion_text as deletion_text
from ..errors import CloudError, WaitTimeout
from ..waiting import SLACK

FIRST_DELAY = 0.5
MAX_DELAY = 20.0
FACTOR = 1.6


class ClusterStalled(CloudError):
    """The cluster made no visible progress for the profile's stall_minutes."""


def progress_marks(cluster: dict[str, Any], nodegroups: list[dict[str, Any]]) -> dict[str, Any]:
    """What changes while a create or update advances (compared between polls)."""
    return {
        "status": cluster.get("status"),
        "status_reason": cluster.get("status_reason"),
        "api_address": cluster.get("api_address"),
        # The Cluster API driver fills coe_version once the control plane reports a version.
        "coe_version": cluster.get("coe_version"),
        "node_count": cluster.get("node_count"),
        "master_count": cluster.get("master_count"),
        "nodegroups": sorted(
            (str(g.get("name")), str(g.get("status")), g.get("node_count"),
             str(g.get("status_reason") or ""))
            for g in nodegroups),
    }


def stuck_text(marks: dict[str, Any]) -> str:
    parts = [f"status {marks['status']}",
             f"reason {marks['status_reason'] or 'none given'}",
             f"api address {marks['api_address'] or 'not yet known'}"]
    groups = [f"{name} {status} ({count} nodes{', ' + reason if reason else ''})"
              for name, status, count, reason in marks["nodegroups"]]
    unfinished = [g for g in marks["nodegroups"] if not str(g[1]).endswith("_COMPLETE")]
    if groups:
        parts.append("nodegroups: " + "; ".join(groups))
    if unfinished:
        parts.append("not finished: " + ", ".join(g[0] for g in unfinished))
    return ", ".join(parts)


def waiting_text(marks: dict[str, Any], expect_nodes: int | None = None) -> str:
    """Why the cluster is not done yet, as Magnum's last answer shows it."""
    parts = [str(marks["status"]), f"reason {marks['status_reason'] or 'none given'}"]
    unfinished = [f"{name} {status}" for name, status, _count, _reason in marks["nodegroups"]
                  if not status.endswith("_COMPLETE")]
    if unfinished:
        parts.append("nodegroups not ready: " + ", ".join(unfinished))
    elif marks["nodegroups"] and str(marks["status"]).endswith("_IN_PROGRESS"):
        # magnum_capi_helm/driver.py _update_status_updating (1.4.0): with every node group
        # ready the driver still waits for the cluster's add-ons to be deployed.
        parts.append("every nodegroup ready, Magnum waits for the cluster's add-ons")
    if not marks["api_address"]:
        parts.append("API address not yet known")
    if expect_nodes is not None and marks["node_count"] != expect_nodes:
        parts.append(f"{marks['node_count']} worker nodes of the {expect_nodes} asked for")
    return "; ".join(parts)


@dataclass
class WaitRecord:
    """A wait that outlives one run: which cluster, when the wait began, when it last moved."""

    uuid: str
    started: float
    marks: dict[str, Any]

    @classmethod
    def load(cls, path: Path, uuid: str) -> WaitRecord | None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("uuid") != uuid:
            return None  # another cluster's (an earlier one was replaced)
        return cls(uuid=uuid, started=float(data["started"]), marks=dict(data["marks"]))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"uuid": self.uuid, "started": self.started,
                                    "marks": self.marks}))


def wait_for_cluster(
    read: Callable[[], tuple[dict[str, Any], list[dict[str, Any]]]],
    *,
    uuid: str,
    what: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float,
    stall_after: float,
    record_path: Path,
    report: Callable[[str], None],
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    expect_nodes: int | None = None,
) -> dict[str, Any]:
    """Poll ``read`` (cluster, nodegroups) until ``done(cluster)``; raise ClusterStalled when
    nothing moves for ``stall_after`` seconds, WaitTimeout after ``timeout`` seconds counted
    from the first run that waited for this cluster. ``read`` may raise to stop (FAILED).
    Each change is reported with what is not ready yet (``expect_nodes``: a resize's target)."""
    now = clock()
    record = WaitRecord.load(record_path, uuid)
    if record is not None:
        report(f"{what}: resuming a wait begun {(now - record.started) / 60:.1f} min ago")
    else:
        record = WaitRecord(uuid=uuid, started=now, marks={})
    # The stall clock restarts with each run: the user may have fixed what held it.
    last_move = now
    delay = FIRST_DELAY
    while True:
        cluster, groups = read()
        if done(cluster):
            record_path.unlink(missing_ok=True)
            return cluster
        now = clock()
        marks = progress_marks(cluster, groups)
        if marks != record.marks:
            record.marks = marks
            last_move = now
            report(f"{what}: {waiting_text(marks, expect_nodes)} "
                   f"({now - record.started:.0f}s)")
        record.save(record_path)
        spent = now - record.started
        if now - last_move >= stall_after:
            raise ClusterStalled(
                f"Magnum {what} has made no progress for {(now - last_move) / 60:.1f} "
                f"min ({spent / 60:.1f} min since the wait began): {stuck_text(marks)}. "
                "Magnum's Cluster API driver keeps such a cluster IN_PROGRESS instead of "
                "failing it; look at the cloud's quotas and the nodegroups above (openstack "
                "coe nodegroup list), then re-run deploy to resume the wait, or run "
                "`platform delete` to start again.")
        if spent + delay > timeout:
            record_path.unlink(missing_ok=True)  # a re-run waits a whole timeout again
            raise WaitTimeout(
                f"Gave up waiting for {what} after {spent / 60:.1f} min in total (the "
                f"profile's create_timeout_minutes); last seen: {stuck_text(marks)}. Re-run "
                "deploy to wait once more, or `platform delete` to start again.")
        sleep(delay)
        # Each pause at most SLACK (3 %) of the time waited so far, as every other wait
        # (waiting.py): growing by FACTOR alone, a 60 s build was seen 15 s late (polls at
        # 55 s and 75 s), a quarter of the cloud's own time.
        delay = min(delay * FACTOR, max(FIRST_DELAY, SLACK * spent), MAX_DELAY,
                    max(stall_after / 4, FIRST_DELAY))
