"""One emulator's world: configuration, records, faults, request log and service backends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

from .config import EmulatorConfig
from .faults import Faults
from .requestlog import RequestLog
from .store import Store


class Backend(Protocol):
    """A service's models. ``advance`` moves resources along their state machines."""

    def advance(self, now: float) -> bool: ...


class EmulatorState:
    def __init__(self, config: EmulatorConfig, directory: Path | None = None) -> None:
        self.config = config
        self.directory = directory
        self.store = Store(directory / "state.json" if directory else None)
        self.faults = Faults(self.store)
        self.requests = RequestLog(directory / "requests.jsonl" if directory else None)
        self.backends: dict[str, Any] = {}

    def now(self) -> float:
        return time.time()

    def advance(self) -> None:
        """Apply every transition that is due; persist if anything moved."""
        with self.store.lock:
            now = self.now()
            changed = False
            for backend in self.backends.values():
                changed = backend.advance(now) or changed
            if changed:
                self.store.save()
