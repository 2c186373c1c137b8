"""Waiting for a cloud resource with exponential backoff, reporting progress as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .errors import WaitTimeout

T = TypeVar("T")

FIRST_DELAY = 0.25
MAX_DELAY = 15.0
#: Each pause is at most this fraction of the time waited so far, so what finishes is seen at
#: most ~3 % late (1.8 s of a 60 s build, 15 s of a 10-minute one) while a long wait still
#: asks rarely. Most waits ask about many resources in one call (cloud/listing.py).
SLACK = 0.03


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
        delay = min(max(FIRST_DELAY, SLACK * (time.monotonic() - started)), MAX_DELAY)
