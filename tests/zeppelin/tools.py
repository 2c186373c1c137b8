"""System tools the real-code tests need (java, javac, mvn): found, or the test skips, except
under CI (CI=true), where a missing tool is a failure: `make test` installs them
(Makefile system-deps)."""

from __future__ import annotations

import os
import shutil

import pytest


def need(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = (f"{tool} is not installed: {why} (Debian: apt-get install maven "
                   "default-jdk-headless; `make test` does it)")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
