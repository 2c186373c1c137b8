"""The short form of bench/deploy_bench.py: the ratios issue 14 set as goals, checked on the
session's sandbox. Ratios (and counts), not absolute times, so a busy machine does not flake.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from gaia_platform.kube.helm import Helm
from tests.conftest import RunningSandbox

REPO = Path(__file__).resolve().parents[2]


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_bench", REPO / "bench/deploy_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _bench_module()


@pytest.fixture(scope="module")
def bed(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    workdir = tmp_path_factory.mktemp("bench")
    url = sandbox.status["openstack"]["url"]
    # The bench raises the session sandbox's quotas; later tests check quota preflight against
    # the sandbox's own, so they are put back afterwards.
    quotas = requests.get(f"{url}/_sandbox/config", timeout=10).json()["quotas"]
    bed = bench.Bench(sandbox.status, workdir)
    scale = bed.config()["time_scale"]
    # The bench's own setting (a Magnum build takes 6 s): a first deploy polls as it would.
    bed.set_time_scale(0.01)
    made: list[Path] = []
    bed.made = made
    # Deploy installs the CSI add-ons a cluster lacks, into the session's one cluster, and
    # delete leaves them (other deployments may use them); the deploy tests check that a
    # first deploy installs them, so the ones the bench installed go again afterwards.
    helm = Helm(Path(sandbox.status["kubernetes"]["admin_kubeconfig"]))
    before = _releases(helm)
    try:
        yield bed
    finally:
        bed.set_time_scale(scale)
        requests.post(f"{url}/_sandbox/config", json={"quotas": quotas},
                      timeout=10).raise_for_status()
        for profile in made:  # every share of these catalogues is the test's own
            bed.run("delete", "--cloud", str(profile), "--delete-data", "--yes", check=False)
        for name, namespace in _releases(helm) - before:
            helm.uninstall(name, namespace)


def _releases(helm: Helm) -> set[tuple[str, str]]:
    return {(str(r["name"]), str(r["namespace"])) for r in helm.releases()}


def _deploy_twice(bed: Any, name: str, shares: int) -> tuple[Any, Any]:
    profile = bed.profile(name, shares=shares)
    bed.made.append(profile)
    first = bed.run("deploy", "--cloud", str(profile), "--output", "json")
    again = bed.run("deploy", "--cloud", str(profile), "--output", "json")
    assert again.json()["changed"] == []
    return first, again


SMALL, LARGE = 10, 50


@pytest.fixture(scope="module")
def small_and_large(bed: Any) -> dict[int, tuple[Any, Any]]:
    return {SMALL: _deploy_twice(bed, "bench10", SMALL),
            LARGE: _deploy_twice(bed, "bench50", LARGE)}


def test_a_noop_rerun_makes_at_most_a_third_of_a_first_deploys_calls(
        small_and_large: dict[int, tuple[Any, Any]]) -> None:
    for shares, (first, again) in small_and_large.items():
        assert again.calls <= first.calls * bench.GOALS["noop_calls_ratio"], \
            (shares, again.calls, first.calls)


def test_noop_kubernetes_calls_do_not_grow_with_shares(
        small_and_large: dict[int, tuple[Any, Any]]) -> None:
    small, large = small_and_large[SMALL][1], small_and_large[LARGE][1]
    # Volumes and claims are listed by label selector: the same calls for 10 shares or 50.
    assert len(large.kube) == len(small.kube), (len(small.kube), len(large.kube))


def _manila(run: Any) -> list[str]:
    return [f"{c['method']} {c['path']}" for c in run.openstack if c["service"] == "manila"]


def test_noop_manila_calls_do_not_grow_with_shares(
        small_and_large: dict[int, tuple[Any, Any]]) -> None:
    small, large = small_and_large[SMALL][1], small_and_large[LARGE][1]
    # Shares, and the access rules recorded on them, come from one list call: a no-op re-run
    # of 50 shares asks Manila exactly what one of 10 asks, and changes nothing there.
    assert sorted(_manila(large)) == sorted(_manila(small)), (_manila(small), _manila(large))
    assert not [c for c in _manila(large) if "share-access-rules" in c
                or (c.startswith("GET") and "/shares/" in c and not c.endswith("/detail"))]
    assert not [c for c in large.openstack if c["mutating"] and c["service"] == "manila"]
    # Nor does any other OpenStack service's count grow.
    assert len(large.openstack) == len(small.openstack), \
        (len(small.openstack), len(large.openstack))


def test_status_calls_do_not_grow_with_shares(
        bed: Any, small_and_large: dict[int, tuple[Any, Any]]) -> None:
    runs = {n: bed.run("status", "--cloud", str(bed.profile(f"bench{n}", shares=n)),
                       "--output", "json") for n in (SMALL, LARGE)}
    small, large = runs[SMALL], runs[LARGE]
    # One share listing (rules from its records), one list of volumes, one of claims, one
    # helm run for every release: the same calls for 10 shares or 50.
    assert len(large.openstack) == len(small.openstack), (small.openstack, large.openstack)
    assert len(large.kube) == len(small.kube), (len(small.kube), len(large.kube))
    shares = large.json()["shares"]
    assert len(shares) == LARGE
    assert {(s["access_rule"]["state"], s["access_rule"]["seen_in"], s["pv_phase"],
             s["pvc_phase"]) for s in shares} == {("active", "share listing", "Bound", "Bound")}
    assert {r["name"] for r in large.json()["releases"]} == {"spark-executor", "zeppelin"}
    # --refresh reads every share's rules, and finds the same.
    refreshed = bed.run("status", "--cloud", str(bed.profile(f"bench{LARGE}", shares=LARGE)),
                        "--refresh", "--output", "json")
    reads = [c for c in refreshed.openstack if c["path"].endswith("/share-access-rules")]
    assert len(reads) == LARGE
    assert {(s["access_rule"]["state"], s["access_rule"]["seen_in"])
            for s in refreshed.json()["shares"]} == {("active", "access rules")}


#: Issue 14's goal is 0.10; measured 0.074 on a lightly loaded machine (4.4 s beside a 60 s
#: build, load 2). The tool's seconds grow with the machine's load and the cloud's do not: at
#: twice the goal the check failed on a 2-core machine busy with other test runs, so the suite
#: allows four times it and catches gross regressions only (a stall of 15 s or more beside the
#: build); the goal itself is what `python bench/deploy_bench.py` reports on a quiet machine.
TOOL_ADDED_CEILING = 4 * 0.10


def test_the_tool_adds_little_to_the_clouds_critical_path(bed: Any) -> None:
    # Time scale 0.1, as the goal is stated: a Magnum build takes 60 s.
    split = bench.measure_split(bed, 0.1, "benchsplit")
    bed.made.append(bed.profile("benchsplit", shares=8))
    assert split.cloud_path >= 60
    by_id = {s["id"]: s for s in split.steps}
    chain = ", ".join(f"{i} {by_id[i]['tool']:.1f}s" for i in split.chain)
    # Polling slack does not follow the machine's load: the build is seen within 3 % of its
    # 60 s (plus a few calls), where a backoff growing by 1.6x alone saw it 15 s late.
    assert by_id["magnum.cluster"]["tool"] <= 4.0, by_id["magnum.cluster"]
    assert split.ratio <= TOOL_ADDED_CEILING, \
        f"the tool added {split.tool_added:.1f} s to a {split.cloud_path:.1f} s critical " \
        f"path (goal {bench.GOALS['tool_added_ratio']:.0%}); the chain: {chain}"
