"""Deploy on a fresh sandbox and print ratios measured in this one run.

    .venv/bin/python bench/deploy_bench.py [--time-scale 0.01]

- wall / critical path: how close the concurrent deploy comes to its longest dependency chain
  (1.0 = no step waited for anything but its own dependencies);
- sum of step times / wall: the parallelism actually obtained;
- API calls per deploy, mutating calls per deploy, for a first deploy and a re-run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gaia_platform.sandbox.lifecycle import Sandbox  # noqa: E402
from gaia_platform.sandbox.paths import cache_dir  # noqa: E402


def critical_path(steps: list[dict[str, Any]]) -> float:
    by_id = {s["id"]: s for s in steps}
    memo: dict[str, float] = {}

    def finish(step_id: str) -> float:
        if step_id not in memo:
            step = by_id[step_id]
            memo[step_id] = step["seconds"] + max(
                (finish(d) for d in step["depends_on"]), default=0.0)
        return memo[step_id]

    return max(finish(s["id"]) for s in steps)


def deploy(env: dict[str, str], url: str) -> dict[str, Any]:
    since = requests.get(f"{url}/_sandbox/requests", timeout=5).json()
    mark = since[-1]["seq"] if since else 0
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "gaia_platform.cli", "deploy", "--cloud",
                             "sandbox", "--output", "json"], capture_output=True, text=True,
                            env=env, cwd=REPO, check=True)
    wall = time.monotonic() - started
    report = json.loads(result.stdout)
    calls = requests.get(f"{url}/_sandbox/requests", params={"since": mark}, timeout=5).json()
    return {"wall": wall, "report": report, "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-scale", type=float, default=0.01)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = Sandbox(Path(tmp) / "sandbox", cache_dir())
        status = sandbox.up(progress=lambda _m: None, time_scale=args.time_scale)
        env = {**os.environ, "GAIA_SANDBOX_DIR": str(sandbox.directory),
               "GAIA_STATE_DIR": str(Path(tmp) / "state")}
        try:
            first = deploy(env, status["openstack"]["url"])
            second = deploy(env, status["openstack"]["url"])
        finally:
            sandbox.down()
    steps = first["report"]["steps"]
    path = critical_path(steps)
    busy = sum(s["seconds"] for s in steps)
    print(f"time scale {args.time_scale} (a Magnum build takes {600 * args.time_scale:.1f} s)")
    print(f"first deploy:  wall {first['wall']:.1f} s (CLI start included), "
          f"steps {first['report']['seconds']:.1f} s")
    print(f"  wall(steps) / critical path  = {first['report']['seconds'] / path:.2f}")
    print(f"  sum of step times / wall      = {busy / first['report']['seconds']:.2f}")
    for label, run in (("first deploy", first), ("second deploy", second)):
        calls = run["calls"]
        mutating = [c for c in calls if c["mutating"] and not c["path"].endswith("/auth/tokens")]
        by_service = Counter(c["service"] for c in calls)
        print(f"{label}: {len(calls)} API calls, {len(mutating)} mutating; by service "
              + ", ".join(f"{k} {v}" for k, v in sorted(by_service.items())))


if __name__ == "__main__":
    main()
