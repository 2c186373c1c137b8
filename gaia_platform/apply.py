"""Runs a plan's steps: independent ones concurrently, each after its dependencies.

A failed step stops only what depends on it; everything else still runs, so one re-run after
fixing the cause converges. Nothing is rolled back: resources are named deterministically and
the next run adopts what this one made.
"""

from __future__ import annotations

import concurrent.futures as futures
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import GaiaError
from .plan import Action, Step

#: Steps in flight at once. Most of them wait on the cloud (a share being created, a claim
#: binding); the calls they make are bounded separately and adaptively (cloud/throttle.py).
MAX_PARALLEL = 32


@dataclass(frozen=True)
class Event:
    step: str
    phase: str  # started | progress | done | failed | skipped
    message: str
    action: str | None = None


@dataclass
class Outcome:
    step: Step
    action: Action | None = None
    status: str = "pending"  # done | failed | skipped
    error: str | None = None
    #: The exit code the error calls for (2 for bad input such as a failed preflight).
    exit_code: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.step.id, "kind": self.step.kind, "name": self.step.name,
                "action": self.action.value if self.action else None, "status": self.status,
                "error": self.error, "seconds": round(self.seconds, 2),
                "depends_on": list(self.step.depends_on)}


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes
                if o.status == "done" and o.action is not None and o.action.mutating]


Runner = Callable[[Step, Callable[[str], None]], Action]


def run(steps: list[Step], runner: Runner, emit: Callable[[Event], None]) -> Report:
    """Run every step through ``runner`` (which re-observes, decides and acts, returning the
    action it took), respecting ``depends_on``."""
    outcomes = {s.id: Outcome(s) for s in steps}
    started = time.monotonic()

    def one(step: Step) -> None:
        outcome = outcomes[step.id]
        begin = time.monotonic()
        emit(Event(step.id, "started", step.name))

        def progress(message: str) -> None:
            emit(Event(step.id, "progress", message))

        try:
            outcome.action = runner(step, progress)
            outcome.status = "done"
            emit(Event(step.id, "done", step.name, outcome.action.value))
        except GaiaError as error:
            outcome.status, outcome.error = "failed", str(error)
            outcome.exit_code = error.exit_code
            emit(Event(step.id, "failed", str(error)))
        except Exception as error:  # an adapter bug must not hide the other steps' results
            outcome.status = "failed"
            outcome.error = f"{type(error).__name__}: {error}"
            outcome.exit_code = 1
            emit(Event(step.id, "failed", outcome.error))
        finally:
            outcome.seconds = time.monotonic() - begin

    # Each step waits for a count of unfinished dependencies; a finished step releases its
    # dependents, so scheduling costs O(steps + edges), not a scan of every pending step per
    # completion (2000 steps for 500 shares).
    by_id = {s.id: s for s in steps}
    unknown = [s.id for s in steps if any(d not in by_id for d in s.depends_on)]
    if unknown:
        raise ValueError(f"unsatisfiable dependencies: {unknown}")
    waiting_on = {s.id: len(set(s.depends_on)) for s in steps}
    dependents: dict[str, list[str]] = {s.id: [] for s in steps}
    for step in steps:
        for dep in set(step.depends_on):
            dependents[dep].append(step.id)
    order = {s.id: i for i, s in enumerate(steps)}
    ready = [s.id for s in steps if waiting_on[s.id] == 0]
    running: dict[futures.Future[None], str] = {}
    with futures.ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        while ready or running:
            for step_id in sorted(ready, key=order.__getitem__):
                running[pool.submit(one, by_id[step_id])] = step_id
            ready = []
            done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
            for future in done:
                ready += _release(running.pop(future), outcomes, dependents, waiting_on, emit)
    never = [s.id for s in steps if outcomes[s.id].status == "pending"]
    if never:  # only possible with a dependency cycle
        raise ValueError(f"unsatisfiable dependencies: {never}")
    return Report(outcomes=[outcomes[s.id] for s in steps], seconds=time.monotonic() - started)


def _release(finished: str, outcomes: dict[str, Outcome], dependents: dict[str, list[str]],
             waiting_on: dict[str, int], emit: Callable[[Event], None]) -> list[str]:
    """The steps that became ready now ``finished`` is over; its dependents are skipped
    (transitively) when it failed or was skipped."""
    ready = []
    stack = [finished]
    while stack:
        current = outcomes[stack.pop()]
        for dep_id in dependents[current.step.id]:
            waiting_on[dep_id] -= 1
            dependent = outcomes[dep_id]
            if current.status in ("failed", "skipped") and dependent.status == "pending":
                dependent.status = "skipped"
                dependent.error = f"needs {current.step.id}, which {current.status}"
                emit(Event(dep_id, "skipped", dependent.error))
                stack.append(dep_id)
            elif waiting_on[dep_id] == 0 and dependent.status == "pending":
                ready.append(dep_id)
    return ready
