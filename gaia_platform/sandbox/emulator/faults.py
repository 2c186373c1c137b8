"""Fault injection, set over HTTP at ``/_sandbox/faults``.

Two kinds of rule:

* HTTP rules (``method``, ``path`` regex, then ``status`` and/or ``delay``) answer matching
  requests with an error in the service's own fault format, or hold them for ``delay`` seconds
  (long enough for a client to time out); ``retry_after`` adds a Retry-After header in seconds
  (a rate limiter's 429: ``{"path": "/shares", "status": 429, "retry_after": 1, "times": 3}``);
* outcome rules (``operation`` such as ``magnum.cluster.create``, ``outcome`` such as
  ``CREATE_FAILED``, ``reason``) make the next asynchronous operation of that kind end badly.

Each rule fires ``times`` times (default 1; 0 means for ever).
"""

from __future__ import annotations

import re
from typing import Any

from .store import Store, new_id

Rule = dict[str, Any]


class Faults:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def _rules(self) -> dict[str, Rule]:
        return self.store.table("_sandbox", "faults")

    def add(self, rule: Rule) -> Rule:
        if "operation" not in rule and "path" not in rule:
            raise ValueError("a fault needs either 'path' (an HTTP rule) or 'operation'")
        if "path" in rule:
            re.compile(rule["path"])
            if "status" not in rule and "delay" not in rule:
                raise ValueError("an HTTP fault needs 'status' or 'delay'")
            after = rule.get("retry_after")
            if after is not None and (not isinstance(after, int) or after < 0 or
                                      "status" not in rule):
                raise ValueError("'retry_after' is whole seconds >= 0, with a 'status'")
        stored = {"id": new_id(), "times": 1, **rule}
        with self.store.lock:
            self._rules[stored["id"]] = stored
            self.store.save()
        return stored

    def list(self) -> list[Rule]:
        return list(self._rules.values())

    def clear(self) -> None:
        with self.store.lock:
            self._rules.clear()
            self.store.save()

    def _consume(self, rule: Rule) -> Rule:
        if rule["times"] == 1:
            del self._rules[rule["id"]]
        elif rule["times"] > 1:
            rule["times"] -= 1
        return dict(rule)

    def match_http(self, method: str, path: str) -> Rule | None:
        with self.store.lock:
            for rule in list(self._rules.values()):
                if "path" not in rule:
                    continue
                if rule.get("method", method).upper() != method.upper():
                    continue
                if re.search(rule["path"], path):
                    return self._consume(rule)
        return None

    def take_outcome(self, operation: str) -> Rule | None:
        """The outcome rule for this operation, if any; consumed as it is used."""
        with self.store.lock:
            for rule in list(self._rules.values()):
                if rule.get("operation") == operation:
                    return self._consume(rule)
        return None
