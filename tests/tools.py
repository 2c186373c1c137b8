"""System tools some tests run that no Python package carries.

Outside CI a missing tool skips the test with what to install. Under CI (CI=true, as .ci/run
runs) it fails: `make test` installs these tools, so a missing one means the install step is
broken, and a green run that skipped them would hide it."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str, install: str) -> None:
    """Skip (or fail in CI) because `what` is not available; `install` says how to get it."""
    message = f"{what} is not available here; install it with: {install}"
    if IN_CI:
        pytest.fail(f"{message}. CI must have it (make test's system-deps installs it).",
                    pytrace=False)
    pytest.skip(message)


def require(tool: str, install: str) -> str:
    """The path of a tool on PATH, or skip/fail as `missing` does."""
    path = shutil.which(tool)
    if path is None:
        missing(f"`{tool}`", install)
        raise AssertionError("unreachable")  # missing() always raises
    return path
