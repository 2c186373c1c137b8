"""The emulated cloud's state: JSON-shaped records, one lock, persisted to disk.

Records are the API's own JSON objects; keys starting with ``_`` are the emulator's private
bookkeeping (pending transitions, owner) and are stripped before a record is returned.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

Record = dict[str, Any]


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self.data: dict[str, dict[str, dict[str, Record]]] = {}
        if path is not None and path.exists():
            self.data = json.loads(path.read_text())

    def table(self, service: str, name: str) -> dict[str, Record]:
        return self.data.setdefault(service, {}).setdefault(name, {})

    def reset(self) -> None:
        with self.lock:
            self.data = {}
            self.save()

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data))
        os.replace(tmp, self.path)


def new_id() -> str:
    return str(uuid.uuid4())


def iso(ts: float | None = None) -> str:
    """ISO 8601 in UTC with microseconds, as most OpenStack services print ``created_at``."""
    moment = time.gmtime(ts if ts is not None else time.time())
    frac = (ts if ts is not None else time.time()) % 1
    return time.strftime("%Y-%m-%dT%H:%M:%S", moment) + f".{int(frac * 1e6):06d}"


def public(record: Record) -> Record:
    """The record as the API shows it: without the emulator's private keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
