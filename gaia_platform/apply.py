"""Runs a plan's steps: independent ones concurrently, each after its dependencies.

A failed step stops only what depends on it; everything else still runs, so one re-run after
fixing the cause converges. Nothing is rolled back: resources are named deterministically and
the next run adopts what this one made.
"""

from __future__ import annotations

import concurrent.futures as futures
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import GaiaError
from .plan import Action, Step

MAX_PARALLEL = 6


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
    lock = threading.Lock()
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

    pending = list(steps)
    running: dict[futures.Future[None], str] = {}
    with futures.ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        while pending or running:
            with lock:
                for step in list(pending):
                    deps = [outcomes[d] for d in step.depends_on]
                    if any(d.status in ("failed", "skipped") for d in deps):
                        pending.remove(step)
                        outcome = outcomes[step.id]
                        outcome.status = "skipped"
                        blocker = next(d for d in deps if d.status in ("failed", "skipped"))
                        outcome.error = f"needs {blocker.step.id}, which {blocker.status}"
                        emit(Event(step.id, "skipped", outcome.error))
                    elif all(d.status == "done" for d in deps):
                        pending.remove(step)
                        running[pool.submit(one, step)] = step.id
            if not running:
                if pending:  # only possible with a dependency on an unknown step
                    raise ValueError(f"unsatisfiable dependencies: {[s.id for s in pending]}")
                break
            done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
            for future in done:
                running.pop(future)
    return Report(outcomes=[outcomes[s.id] for s in steps], seconds=time.monotonic() - started)
