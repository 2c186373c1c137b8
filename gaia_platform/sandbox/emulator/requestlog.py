"""Every request the emulator answered, readable at ``/_sandbox/requests``.

Tests and benchmarks count calls with it (e.g. "a second deploy makes no mutating call").
Bodies are not kept: they carry passwords and cephx keys.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any


class RequestLog:
    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._path = path
        if path is not None and path.exists():
            self._entries = [json.loads(line) for line in path.read_text().splitlines() if line]

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry = {"seq": len(self._entries) + 1, **entry}
            self._entries.append(entry)
            if self._path is not None:
                with self._path.open("a") as handle:
                    handle.write(json.dumps(entry) + "\n")

    def since(self, seq: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self._entries if e["seq"] > seq]
