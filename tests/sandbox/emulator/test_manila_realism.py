"""Manila as a cloud without share snapshots answers (issue 8): the share type says so and the
snapshot API agrees, through openstacksdk and raw HTTP."""

from __future__ import annotations

from typing import Any

import openstack
import pytest
import requests

from tests.conftest import Emulator

SDK_VERSION = "2.82"


def _sdk(emulator: Emulator) -> Any:
    return emulator.connect(shared_file_system_api_version=SDK_VERSION).shared_file_system


def test_share_type_and_shares_say_no_snapshots(emulator: Emulator) -> None:
    manila = _sdk(emulator)
    types = list(manila.share_types())
    assert {t.name for t in types} == {"cephfsnativetype", "ceph01_cephfs"}
    assert {t.extra_specs["snapshot_support"] for t in types} == {"False"}
    share = manila.create_share(name="data", size=1, share_proto="CEPHFS")
    assert manila.get_share(share.id).is_snapshot_supported is False


def test_snapshot_api_answers_as_manila_does_for_such_a_type(emulator: Emulator) -> None:
    manila = _sdk(emulator)
    share = manila.create_share(name="data", size=1, share_proto="CEPHFS")
    assert list(manila.share_snapshots()) == []
    with pytest.raises(openstack.exceptions.NotFoundException):
        manila.get_share_snapshot("f0000000-0000-4000-8000-000000000000")
    conn = emulator.connect()
    headers = {"X-Auth-Token": conn.session.get_token(),
               "X-OpenStack-Manila-API-Version": SDK_VERSION}
    url = f"{emulator.url}/sharev2/v2/snapshots"
    refused = requests.post(url, json={"snapshot": {"share_id": share.id}}, headers=headers,
                            timeout=5)
    # manila/api/v2/share_snapshots.py create: HTTPUnprocessableEntity; 422 has no fault name
    # of its own in manila/api/openstack/wsgi.py, so it is "computeFault".
    assert refused.status_code == 422
    assert refused.json()["computeFault"]["message"] == (
        f"Snapshots cannot be created for share '{share.id}' since it does not have that "
        "capability.")
    missing_share = requests.post(url, json={"snapshot": {"share_id": "nope"}},
                                  headers=headers, timeout=5)
    assert missing_share.status_code == 404
    from_snapshot = requests.post(f"{emulator.url}/sharev2/v2/shares", headers=headers,
                                  json={"share": {"size": 1, "share_proto": "CEPHFS",
                                                  "snapshot_id": "snap-1"}}, timeout=5)
    assert from_snapshot.status_code == 404
    assert from_snapshot.json()["itemNotFound"]["message"] == (
        "Snapshot snap-1 could not be found.")


