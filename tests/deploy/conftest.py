"""Running the ``platform`` command against the session's sandbox, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import RunningSandbox

REPO = Path(__file__).resolve().parents[2]
Platform = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def platform(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    state = tmp_path_factory.mktemp("deployments")
    env = {**os.environ, "GAIA_SANDBOX_DIR": str(sandbox.directory),
           "GAIA_STATE_DIR": str(state), "COLUMNS": "200"}

    def run(*args: str, check: bool = True, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "gaia_platform.cli", *args],
                                capture_output=True, text=True, cwd=REPO, env=env,
                                timeout=600, input=stdin)
        if check and result.returncode != 0:
            raise AssertionError(f"platform {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    return run


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


class Logs:
    """The emulator's request log and the apiserver's audit log, read from a mark on."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.url = sandbox.status["openstack"]["url"]
        self.audit = Path(sandbox.status["kubernetes"]["audit_log"])

    def mark(self) -> tuple[int, int]:
        entries = requests.get(f"{self.url}/_sandbox/requests", timeout=5).json()
        lines = len(self.audit.read_text().splitlines()) if self.audit.exists() else 0
        return (entries[-1]["seq"] if entries else 0), lines

    def openstack_since(self, mark: tuple[int, int]) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.url}/_sandbox/requests", params={"since": mark[0]},
                              timeout=5)
        result: list[dict[str, Any]] = answer.json()
        return result

    def kube_since(self, mark: tuple[int, int], user: str = "gaia-platform"
                   ) -> list[dict[str, Any]]:
        lines = self.audit.read_text().splitlines()[mark[1]:]
        events = [json.loads(line) for line in lines]
        return [e for e in events if e["user"]["username"] == user]


@pytest.fixture(scope="session")
def logs(sandbox: RunningSandbox) -> Logs:
    return Logs(sandbox)
