"""One resource type read in bulk and shared by every step of a run.

A deployment of a few hundred shares would otherwise read each share, rule and volume one by
one, on every run. A :class:`Listing` answers all of those from one list call, and a poll of
many resources from one list call per round (the waiting steps share it).

Staleness is bounded by time, never by luck. Every record carries the moment the information
about it was *asked for* (a list call's start, or the end of our own mutation), and a read says
how fresh it needs the answer:

* an *observation* (does this exist, as what?) takes any answer newer than ``max_age`` and
  newer than our own last change to that key: a step that created or changed something, or
  marked it with :meth:`forget`, never sees what was there before;
* a *poll* (is it ready yet?) needs an answer newer than the one it got last time, so a wait
  always makes progress; concurrent pollers share one list call per round.

A list call that started before one of our mutations never overwrites what the mutation told
us (the records' times decide), so a slow list cannot resurrect a deleted record or hide a new
one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

#: An observation older than this is asked again: another actor may have changed the cloud.
MAX_AGE = 30.0


class Listing:
    def __init__(self, fetch: Callable[[], Iterable[Any]], key: Callable[[Any], str], *,
                 max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._key = key
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        #: Serialises list calls; a reader that waited for one re-checks before calling again.
        self._fetching = threading.Lock()
        self._records: dict[str, Any] = {}
        #: When the information about a key was asked for (present or absent).
        self._as_of: dict[str, float] = {}
        #: Keys whose state we changed without being told the result: unknown until re-listed.
        self._unknown: set[str] = set()
        #: What those keys were before we changed them (what :meth:`find` matched them by).
        self._last: dict[str, Any] = {}
        #: Start of the last completed list call (None: never listed).
        self._listed_at: float | None = None
        self._invalid_at = float("-inf")
        #: Per key, the time of the answer the last poll was given.
        self._polled: dict[str, float] = {}
        self.calls = 0

    # -- reads ---------------------------------------------------------------------------
    def get(self, key: str) -> Any | None:
        """An observation: the record, or None if the resource does not exist."""
        return self._read(key, poll=False)

    def poll(self, key: str) -> Any | None:
        """A poll: an answer strictly newer than the one this key's last poll got."""
        return self._read(key, poll=True)

    def find(self, match: Callable[[Any], bool]) -> list[Any]:
        """An observation of the records ``match`` accepts (e.g. by name). Records changed by
        us and not listed since count only if they matched before: deleting one share does
        not make the next lookup of another list every share again."""
        asked = self._clock()
        while True:
            with self._lock:
                if not self._find_needs_list(match, asked):
                    return [r for r in self._records.values() if match(r)]
            self.refresh(needed=lambda: self._find_needs_list(match, asked))

    def _find_needs_list(self, match: Callable[[Any], bool], asked: float) -> bool:
        if self._listed_at is None or self._listed_at < asked - self.max_age:
            return True
        return any(k not in self._last or match(self._last[k]) for k in self._unknown)

    def all(self, *, poll: bool = False) -> list[Any]:
        """Every record: an observation, or (``poll``) newer than the last such poll's."""
        return self._read(_ALL, poll=poll)  # type: ignore[no-any-return]

    def _read(self, key: str, *, poll: bool) -> Any:
        asked = self._clock()
        while True:
            with self._lock:
                if self._answers(key, poll, asked):
                    known = self._known_as_of(key)
                    assert known is not None
                    if poll:
                        self._polled[key] = known
                    if key == _ALL:
                        return list(self._records.values())
                    return self._records.get(key)
            # Another reader's list call may answer this one too (checked again in turn).
            self.refresh(needed=lambda: not self._answers(key, poll, asked))

    def _answers(self, key: str, poll: bool, asked: float) -> bool:
        """Whether what is known about ``key`` is fresh enough for this read (lock held)."""
        known = self._known_as_of(key)
        if known is None:
            return False
        last = self._polled.get(key) if poll else None
        return known > last if last is not None else known >= asked - self.max_age

    def _known_as_of(self, key: str) -> float | None:
        if key == _ALL:
            if self._unknown or self._listed_at is None:
                return None
            return min([self._listed_at, *self._as_of.values()])
        if key in self._unknown:
            return None
        return self._as_of.get(key, self._listed_at)

    # -- writes after our own mutations ---------------------------------------------------
    def put(self, record: Any) -> None:
        """What a create or update answered: newer than any list call started before it."""
        with self._lock:
            key = self._key(record)
            self._records[key] = record
            self._as_of[key] = self._clock()
            self._unknown.discard(key)

    def forget(self, key: str) -> None:
        """We changed ``key`` and were not told the result: the next read lists again."""
        with self._lock:
            if key in self._records:
                self._last[key] = self._records.pop(key)
            self._as_of[key] = self._clock()
            self._unknown.add(key)

    def invalidate(self) -> None:
        """We changed something of this type without a record of it (a router's routes or
        interfaces): every read lists again, with a list call started after now."""
        with self._lock:
            now = self._clock()
            self._invalid_at = now
            if self._listed_at is not None and self._listed_at <= now:
                self._listed_at = None
            for key in list(self._as_of):
                if self._as_of[key] <= now:
                    self._unknown.add(key)

    # -- the one list call ----------------------------------------------------------------
    def refresh(self, needed: Callable[[], bool] = lambda: True) -> None:
        """List again, unless the list call another reader made while this one waited for its
        turn already answers it (``needed`` is asked with the lock held)."""
        with self._fetching:
            with self._lock:
                if not needed():
                    return
            started = self._clock()
            records = {self._key(r): r for r in self._fetch()}
            with self._lock:
                self.calls += 1

                def superseded(key: str) -> bool:
                    # What we did after this list call started is newer than its answer.
                    return self._as_of.get(key, float("-inf")) <= started

                for key, record in records.items():
                    if superseded(key):
                        self._records[key] = record
                        self._as_of.pop(key, None)
                        self._unknown.discard(key)
                for key in [k for k in self._records if k not in records and superseded(k)]:
                    del self._records[key]
                    self._as_of.pop(key, None)
                for key in [k for k in self._unknown if superseded(k)]:
                    self._unknown.discard(key)
                    self._as_of.pop(key, None)
                    self._last.pop(key, None)
                # A list call that started before an invalidation answers nothing fresh.
                self._listed_at = started if started > self._invalid_at else None


#: The key :meth:`Listing.all` polls under.
_ALL = "\0all"
