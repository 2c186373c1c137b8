"""The sandbox's control API: quotas set at run time are what the emulated services enforce."""

from __future__ import annotations

import requests

from tests.conftest import Emulator


def test_raised_quotas_show_in_manilas_limits(emulator: Emulator) -> None:
    answer = requests.post(f"{emulator.url}/_sandbox/config",
                           json={"quotas": {"sharev2": {"shares": 600}}}, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["quotas"]["sharev2"]["shares"] == 600
    absolute = emulator.connect().shared_file_system.get("/limits").json()["limits"]["absolute"]
    assert absolute["maxTotalShares"] == 600


def test_malformed_config_is_refused(emulator: Emulator) -> None:
    for body in ({}, {"quotas": {"sharev2": {"shares": "many"}}}, {"time_scale": -1}):
        answer = requests.post(f"{emulator.url}/_sandbox/config", json=body, timeout=5)
        assert answer.status_code == 400, body
