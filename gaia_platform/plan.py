"""A plan: the steps that take what exists to what should exist, as a dependency graph.

Each step is *planned* by comparing one desired resource with what the cloud reports (or with
nothing, when planning without credentials) and *applied* by the same comparison done again at
run time, so a step that is already satisfied when its turn comes does nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    NOOP = "no-op"
    DELETE = "delete"
    CHECK = "check"

    @property
    def mutating(self) -> bool:
        return self in (Action.CREATE, Action.UPDATE, Action.DELETE)


@dataclass(frozen=True)
class Decision:
    """What one comparison concluded: the action, why, and the fields that differ."""

    action: Action
    reason: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    #: Unique within a plan, e.g. ``manila.share/gaia-dr2``.
    id: str
    #: The resource kind, naming the code that plans and applies it (see steps/__init__.py).
    kind: str
    #: The resource's deterministic name.
    name: str
    decision: Decision
    depends_on: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "action": self.decision.action.value,
            "reason": self.decision.reason,
            "changes": self.decision.changes,
            "depends_on": list(self.depends_on),
        }


@dataclass(frozen=True)
class Plan:
    deployment: str
    cloud: str
    #: False when the cloud could not be asked (no credentials): every step is a prediction.
    observed: bool
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.decision.action.mutating]

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.decision.action.value] = counts.get(step.decision.action.value, 0) + 1
        return {
            "deployment": self.deployment,
            "cloud": self.cloud,
            "observed": self.observed,
            "summary": counts,
            "steps": [step.to_json() for step in self.steps],
            "notes": list(self.notes),
        }
