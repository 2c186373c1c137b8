"""What the tool adds to the cloud's own time, and how its cost grows: measured on a fresh sandbox.

    .venv/bin/python bench/deploy_bench.py            # about 10 minutes on 2 cores
    .venv/bin/python bench/deploy_bench.py --full     # adds the run at time scale 1.0 (+12 min)
    .venv/bin/python bench/deploy_bench.py --quick    # split at 0.1 and 10/100 shares only

It prints:

1. **The split** at each time scale: per step, the time the emulated cloud needed (its
   configured durations for what the step asked of it: a cluster build, a share, an access
   rule) and the time the tool added (its calls, polling slack, helm, Kubernetes); then the
   cloud's critical path (the longest dependency chain counting only cloud time) and what the
   whole deploy took beyond it.
2. **The scale table**: plan, first deploy, no-op re-run and status with 10, 100 and 500
   shares, and clusters of 3, 30 and 300 workers: wall time, API calls (OpenStack from the
   emulator's request log, Kubernetes from the apiserver's audit log: the tool's own user,
   helm included) and the peak RSS of the CLI process.
3. **Everyday commands**: `platform --help`, and `platform plan --cloud cambridge` without
   credentials, against a bare Python start.
4. **The goals** (issue 14), each met or not.

tests/bench/test_bench_short.py runs a short form in the test suite and checks the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gaia_platform.sandbox.lifecycle import Sandbox  # noqa: E402
from gaia_platform.sandbox.paths import cache_dir  # noqa: E402

#: The emulator operation (sandbox/emulator/config.py BASE_DURATIONS) each step kind's
#: action waits for; everything else (networks, templates, kubeconfig, Kubernetes, helm) the
#: cloud answers at once, so its time is the tool's.
CLOUD_WORK: dict[tuple[str, str], tuple[str, ...]] = {
    ("magnum.cluster", "create"): ("magnum.cluster.create",),
    ("magnum.cluster", "update"): ("magnum.cluster.update",),
    ("manila.share", "create"): ("manila.share.create",),
    ("manila.share", "update"): ("manila.share.extend",),
    ("manila.access", "create"): ("manila.access.apply",),
    ("manila.access", "update"): ("manila.access.deny", "manila.access.apply"),
}

#: Quotas high enough for 500 shares and a 300-worker cluster (the emulator's defaults are a
#: small project's).
QUOTAS = {
    "sharev2": {"shares": 2000, "gigabytes": 100000},
    "compute": {"instances": 1000, "cores": 10000, "ram": 100_000_000},
    "network": {"network": 100, "router": 100},
    "container-infra": {"clusters": 50},
}

GOALS = {
    "tool_added_ratio": 0.10,   # of the cloud's critical path
    "tool_added_seconds": 5.0,  # at time scale 0.1
    "noop_calls_ratio": 1 / 3,  # of a first deploy's calls
    "noop_500_seconds": 20.0,
    "plan_500_seconds": 3.0,
    "status_200_seconds": 3.0,
    "plan_offline_seconds": 1.5,
    "rss_mb": 200.0,
}


# -- one run of the CLI ---------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    openstack: list[dict[str, Any]] = field(default_factory=list)
    kube: list[dict[str, Any]] = field(default_factory=list)
    #: The machine's 1-minute load average as the run started: wall times follow it.
    load: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.openstack) + len(self.kube)

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str, str]:
    """Wall time, peak RSS (MB) of the CLI process (and any helm it ran), exit code, output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "gaia_platform.cli", *args],
                                   stdout=out, stderr=err, env=env, cwd=REPO)
        # wait4 gives this child's own resource use: ru_maxrss in KiB on Linux (getrusage(2)).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return wall, usage.ru_maxrss / 1024, process.returncode, out.read(), err.read()


