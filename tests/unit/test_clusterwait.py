"""The cluster wait: progress resets the stall clock, a stall names what is stuck, and the
time spent survives a re-run (a clock and cluster answers stand in for time and Magnum)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gaia_platform.errors import WaitTimeout
from gaia_platform.steps.clusterwait import ClusterStalled, wait_for_cluster


class Cloud:
    """Answers in order, one per poll; the clock advances by each sleep."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.now = 1000.0

    def read(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        groups = [{"name": "default-worker", "status": answer["status"],
                   "node_count": answer.get("nodes", 0)},
                  {"name": "default-master", "status": "CREATE_COMPLETE", "node_count": 3}]
        return answer, groups

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _wait(cloud: Cloud, path: Path, **kwargs: Any) -> dict[str, Any]:
    messages: list[str] = []
    options: dict[str, Any] = {"timeout": 3600.0, "stall_after": 60.0, **kwargs}
    result = wait_for_cluster(
        cloud.read, uuid="u1", what="cluster c", done=lambda c: c["status"] == "CREATE_COMPLETE",
        record_path=path, report=messages.append, clock=lambda: cloud.now, sleep=cloud.sleep,
        **options)
    return {"cluster": result, "messages": messages}


def test_progress_keeps_the_wait_going(tmp_path: Path) -> None:
    # Each answer changes something (node count) well within the stall time.
    answers = [{"status": "CREATE_IN_PROGRESS", "nodes": n} for n in range(30)]
    cloud = Cloud([*answers, {"status": "CREATE_COMPLETE"}])
    assert _wait(cloud, tmp_path / "w.json")["cluster"]["status"] == "CREATE_COMPLETE"
    assert not (tmp_path / "w.json").exists()


def test_no_change_is_a_stall_naming_the_unfinished_nodegroup(tmp_path: Path) -> None:
    cloud = Cloud([{"status": "CREATE_IN_PROGRESS", "status_reason": None, "nodes": 2}])
    with pytest.raises(ClusterStalled) as stalled:
        _wait(cloud, tmp_path / "w.json")
    text = str(stalled.value)
    assert "Magnum cluster c has made no progress for 1." in text
    assert "not finished: default-worker" in text and "default-master" not in \
        text.split("not finished:")[1]


def test_a_rerun_resumes_with_the_time_already_spent(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    cloud = Cloud([{"status": "CREATE_IN_PROGRESS"}])
    with pytest.raises(ClusterStalled):
        _wait(cloud, path, stall_after=600.0)
    spent = cloud.now - 1000.0
    # The second run has less than the whole timeout left: it gives up at the same deadline.
    with pytest.raises(WaitTimeout) as timed_out:
        result = _wait(cloud, path, timeout=spent + 100.0, stall_after=10_000.0)
        assert result  # pragma: no cover
    assert "in total" in str(timed_out.value)
    assert cloud.now - 1000.0 < spent + 100.0 + 25
