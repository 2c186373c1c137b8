"""How many calls the tool has in flight to one cloud: bounded, and adaptive.

Many steps run at once (most of them waiting), so the calls they make are limited here, on the
HTTP connection pool every openstacksdk call goes through. The limit grows by one after a run of
successful answers and halves when the cloud answers 429 Too Many Requests (additive increase,
multiplicative decrease, as TCP does with congestion). The 429 itself is retried by keystoneauth
after the cloud's Retry-After (connection.py sets ``status_code_retries``), so this only decides
how hard the tool pushes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
START = 8
LOWEST = 1
HIGHEST = 32


class AdaptiveLimit:
    def __init__(self, start: int = START, lowest: int = LOWEST, highest: int = HIGHEST) -> None:
        self.limit = start
        self.lowest, self.highest = lowest, highest
        self.in_flight = 0
        self._successes = 0
        self._cond = threading.Condition()
        self.throttled = 0

    def acquire(self) -> None:
        with self._cond:
            while self.in_flight >= self.limit:
                self._cond.wait()
            self.in_flight += 1

    def release(self, status: int | None) -> None:
        with self._cond:
            self.in_flight -= 1
            if status == 429:
                self.throttled += 1
                self.limit = max(self.lowest, self.limit // 2)
                self._successes = 0
            elif status is not None and status < 500:
                self._successes += 1
                if self._successes >= self.limit and self.limit < self.highest:
                    self.limit += 1
                    self._successes = 0
            self._cond.notify_all()


class ThrottledAdapter(HTTPAdapter):
    """requests' adapter with the calls in flight bounded by an :class:`AdaptiveLimit`; its
    connection pool is as large as the highest limit, so no connection is thrown away."""

    def __init__(self, limit: AdaptiveLimit) -> None:
        super().__init__(pool_connections=4, pool_maxsize=limit.highest)
        self.adaptive = limit
        #: Told (method, url) after every answer to a call that may change something, so
        #: cached observations of that kind are asked again (cloud/neutron.py).
        self.listeners: list[Callable[[str, str], None]] = []

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.adaptive.acquire()
        status = None
        try:
            response = super().send(request, *args, **kwargs)
            status = response.status_code
        finally:
            self.adaptive.release(status)
            # Also when the call failed without an answer (a timeout, a dropped connection):
            # the cloud may have done it all the same, and a retry that trusted the old
            # listing would make a second one (tests/deploy/test_fault_matrix.py, timeouts).
            if request.method in MUTATING:
                for listener in list(self.listeners):
                    listener(request.method, request.url)
        return response


def listen(connection: Any, listener: Callable[[str, str], None]) -> bool:
    """Call ``listener(method, url)`` after each mutating call on this connection; False when
    the connection was not opened by connection.connect (nothing to listen on)."""
    adapters = [connection.session.session.get_adapter(s) for s in ("https://", "http://")]
    if not all(isinstance(a, ThrottledAdapter) for a in adapters):
        return False
    for adapter in {id(a): a for a in adapters}.values():
        adapter.listeners.append(listener)
    return True


def install(connection: Any) -> AdaptiveLimit:
    """Route an openstacksdk connection's calls through one adaptive limit."""
    limit = AdaptiveLimit()
    adapter = ThrottledAdapter(limit)
    # keystoneauth's Session keeps the requests.Session it sends with as ``.session``.
    requests_session = connection.session.session
    requests_session.mount("https://", adapter)
    requests_session.mount("http://", adapter)
    return limit