class Bench:
    """A sandbox for benchmarking: quotas raised, calls counted from its logs."""

    def __init__(self, status: dict[str, Any], workdir: Path) -> None:
        self.url = status["openstack"]["url"]
        self.audit = Path(status["kubernetes"]["audit_log"])
        self.workdir = workdir
        self.env = {**os.environ, "GAIA_SANDBOX_DIR": str(Path(status["directory"])),
                    "GAIA_STATE_DIR": str(workdir / "state")}
        requests.post(f"{self.url}/_sandbox/config", json={"quotas": QUOTAS},
                      timeout=10).raise_for_status()

    def config(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(f"{self.url}/_sandbox/config", timeout=10).json()
        return answer

    def set_time_scale(self, scale: float) -> None:
        requests.post(f"{self.url}/_sandbox/config", json={"time_scale": scale},
                      timeout=10).raise_for_status()

    def _mark(self) -> tuple[int, int]:
        entries = requests.get(f"{self.url}/_sandbox/requests", timeout=30).json()
        with self.audit.open("rb") as log:
            lines = sum(1 for _ in log)
        return (entries[-1]["seq"] if entries else 0), lines

    def run(self, *args: str, check: bool = True) -> Run:
        mark = self._mark()
        load = os.getloadavg()[0]
        wall, rss, code, out, err = run_cli(list(args), self.env)
        if check and code != 0:
            raise RuntimeError(f"platform {' '.join(args)} exited {code}:\n{err[-3000:]}")
        openstack = requests.get(f"{self.url}/_sandbox/requests", params={"since": mark[0]},
                                 timeout=30).json()
        # The apiserver writes its audit log as the calls complete; the CLI has exited.
        with self.audit.open() as log:
            lines = log.readlines()[mark[1]:]
        kube = [e for e in map(json.loads, lines) if e["user"]["username"] == "gaia-platform"]
        return Run(wall, rss, code, out, err, openstack, kube, load)

    def profile(self, name: str, shares: int, workers: int = 2) -> Path:
        """A sandbox profile with its own catalogue: one notebooks share, a few data shares
        and the rest user shares (one per astronomer, as a real community's)."""
        folder = self.workdir / "profiles" / name
        folder.mkdir(parents=True, exist_ok=True)
        catalogue = []
        for index in range(shares):
            purpose = "notebooks" if index == 0 else "data" if index <= min(5, shares // 4) \
                else "user"
            catalogue.append({
                "name": f"{name}-{purpose}-{index}", "size_gb": 1,
                "access": "ro" if purpose == "data" else "rw",
                "mount_path": f"/{purpose}/{name}-{index}", "purpose": purpose,
            })
        (folder / "shares.yaml").write_text(yaml.safe_dump({"shares": catalogue}))
        profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
        profile.update(name=name, shares="shares.yaml")
        profile.pop("yarn", None)
        profile["cluster"]["worker_count"] = workers
        profile["cluster"]["autoscaling"] = {"min_nodes": 1, "max_nodes": max(4, workers)}
        profile["kubernetes"]["namespace"] = name
        path = folder / "profile.yaml"
        path.write_text(yaml.safe_dump(profile))
        return path


@contextmanager
def sandbox(workdir: Path) -> Iterator[Bench]:
    box = Sandbox(workdir / "sandbox", cache_dir())
    status = box.up(progress=lambda _m: None)
    try:
        yield Bench(status, workdir)
    finally:
        box.down()


# -- 1. the split -------------------------------------------------------------------------
@dataclass
class Split:
    time_scale: float
    steps: list[dict[str, Any]]
    wall: float
    cloud_path: float
    #: The dependency chain that took the longest on the wall clock (step seconds).
    chain: list[str]
    #: The machine's 1-minute load average before and after the deploy.
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def tool_added(self) -> float:
        return self.wall - self.cloud_path

    @property
    def ratio(self) -> float:
        return self.tool_added / self.cloud_path if self.cloud_path else float("inf")


def longest_chain(steps: list[dict[str, Any]], weight: str) -> tuple[float, list[str]]:
    """The longest dependency chain, weighing each step by ``weight`` (ties: more steps)."""
    by_id = {s["id"]: s for s in steps}
    memo: dict[str, tuple[float, list[str]]] = {}

    def finish(step_id: str) -> tuple[float, list[str]]:
        if step_id not in memo:
            deps = [finish(d) for d in by_id[step_id]["depends_on"]]
            before = max(deps, default=(0.0, []), key=lambda p: (p[0], len(p[1])))
            memo[step_id] = (before[0] + by_id[step_id][weight], [*before[1], step_id])
        return memo[step_id]

    return max((finish(s["id"]) for s in steps), key=lambda p: (p[0], len(p[1])))


def split(report: dict[str, Any], durations: dict[str, float], time_scale: float) -> Split:
    steps = []
    for step in report["steps"]:
        ops = CLOUD_WORK.get((step["kind"], step["action"] or ""), ())
        cloud = sum(durations[op] for op in ops)
        steps.append({**step, "cloud": cloud, "tool": max(0.0, step["seconds"] - cloud)})
    cloud_path, _ = longest_chain(steps, "cloud")
    _, chain = longest_chain(steps, "seconds")
    return Split(time_scale, steps, report["seconds"], cloud_path, chain)


def measure_split(bench: Bench, scale: float, name: str) -> Split:
    bench.set_time_scale(scale)
    profile = str(bench.profile(name, shares=8))
    run = bench.run("deploy", "--cloud", profile, "--output", "json")
    result = split(run.json(), bench.config()["durations"], scale)
    result.load = (run.load, os.getloadavg()[0])
    return result


def print_split(result: Split) -> None:
    build = 600 * result.time_scale
    print(f"\n== time scale {result.time_scale} (a Magnum build takes {build:.0f} s; load "
          f"average {result.load[0]:.1f} -> {result.load[1]:.1f}) ==")
    print("the chain that set the wall time:")
    print(f"  {'step':42} {'action':8} {'cloud s':>8} {'tool s':>8}")
    by_id = {s["id"]: s for s in result.steps}
    for step_id in result.chain:
        step = by_id[step_id]
        print(f"  {step_id[:42]:42} {step['action'] or '-':8} {step['cloud']:8.2f} "
              f"{step['tool']:8.2f}")
    print("beside it (per kind: steps, cloud s each, tool s mean / max):")
    kinds: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        if step["id"] not in result.chain:
            kinds.setdefault(step["kind"], []).append(step)
    for kind, group in sorted(kinds.items()):
        tools = [s["tool"] for s in group]
        print(f"  {kind:20} {len(group):4} {max(s['cloud'] for s in group):8.2f} "
              f"{sum(tools) / len(tools):8.2f} / {max(tools):.2f}")
    print(f"deploy wall (steps) {result.wall:.1f} s; cloud critical path "
          f"{result.cloud_path:.1f} s; the tool added {result.tool_added:.1f} s "
          f"= {100 * result.ratio:.1f} % of the cloud's time")


# -- 2. the scale table ------------------------------------------------------------------
@dataclass
class Point:
    label: str
    shares: int
    workers: int
    runs: dict[str, Run] = field(default_factory=dict)


def measure_point(bench: Bench, name: str, shares: int, workers: int) -> Point:
    profile = str(bench.profile(name, shares=shares, workers=workers))
    point = Point(name, shares, workers)
    point.runs["plan"] = bench.run("plan", "--cloud", profile, "--output", "json")
    point.runs["deploy"] = bench.run("deploy", "--cloud", profile, "--output", "json")
    point.runs["no-op"] = bench.run("deploy", "--cloud", profile, "--output", "json")
    point.runs["status"] = bench.run("status", "--cloud", profile, "--output", "json")
    if point.runs["no-op"].json()["changed"]:
        raise RuntimeError(f"the re-run of {name} changed {point.runs['no-op'].json()['changed']}")
    # Nothing of one point stays to load the next one's cluster (shares included).
    bench.run("delete", "--cloud", profile, "--delete-data", "--yes", "--output", "json")
    return point


def print_table(points: list[Point]) -> None:
    print("\n== scale (time scale 0.01: a Magnum build takes 6 s) ==")
    print(f"{'shares':>6} {'workers':>7} | {'command':8} {'wall s':>7} {'load':>5} {'calls':>6} "
          f"{'openstack':>9} {'kube':>5} {'RSS MB':>7}")
    for point in points:
        for command, run in point.runs.items():
            print(f"{point.shares:6} {point.workers:7} | {command:8} {run.wall:7.2f} "
                  f"{run.load:5.1f} {run.calls:6} {len(run.openstack):9} {len(run.kube):5} "
                  f"{run.rss_mb:7.0f}")


# -- 3. everyday commands without a cloud -----------------------------------------------------
def startup(env: dict[str, str], workdir: Path) -> dict[str, float]:
    offline = {**env, "HOME": str(workdir), "OS_CLIENT_CONFIG_FILE": str(workdir / "none.yaml"),
               "XDG_CONFIG_HOME": str(workdir)}

    def best(args: list[str]) -> float:
        times = []
        for _ in range(3):
            started = time.monotonic()
            subprocess.run(args, env=offline, cwd=REPO, capture_output=True, check=True)
            times.append(time.monotonic() - started)
        return min(times)

    return {
        "load": os.getloadavg()[0],
        "python": best([sys.executable, "-c", "pass"]),
        "help": best([sys.executable, "-m", "gaia_platform.cli", "--help"]),
        "plan_offline": best([sys.executable, "-m", "gaia_platform.cli", "plan", "--cloud",
                              "cambridge"]),
    }


# -- 4. goals ------------------------------------------------------------------------------
def goals(splits: list[Split], points: list[Point], starts: dict[str, float]
          ) -> list[tuple[str, bool, str]]:
    checks: list[tuple[str, bool, str]] = []
    for result in splits:
        checks.append((f"tool adds <= 10 % of the cloud's critical path at {result.time_scale}",
                       result.ratio <= GOALS["tool_added_ratio"], f"{100 * result.ratio:.1f} %"))
        if result.time_scale == 0.1:
            checks.append(("tool adds <= 5 s at time scale 0.1",
                           result.tool_added <= GOALS["tool_added_seconds"],
                           f"{result.tool_added:.1f} s"))
    share_points = sorted((p for p in points if p.workers == 3), key=lambda p: p.shares)
    for point in share_points:
        first, noop = point.runs["deploy"].calls, point.runs["no-op"].calls
        checks.append((f"no-op calls <= 1/3 of a first deploy's ({point.shares} shares)",
                       noop <= first * GOALS["noop_calls_ratio"], f"{noop} of {first}"))
    if len(share_points) >= 2:
        low, high = share_points[0], share_points[-1]
        added = high.shares - low.shares
        for service in ("kube", "openstack"):
            def count(p: Point, s: str = service) -> int:
                run = p.runs["no-op"]
                return len(run.kube) if s == "kube" else len(run.openstack)
            growth = (count(high) - count(low)) / added
            checks.append((f"no-op {service} calls do not grow with shares "
                           f"({low.shares} -> {high.shares})", growth < 0.05,
                           f"{count(low)} -> {count(high)}, {growth:.2f} per share"))
    for point in share_points:
        if point.shares >= 500:
            checks.append(("no-op re-run of 500 shares < 20 s",
                           point.runs["no-op"].wall < GOALS["noop_500_seconds"],
                           f"{point.runs['no-op'].wall:.1f} s"))
            checks.append(("plan for 500 shares < 3 s",
                           point.runs["plan"].wall < GOALS["plan_500_seconds"],
                           f"{point.runs['plan'].wall:.1f} s"))
        if point.shares >= 200:
            checks.append((f"status < 3 s (goal for 200 shares; measured with {point.shares})",
                           point.runs["status"].wall < GOALS["status_200_seconds"],
                           f"{point.runs['status'].wall:.1f} s"))
    if points:
        peak = max(run.rss_mb for p in points for run in p.runs.values())
        checks.append(("CLI peak RSS <= 200 MB", peak <= GOALS["rss_mb"], f"{peak:.0f} MB"))
    if starts:
        checks.append(("plan --cloud cambridge without credentials < 1.5 s",
                       starts["plan_offline"] < GOALS["plan_offline_seconds"],
                       f"{starts['plan_offline']:.2f} s"))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="also split at time scale 1.0 (a 600 s Magnum build; +12 min)")
    parser.add_argument("--quick", action="store_true",
                        help="split at 0.1 only, scale with 10 and 100 shares, 3 workers")
    parser.add_argument("--shares", default=None, help="share counts (default 10,100,500)")
    parser.add_argument("--workers", default=None, help="worker counts (default 3,30,300)")
    parser.add_argument("--split-only", action="store_true",
                        help="only the split (with --full: at 0.1 and 1.0), no scale table")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    scales = [0.1, 1.0] if args.full else [0.1]
    share_counts = [int(n) for n in (args.shares or ("10,100" if args.quick
                                                     else "10,100,500")).split(",")]
    worker_counts = [int(n) for n in (args.workers or ("3" if args.quick
                                                       else "3,30,300")).split(",")]
    with tempfile.TemporaryDirectory(prefix="gaia-bench-") as tmp, sandbox(Path(tmp)) as bench:
        starts = startup(bench.env, Path(tmp))
        print(f"start: bare python {starts['python']:.2f} s, platform --help "
              f"{starts['help']:.2f} s ({starts['help'] / starts['python']:.1f}x), "
              f"plan --cloud cambridge without credentials {starts['plan_offline']:.2f} s "
              f"(load average {starts['load']:.1f})")
        splits = []
        for scale in scales:
            splits.append(measure_split(bench, scale, f"split{str(scale).replace('.', '')}"))
            print_split(splits[-1])
        points = []
        if not args.split_only:
            bench.set_time_scale(0.01)
            points = [measure_point(bench, f"s{n}", n, 3) for n in share_counts]
            points += [measure_point(bench, f"w{w}", 10, w) for w in worker_counts if w != 3]
            print_table(points)
    print("\n== goals ==")
    checks = goals(splits, points, starts)
    for text, ok, value in checks:
        print(f"{'met    ' if ok else 'NOT met'}  {text}: {value}")
    if args.json:
        args.json.write_text(json.dumps({
            "start": starts,
            "splits": [{"time_scale": s.time_scale, "wall": s.wall, "cloud_path": s.cloud_path,
                        "tool_added": s.tool_added, "load": s.load, "steps": s.steps}
                       for s in splits],
            "scale": [{"shares": p.shares, "workers": p.workers,
                       "runs": {k: {"wall": r.wall, "calls": r.calls,
                                    "openstack": len(r.openstack), "kube": len(r.kube),
                                    "rss_mb": r.rss_mb, "load": r.load}
                                for k, r in p.runs.items()}}
                      for p in points],
            "goals": [{"goal": t, "met": ok, "value": v} for t, ok, v in checks],
        }, indent=2))


if __name__ == "__main__":
    main()
