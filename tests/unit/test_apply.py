"""The step runner: order, concurrency and what a failure does to the rest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from gaia_platform import apply
from gaia_platform.errors import CloudError, ConfigError
from gaia_platform.plan import Action, Decision, Step

PENDING = Decision(Action.CHECK, "test")


def _step(step_id: str, *deps: str) -> Step:
    return Step(step_id, "test", step_id, PENDING, deps)


def _run(steps: list[Step], work: Callable[[Step], Action]) -> apply.Report:
    events: list[apply.Event] = []
    return apply.run(steps, lambda step, _progress: work(step), events.append)


def test_each_step_runs_after_its_dependencies() -> None:
    finished: list[str] = []
    lock = threading.Lock()

    def work(step: Step) -> Action:
        time.sleep(0.01)
        with lock:
            finished.append(step.id)
        return Action.CREATE

    steps = [_step("c", "b"), _step("b", "a"), _step("a"), _step("d", "a")]
    report = _run(steps, work)
    assert [o.status for o in report.outcomes] == ["done"] * 4
    assert finished.index("a") < finished.index("b") < finished.index("c")
    assert finished.index("a") < finished.index("d")


def test_independent_steps_run_at_the_same_time() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def work(step: Step) -> Action:
        barrier.wait()  # deadlocks (BrokenBarrierError) unless both run concurrently
        return Action.NOOP

    report = _run([_step("cluster"), _step("share")], work)
    assert [o.status for o in report.outcomes] == ["done", "done"]


def test_a_failure_skips_its_dependents_but_not_the_rest() -> None:
    def work(step: Step) -> Action:
        if step.id == "cluster":
            raise CloudError("CREATE_FAILED: no valid host")
        return Action.CREATE

    steps = [_step("cluster"), _step("kubeconfig", "cluster"), _step("pv", "kubeconfig"),
             _step("share")]
    report = _run(steps, work)
    status = {o.step.id: o.status for o in report.outcomes}
    assert status == {"cluster": "failed", "kubeconfig": "skipped", "pv": "skipped",
                      "share": "done"}
    assert report.failed[0].error == "CREATE_FAILED: no valid host"
    assert report.failed[0].exit_code == 1
    skipped = next(o for o in report.outcomes if o.step.id == "pv")
    assert skipped.error == "needs kubeconfig, which skipped"


def test_bad_input_keeps_its_exit_code_and_unexpected_errors_are_reported() -> None:
    def work(step: Step) -> Action:
        if step.id == "preflight":
            raise ConfigError("no flavor")
        raise KeyError("bug")

    report = _run([_step("preflight"), _step("other")], work)
    codes = {o.step.id: (o.exit_code, o.error) for o in report.outcomes}
    assert codes["preflight"] == (2, "no flavor")
    assert codes["other"] == (1, "KeyError: 'bug'")


def test_changed_lists_only_mutating_actions() -> None:
    actions = {"a": Action.CREATE, "b": Action.NOOP, "c": Action.CHECK, "d": Action.UPDATE}
    report = _run([_step(name) for name in actions], lambda step: actions[step.id])
    assert [o.step.id for o in report.changed] == ["a", "d"]
