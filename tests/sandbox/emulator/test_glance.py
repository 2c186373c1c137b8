"""Glance v2 as openstacksdk (and raw HTTP) sees it."""

from __future__ import annotations

import openstack
import pytest
import requests

from tests.conftest import Emulator


def _headers(emulator: Emulator) -> dict[str, str]:
    return {"X-Auth-Token": emulator.connect().session.get_token()}


def test_version_documents_are_public(emulator: Emulator) -> None:
    root = requests.get(f"{emulator.url}/image/", timeout=5)
    assert root.status_code == 300
    listed = requests.get(f"{emulator.url}/image/versions", timeout=5)
    assert listed.status_code == 200
    current = [v for v in listed.json()["versions"] if v["status"] == "CURRENT"]
    assert current[0]["id"] == "v2.17"
    assert current[0]["links"][0]["href"] == f"{emulator.url}/image/v2/"
    assert requests.get(f"{emulator.url}/image/v2/images", timeout=5).status_code == 401


def test_kube_image_carries_its_properties(emulator: Emulator) -> None:
    conn = emulator.connect()
    image = conn.image.find_image("ubuntu-jammy-kube-v1.34.4")
    assert image.status == "active" and image.visibility == "public"
    assert image.disk_format == "qcow2" and image.container_format == "bare"
    assert image.os_distro == "ubuntu"
    assert image.properties["kube_version"] == "v1.34.4"
    assert image.owner != conn.current_project_id
    assert conn.image.get_image(image.id).name == image.name


def test_list_filters_by_name_distro_and_visibility(emulator: Emulator) -> None:
    conn = emulator.connect()
    ubuntu = {i.name for i in conn.image.images(os_distro="ubuntu")}
    assert ubuntu == {"ubuntu-jammy-kube-v1.34.4", "ubuntu-jammy"}
    assert [i.name for i in conn.image.images(name="Fedora-30-1.2")] == ["Fedora-30-1.2"]
    assert len(list(conn.image.images(visibility="public"))) == 3
    assert list(conn.image.images(visibility="private")) == []
    # openstacksdk passes only the filters it knows; any property works over HTTP
    url, headers = f"{emulator.url}/image/v2/images", _headers(emulator)
    for version, expected in (("v1.34.4", ["ubuntu-jammy-kube-v1.34.4"]), ("v1.30.0", [])):
        answer = requests.get(url, params={"kube_version": version}, headers=headers, timeout=5)
        assert [i["name"] for i in answer.json()["images"]] == expected


def test_pagination_gives_next_links_the_sdk_follows(emulator: Emulator) -> None:
    page = requests.get(f"{emulator.url}/image/v2/images", params={"limit": 2},
                        headers=_headers(emulator), timeout=5).json()
    assert len(page["images"]) == 2
    assert page["next"].startswith("/v2/images?") and "marker=" in page["next"]
    assert page["schema"] == "/v2/schemas/images"
    conn = emulator.connect()
    assert len({i.id for i in conn.image.images(limit=1)}) == 3


def test_missing_image_is_404_in_webob_format(emulator: Emulator) -> None:
    answer = requests.get(f"{emulator.url}/image/v2/images/nope", headers=_headers(emulator),
                          timeout=5)
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "404 Not Found" and body["title"] == "Not Found"
    assert "No image found with ID nope" in body["message"]
    conn = emulator.connect()
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.image.get_image("nope")


def test_create_and_delete_own_image(emulator: Emulator) -> None:
    conn = emulator.connect()
    created = requests.post(f"{emulator.url}/image/v2/images", headers=_headers(emulator),
                            json={"name": "scratch", "disk_format": "raw",
                                  "container_format": "bare", "os_distro": "debian"},
                            timeout=5)
    assert created.status_code == 201
    image = created.json()
    assert image["status"] == "queued" and image["os_distro"] == "debian"
    assert image["owner"] == conn.current_project_id
    names = {i.name for i in conn.image.images()}
    assert "scratch" in names
    conn.image.delete_image(image["id"])
    assert conn.image.find_image("scratch") is None
    public = conn.image.find_image("ubuntu-jammy")
    with pytest.raises(openstack.exceptions.ForbiddenException):
        conn.image.delete_image(public.id)
