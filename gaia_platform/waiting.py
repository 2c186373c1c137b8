"""Waiting for a cloud resource with exponential backoff, reporting progress as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .errors import WaitTimeout

T = TypeVar("T")

FIRST_DELAY = 0.5
MAX_DELAY = 20.0
FACTOR = 1.6


def wait_until(
    probe: Callable[[], tuple[bool, T, str]],
    *,
    what: str,
    timeout: float,
    report: Callable[[str], None] = lambda _message: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``probe`` until it says done. ``probe`` returns (done, value, status text) and may
    raise to stop the wait (e.g. on a FAILED state). The status text is reported whenever it
    changes, so a long wait shows its progress without repeating itself."""
    started = time.monotonic()
    delay = FIRST_DELAY
    last_status = None
    while True:
        done, value, status = probe()
        if done:
            return value
        elapsed = time.monotonic() - started
        if status != last_status:
            report(f"{what}: {status} ({elapsed:.0f}s)")
            last_status = status
        if elapsed + delay > timeout:
            raise WaitTimeout(f"Gave up waiting for {what} after {elapsed:.0f} s; last status: "
                              f"{status}. Re-run the same command to resume waiting.")
        sleep(delay)
        delay = min(delay * FACTOR, MAX_DELAY)
