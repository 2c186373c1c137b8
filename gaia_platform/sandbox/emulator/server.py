"""Runs the emulator: in the foreground (``python -m gaia_platform.sandbox.emulator DIR``) for the
sandbox's background process, or in a thread for tests."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

from .app import EmulatorApp
from .config import EmulatorConfig
from .state import EmulatorState

TICK_SECONDS = 0.2

# Every request is in the emulator's own request log; werkzeug's access lines add nothing.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


class EmulatorServer:
    """The emulator's HTTP server plus the ticker that moves resources along on their own."""

    def __init__(self, config: EmulatorConfig, directory: Path | None = None) -> None:
        self.state = EmulatorState(config, directory)
        self.app = EmulatorApp(self.state)
        self._http: BaseWSGIServer = make_server(
            "127.0.0.1", config.port, self.app, threaded=True
        )
        if config.port == 0:
            config.port = self._http.server_port
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return self.state.config.base_url

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.state.advance()

    def start(self) -> EmulatorServer:
        # A short poll interval: tests start and stop an emulator per test.
        serve = lambda: self._http.serve_forever(poll_interval=0.05)  # noqa: E731
        for target in (serve, self._tick):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        ticker = threading.Thread(target=self._tick, daemon=True)
        ticker.start()
        self._http.serve_forever()

    def stop(self) -> None:
        self._stop.set()
        self._http.shutdown()
        self._http.server_close()
