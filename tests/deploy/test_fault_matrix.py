"""The fault matrix: every mutating OpenStack call of a deploy by {500, 503, timeout, 409, 413,
FAILED state}. Each cell must either converge (the call is retried, or the deploy re-run)
or stop with the cloud's own reason and what to do, and never print a traceback.

The faults are injected by the emulator (POST /_sandbox/faults): status rules answer in the
service's own error format; "timeout" holds the call longer than the client waits
(GAIA_REQUEST_TIMEOUT); FAILED makes the asynchronous operation end badly (Magnum
CREATE_FAILED, a Manila share or access rule in error), for the calls that have one.
Kubernetes calls go to the real API server, where faults cannot be injected.

One deployment takes every transient fault (each call answered 500, then 503, then timed out,
then served), one every refusal (409, then 413), one every FAILED state: the rules match on
method and path only, so the deployments run one after another.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO
from tests.deploy.test_faults import _profile
from tests.deploy.test_interruptions import HOLDS, Hold


def _call(hold: Hold) -> str:
    return hold.label.split(" (")[0]


#: The client's request timeout in this test, and how long a "timeout" fault holds a call:
#: long enough for the client to give up, short enough that the cloud has finished the call
#: before the retry (1 s later) looks again.
CLIENT_TIMEOUT = 3.0
HOLD = CLIENT_TIMEOUT + 0.25

KINDS = ("500", "503", "timeout", "409", "413", "FAILED")

#: Calls with an asynchronous outcome the emulator can fail, and the outcome rule for it.
FAILED_OUTCOMES = {
    "create a share": {
        "operation": "manila.share.create", "outcome": "error", "detail_id": "009"},
    "allow cephx access to a share": {"operation": "manila.access.apply", "outcome": "error"},
    "create the cluster": {"operation": "magnum.cluster.create", "outcome": "CREATE_FAILED",
                           "reason": "Quota exceeded for instances: Requested 3, but "
                                     "already used 10 of 10 instances"},
}
#: What Manila says about a share it could not place (manila/message/message_field.py,
#: Detail 009), which deploy must pass on.
MANILA_REASON = "Capacity filter didn't succeed"


@dataclass
class Cell:
    call: str
    kind: str
    rule_ids: list[str] = field(default_factory=list)
    fired: bool = False
    #: "converged" (retried or re-run to success) or "stopped" (with reason and advice).
    outcome: str = ""
    problem: str = ""

    @property
    def passed(self) -> bool:
        return self.fired and self.outcome in ("converged", "stopped") and not self.problem


class Faults:
    def __init__(self, sandbox: RunningSandbox) -> None:
        self.url = f"{sandbox.status['openstack']['url']}/_sandbox/faults"

    def add(self, rule: dict[str, Any]) -> str:
        answer = requests.post(self.url, json=rule, timeout=5)
        answer.raise_for_status()
        return str(answer.json()["id"])

    def live(self) -> set[str]:
        return {str(r["id"]) for r in requests.get(self.url, timeout=5).json()}

    def clear(self) -> None:
        requests.delete(self.url, timeout=5).raise_for_status()


@pytest.fixture
def env(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {**os.environ, "GAIA_SANDBOX_DIR": str(sandbox.directory),
           "GAIA_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200",
           "GAIA_REQUEST_TIMEOUT": str(CLIENT_TIMEOUT)}


def _platform(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gaia_platform.cli", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=900)


def _rule(kind: str, method: str, path: str, label: str) -> dict[str, Any]:
    if kind == "timeout":
        return {"method": method, "path": path, "delay": HOLD, "times": 1}
    message = {"409": f"Conflict injected on {label}: the resource is being changed",
               "413": f"Quota exceeded injected on {label} [/quota]: over the limit"}.get(
        kind, f"Server error injected on {label}")
    return {"method": method, "path": path, "status": int(kind), "times": 1,
            "message": message}


def _converge(env: dict[str, str], profile: str, cells: list[Cell], faults: Faults,
              max_runs: int, check_stop: Any = None) -> list[subprocess.CompletedProcess[str]]:
    """Re-run deploy until it succeeds; every failed run must explain itself."""
    runs = []
    for _ in range(max_runs):
        result = _platform(env, "deploy", "--cloud", profile)
        runs.append(result)
        output = result.stdout + result.stderr
        live = faults.live()
        for cell in cells:
            cell.fired = cell.fired or not any(i in live for i in cell.rule_ids)
        assert "Traceback" not in output, output[-3000:]
        if result.returncode == 0:
            return runs
        assert result.returncode in (1, 2), output[-2000:]
        assert "re-run" in output, output[-2000:]
        if check_stop is not None:
            check_stop(output)
    raise AssertionError(f"no convergence after {max_runs} runs:\n{runs[-1].stderr[-3000:]}")


def _print(cells: list[Cell]) -> None:
    calls = list(dict.fromkeys(c.call for c in cells))
    by = {(c.call, c.kind): c for c in cells}
    print(f"\n{'mutating call':46} " + " ".join(f"{k:>9}" for k in KINDS))
    for call in calls:
        marks = []
        for kind in KINDS:
            cell = by.get((call, kind))
            marks.append("n/a" if cell is None else
                         (cell.outcome if cell.passed else f"FAIL:{cell.outcome or '-'}"))
        print(f"{call[:46]:46} " + " ".join(f"{m:>9}" for m in marks))
    passed = sum(c.passed for c in cells)
    print(f"fault-matrix cells passed: {passed} of {len(cells)}")


def test_fault_matrix(sandbox: RunningSandbox, env: dict[str, str], tmp_path: Path) -> None:
    faults = Faults(sandbox)
    conn = sandbox.connect()
    cells: list[Cell] = []
    started = time.monotonic()
    try:
        # 1. Transient: each call answered 500, then 503, then held past the client's timeout.
        transient = [Cell(_call(h), kind) for h in HOLDS for kind in ("500", "503", "timeout")]
        for cell, hold in zip(transient, [h for h in HOLDS for _ in range(3)], strict=True):
            cell.rule_ids.append(faults.add(_rule(cell.kind, hold.method, hold.path,
                                                  cell.call)))
        for sub in ("t", "r", "f"):
            (tmp_path / sub).mkdir()
        profile = str(_profile(tmp_path / "t", "fmt"))
        _converge(env, profile, transient, faults, max_runs=6)
        faults.clear()
        for cell in transient:
            cell.outcome = "converged"
        cells += transient

        # 2. Refusals: each call answered 409, then 413; a run stops with the cloud's words.
        refused = [Cell(_call(h), kind) for h in HOLDS for kind in ("409", "413")]
        for cell, hold in zip(refused, [h for h in HOLDS for _ in range(2)], strict=True):
            cell.rule_ids.append(faults.add(_rule(cell.kind, hold.method, hold.path,
                                                  cell.call)))
        profile = str(_profile(tmp_path / "r", "fmr"))

        def says_why(output: str) -> None:
            assert "injected on" in output, output[-2000:]
            if "Quota exceeded" in output:  # cloud text that looks like markup, kept as is
                assert "[/quota]" in output, output[-2000:]

        _converge(env, profile, refused, faults, max_runs=30, check_stop=says_why)
        faults.clear()
        for cell in refused:
            cell.outcome = "converged"
        cells += refused

        # 3. FAILED states: the run stops with the cloud's reason and what to do.
        failed = [Cell(label, "FAILED") for label in FAILED_OUTCOMES]
        for cell in failed:
            cell.rule_ids.append(faults.add(FAILED_OUTCOMES[cell.call]))
        profile = str(_profile(tmp_path / "f", "fmf"))
        first = _platform(env, "deploy", "--cloud", profile)
        output = first.stdout + first.stderr
        assert first.returncode == 1 and "Traceback" not in output, output[-3000:]
        live = faults.live()
        for cell in failed:
            cell.fired = not any(i in live for i in cell.rule_ids)
        reasons = {"create the cluster": "Quota exceeded for instances",
                   "create a share": MANILA_REASON,
                   "allow cephx access to a share": "rule state error"}
        for cell in failed:
            if reasons[cell.call] not in output:
                cell.problem = f"no reason in the output for {cell.call}"
        assert "openstack share delete" in output, output[-3000:]
        # Do what the message says for the share (delete it), then re-run: it converges.
        for share in conn.shared_file_system.shares(details=True):
            if share.name and share.name.startswith("fmf-") and share.status == "error":
                conn.shared_file_system.delete_share(share.id)
        deadline = time.monotonic() + 60
        while any(s.status in ("error", "deleting") for s in
                  conn.shared_file_system.shares(details=True)
                  if s.name and s.name.startswith("fmf-")) and time.monotonic() < deadline:
            time.sleep(0.5)
        _converge(env, profile, failed, faults, max_runs=4)
        for cell in failed:
            cell.outcome = "stopped" if cell.call.startswith("create a share") else "converged"
        cells += failed
    finally:
        faults.clear()
        _print(cells)
        print(f"fault matrix ran {time.monotonic() - started:.0f} s")
        for name in ("fmt", "fmr", "fmf"):
            for sub in ("t", "r", "f"):
                path = tmp_path / sub / f"{name}.yaml"
                if path.exists():
                    _platform(env, "delete", "--cloud", str(path), "--delete-data", "--yes")
    assert all(c.passed for c in cells), [c for c in cells if not c.passed]
    assert len(cells) == len(HOLDS) * 5 + len(FAILED_OUTCOMES)


def test_delete_finishes_what_it_can_and_reports_the_rest(sandbox: RunningSandbox,
                                                          env: dict[str, str],
                                                          tmp_path: Path) -> None:
    """A router Neutron keeps refusing to delete: delete still removes the cluster, the
    access rules and the credential, says what is left (exit 1), and a re-run finishes."""
    import json

    faults = Faults(sandbox)
    profile = str(_profile(tmp_path, "fmd"))
    deployed = _platform(env, "deploy", "--cloud", profile)
    assert deployed.returncode == 0, deployed.stderr[-2000:]
    faults.add({"method": "DELETE", "path": "/network/v2.0/routers/[^/]+$", "status": 500,
                "times": 0, "message": "Router busy [/neutron]"})
    try:
        first = _platform(env, "delete", "--cloud", profile, "--output", "json")
    finally:
        faults.clear()
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr[-2000:]
    report = json.loads(first.stdout)
    assert "cluster gaia-fmd" in report["removed"]
    assert any("application credential" in item for item in report["removed"])
    assert any("router" in item and "Router busy [/neutron]" in item
               for item in report["left"]), report["left"]
    assert {s["name"] for s in report["shares_kept"]} == {"fmd-notebooks", "fmd-data"}
    second = _platform(env, "delete", "--cloud", profile, "--delete-data", "--yes",
                       "--output", "json")
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout)["left"] == []
    conn = sandbox.connect()
    assert not [r for r in conn.network.routers() if r.name.startswith("gaia-fmd-")]
    assert not [n for n in conn.network.networks() if n.name.startswith("gaia-fmd-")]
