"""A cloud that says "too many requests": the tool waits as told and pushes less hard."""

from __future__ import annotations

import time
from pathlib import Path

from gaia_platform.cloud import throttle
from gaia_platform.cloud.connection import connect
from gaia_platform.cloud.manila import Manila
from gaia_platform.profile import OpenStackAccess
from gaia_platform.sandbox.cloudsfile import CLOUD_NAME, write_clouds_yaml
from tests.conftest import Emulator


def _connect(emulator: Emulator, tmp_path: Path) -> object:
    clouds = write_clouds_yaml(emulator.config, tmp_path / "clouds.yaml")
    return connect(OpenStackAccess(cloud=CLOUD_NAME, clouds_yaml=str(clouds)))


def test_429_is_retried_after_retry_after_and_halves_the_limit(emulator: Emulator,
                                                               tmp_path: Path) -> None:
    conn = _connect(emulator, tmp_path)
    emulator.fault(method="GET", path="/shares/detail$", status=429, retry_after=1, times=2)
    mark = emulator.last_seq()
    started = time.monotonic()
    assert Manila(conn).find_share("nothing-by-this-name") is None
    waited = time.monotonic() - started
    lists = [c["status"] for c in emulator.requests(mark) if c["path"].endswith("/shares/detail")]
    assert lists == [429, 429, 200]
    assert waited >= 2.0  # the cloud's Retry-After, twice
    adapter = conn.session.session.get_adapter("http://")  # type: ignore[attr-defined]
    assert isinstance(adapter, throttle.ThrottledAdapter)
    assert adapter.adaptive.throttled == 2
    assert adapter.adaptive.limit == throttle.START // 4


def test_a_retry_after_fault_sends_the_header(emulator: Emulator) -> None:
    import requests

    emulator.fault(method="GET", path="/v2/shares$", status=429, retry_after=7)
    answer = requests.get(f"{emulator.url}/sharev2/v2/shares", timeout=5)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"


def test_the_limit_grows_back_after_successes() -> None:
    limit = throttle.AdaptiveLimit(start=4, lowest=1, highest=6)
    limit.acquire()
    limit.release(429)
    assert limit.limit == 2
    for _ in range(2 + 3 + 4 + 5 + 6 + 10):
        limit.acquire()
        limit.release(200)
    assert limit.limit == 6  # back up, and never past the highest
