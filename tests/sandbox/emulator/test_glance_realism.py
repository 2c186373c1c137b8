"""Glance's created_at/updated_at list filters (issue 8), through openstacksdk and raw HTTP."""

from __future__ import annotations

import time

import requests

from tests.conftest import Emulator


def test_created_at_filter_compares_times(emulator: Emulator) -> None:
    conn = emulator.connect()
    seeded = {i.name for i in conn.image.images()}
    time.sleep(1.1)  # Glance's timestamps have whole seconds: a new one, later than the seed
    made = conn.image.create_image(name="mine", disk_format="qcow2", container_format="bare")
    since = {i.name for i in conn.image.images(created_at=f"gte:{made.created_at}")}
    assert since == {"mine"}
    before = {i.name for i in conn.image.images(created_at=f"lt:{made.created_at}")}
    assert before == seeded
    assert [i.name for i in conn.image.images(created_at="gt:2999-01-01T00:00:00Z")] == []
    exact = {i.name for i in conn.image.images(created_at=made.created_at)}
    assert exact == {"mine"}
    assert {i.name for i in conn.image.images(updated_at=f"gte:{made.updated_at}")} == {"mine"}


def test_bad_time_filters_are_400(emulator: Emulator) -> None:
    conn = emulator.connect()
    headers = {"X-Auth-Token": conn.session.get_token()}
    url = f"{emulator.url}/image/v2/images"
    bad_time = requests.get(url, params={"created_at": "gte:yesterday"}, headers=headers,
                            timeout=5)
    assert bad_time.status_code == 400
    assert 'Bad "created_at" query filter format' in bad_time.json()["message"]
    bad_op = requests.get(url, params={"created_at": "around:2026-01-01T00:00:00Z"},
                          headers=headers, timeout=5)
    assert bad_op.status_code == 400
    assert bad_op.json()["code"] == "400 Bad Request"
    assert "Unable to filter on a unknown operator." in bad_op.json()["message"]


def test_images_are_sorted_as_asked(emulator: Emulator) -> None:
    # glance/api/v2/images.py _get_sorting_params: classic and new sort syntax.
    conn = emulator.connect()
    for name in ("bravo", "alpha", "charlie"):
        conn.image.create_image(name=name, disk_format="qcow2", container_format="bare")
    mine = ("alpha", "bravo", "charlie")
    classic = [i.name for i in conn.image.images(sort_key="name", sort_dir="asc")
               if i.name in mine]
    assert classic == ["alpha", "bravo", "charlie"]
    new = [i.name for i in conn.image.images(sort="name:desc") if i.name in mine]
    assert new == ["charlie", "bravo", "alpha"]
    headers = {"X-Auth-Token": conn.session.get_token()}
    url = f"{emulator.url}/image/v2/images"
    for params, message in (({"sort_key": "colour"}, "Invalid sort key: colour."),
                            ({"sort_key": "name", "sort_dir": "up"},
                             "Invalid sort direction: up"),
                            ({"sort": "name", "sort_key": "size"},
                             "Old and new sorting syntax cannot be combined")):
        answer = requests.get(url, params=params, headers=headers, timeout=5)
        assert answer.status_code == 400, params
        assert message in answer.json()["message"], params
