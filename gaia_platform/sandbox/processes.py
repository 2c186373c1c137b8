"""Background processes that outlive the CLI call that started them, tracked by pid files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


class ProcessTable:
    """Starts, finds and stops the sandbox's processes; pid files live in ``run/``,
    output goes to ``logs/<name>.log``."""

    def __init__(self, directory: Path) -> None:
        self.run_dir = directory / "run"
        self.log_dir = directory / "logs"

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def _pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def pid(self, name: str) -> int | None:
        """The pid if the process is alive and is still the program we started."""
        try:
            pid_text, program = self._pid_file(name).read_text().split("\n", 1)
            pid = int(pid_text)
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        # A recycled pid would run some other program. (cmdline reads empty for a moment
        # while a process is exec-ing.)
        if cmdline[0] and cmdline[0].decode(errors="replace") != program.strip():
            return None
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return None
        return pid

    def start(self, spec: ProcessSpec) -> int:
        existing = self.pid(spec.name)
        if existing is not None:
            return existing
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log(spec.name).open("ab") as log:
            log.write(f"\n--- started {time.strftime('%Y-%m-%dT%H:%M:%S')}\n".encode())
            log.flush()
            process = subprocess.Popen(
                spec.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **spec.env},
                start_new_session=True,  # not killed with the CLI's terminal
            )
        self._pid_file(spec.name).write_text(f"{process.pid}\n{spec.argv[0]}")
        return process.pid

    def stop(self, name: str, timeout: float = 15.0) -> bool:
        """Stop the process (TERM, then KILL after ``timeout``). True if one was running."""
        pid = self.pid(name)
        self._pid_file(name).unlink(missing_ok=True)
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        return True

    def rss_bytes(self, name: str) -> int:
        pid = self.pid(name)
        if pid is None:
            return 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
