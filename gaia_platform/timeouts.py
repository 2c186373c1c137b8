"""How long any single request to a cloud or cluster API may take before it counts as failed
(and is retried like a 5xx, see cloud.errors.transient): without a limit, a service that
accepts a connection and never answers hangs the tool for ever.

GAIA_REQUEST_TIMEOUT (seconds) overrides it, for very slow clouds or for tests that hold a
request in the emulator.
"""

from __future__ import annotations

import os

DEFAULT_SECONDS = 60.0


def request_timeout() -> float:
    raw = os.environ.get("GAIA_REQUEST_TIMEOUT", "")
    try:
        value = float(raw) if raw else DEFAULT_SECONDS
    except ValueError:
        value = DEFAULT_SECONDS
    return value if 0 < value < 3600 else DEFAULT_SECONDS
