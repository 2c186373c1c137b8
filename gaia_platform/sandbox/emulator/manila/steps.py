"""Timed state changes kept on a record: ``_steps`` is a list of {"at": time, "set": {...}}.

A step whose ``set`` holds ``"_remove": True`` deletes the record when it comes due. Outcomes
(success or a fault's failure) are decided when the operation is accepted, so a fault rule
applies to the next operation started after it was set.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]


def schedule(record: Record, *steps: tuple[float, dict[str, Any]]) -> None:
    record["_steps"] = [{"at": at, "set": changes} for at, changes in steps]


def busy(record: Record) -> bool:
    return bool(record.get("_steps"))


def advance(table: dict[str, Record], now: float, stamp: str) -> list[Record]:
    """Apply every due step; return the records that changed (removed ones included)."""
    changed: list[Record] = []
    for key, record in list(table.items()):
        steps = record.get("_steps") or []
        moved = False
        while steps and steps[0]["at"] <= now:
            changes = steps.pop(0)["set"]
            moved = True
            if changes.get("_remove"):
                del table[key]
                break
            record.update(changes)
            if "updated_at" in record:
                record["updated_at"] = stamp
        if moved:
            changed.append(record)
    return changed