def test_replica_api_answers_as_manila_does_without_replication(emulator: Emulator) -> None:
    # manila/api/v2/share_replicas.py (manila d288778): experimental from 2.11 to 2.55, so 404
    # without the experimental header there; from 2.56 empty lists, no replica found, and a
    # replica of a share without replication_type refused by share/api.py
    # create_share_replica (InvalidShare, 400).
    manila = _sdk(emulator)
    share = manila.create_share(name="data", size=1, share_proto="CEPHFS")
    token = {"X-Auth-Token": emulator.connect().session.get_token()}
    url = f"{emulator.url}/sharev2/v2/share-replicas"

    def at(microversion: str, **extra: str) -> dict[str, str]:
        return {**token, "X-OpenStack-Manila-API-Version": microversion, **extra}

    shown = requests.get(f"{emulator.url}/sharev2/v2/shares/{share.id}", headers=at("2.56"),
                         timeout=5).json()["share"]
    assert (shown["replication_type"], shown["has_replicas"]) == (None, False)

    hidden = requests.get(url, headers=at("2.51"), timeout=5)
    assert hidden.status_code == 404
    assert hidden.json() == {"itemNotFound": {"code": 404,
                                              "message": "The resource could not be found."}}
    experimental = requests.get(url, timeout=5, headers=at(
        "2.51", **{"X-OpenStack-Manila-API-Experimental": "True"}))
    assert (experimental.status_code, experimental.json()) == (200, {"share_replicas": []})
    assert experimental.headers["X-OpenStack-Manila-API-Experimental"] == "True"
    for path in ("", "/detail", f"?share_id={share.id}"):
        listed = requests.get(url + path, headers=at("2.56"), timeout=5)
        assert (listed.status_code, listed.json()) == (200, {"share_replicas": []}), path
    missing = requests.get(f"{url}/f0000000-0000-4000-8000-000000000000", headers=at("2.56"),
                           timeout=5)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        "Replica f0000000-0000-4000-8000-000000000000 not found.")
    refused = requests.post(url, json={"share_replica": {"share_id": share.id}},
                            headers=at("2.56"), timeout=5)
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"] == (
        f"Replication not supported for share {share.id}.")
    no_share = requests.post(url, json={"share_replica": {"share_id": "nope"}},
                             headers=at("2.56"), timeout=5)
    assert (no_share.status_code, no_share.json()["itemNotFound"]["message"]) == (
        404, "No share exists with ID nope.")
    no_body = requests.post(url, json={"replica": {}}, headers=at("2.56"), timeout=5)
    assert no_body.status_code == 422


def test_access_level_and_share_type_are_checked(emulator: Emulator) -> None:
    manila = _sdk(emulator)
    share = manila.create_share(name="data", size=1, share_proto="CEPHFS")
    conn = emulator.connect()
    headers = {"X-Auth-Token": conn.session.get_token(),
               "X-OpenStack-Manila-API-Version": SDK_VERSION}
    base = f"{emulator.url}/sharev2/v2"
    # manila/share/api.py allow_access: InvalidShareAccess ("Invalid access rule: %(reason)s")
    # with the reason "Invalid share access level: %s.", answered 400 by shares.py.
    level = requests.post(f"{base}/shares/{share.id}/action", headers=headers, timeout=5,
                          json={"allow_access": {"access_type": "cephx", "access_to": "alice",
                                                 "access_level": "admin"}})
    assert level.status_code == 400
    assert level.json()["badRequest"]["message"] == (
        "Invalid access rule: Invalid share access level: admin..")
    # manila/api/v2/shares.py _create: an unknown share type is 404 "Share type not found."
    unknown = requests.post(f"{base}/shares", headers=headers, timeout=5,
                            json={"share": {"size": 1, "share_proto": "CEPHFS",
                                            "share_type": "ceph02_cephfs"}})
    assert unknown.status_code == 404
    assert unknown.json()["itemNotFound"]["message"] == "Share type not found."


def test_share_lists_sort_by_model_columns_only(emulator: Emulator) -> None:
    manila = _sdk(emulator)
    for name, size in (("b", 3), ("a", 1), ("c", 2)):
        manila.create_share(name=name, size=size, share_proto="CEPHFS")
    by_size = [s.name for s in manila.shares(sort_key="size", sort_dir="asc")]
    assert by_size == ["a", "c", "b"]
    by_name = [s.name for s in manila.shares(sort_key="name", sort_dir="desc")]
    assert by_name == ["c", "b", "a"]
    conn = emulator.connect()
    headers = {"X-Auth-Token": conn.session.get_token(),
               "X-OpenStack-Manila-API-Version": SDK_VERSION}
    url = f"{emulator.url}/sharev2/v2/shares"
    wrong_key = requests.get(url, params={"sort_key": "colour"}, headers=headers, timeout=5)
    assert wrong_key.status_code == 400
    assert wrong_key.json()["badRequest"]["message"] == (
        "Invalid input received: Wrong sorting key provided - 'colour'..")
    wrong_dir = requests.get(url, params={"sort_key": "size", "sort_dir": "up"},
                             headers=headers, timeout=5)
    assert wrong_dir.status_code == 400
