"""Manila v2 as openstacksdk, python-manilaclient and raw HTTP see it."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import openstack
import pytest
import requests
from manilaclient import client as manila_client
from manilaclient import exceptions as manila_exc

from tests.conftest import Emulator

HEADER = "X-OpenStack-Manila-API-Version"
SDK_VERSION = "2.82"  # what openstacksdk's own functional tests pin for Manila


def _sdk(emulator: Emulator) -> Any:
    return emulator.connect(shared_file_system_api_version=SDK_VERSION).shared_file_system


def _manila(emulator: Emulator, version: str) -> Any:
    conn = emulator.connect()
    return manila_client.Client(version, session=conn.session, service_type="sharev2")


def _wait(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def _available_share(sfs: Any, **attrs: Any) -> Any:
    share = sfs.create_share(**{"size": 1, "share_protocol": "CEPHFS", **attrs})
    return sfs.wait_for_status(share, status="available", failures=["error"], interval=0.01,
                               wait=5)


def _raw(emulator: Emulator, method: str, path: str, version: str | None = None,
         **kwargs: Any) -> requests.Response:
    token = emulator.connect().auth_token
    headers = {"X-Auth-Token": token, **kwargs.pop("headers", {})}
    if version:
        headers[HEADER] = version
    return requests.request(method, f"{emulator.url}/sharev2/v2{path}", headers=headers,
                            timeout=5, **kwargs)


# -- version discovery and microversion negotiation ----------------------------------------
def test_version_documents_are_public_and_name_the_range(emulator: Emulator) -> None:
    root = requests.get(f"{emulator.url}/sharev2/", timeout=5)
    assert root.status_code == 300
    assert HEADER not in root.headers  # the unversioned root is not microversioned
    v2 = requests.get(f"{emulator.url}/sharev2/v2", timeout=5)
    assert v2.status_code == 200
    (version,) = v2.json()["versions"]
    assert (version["id"], version["status"], version["min_version"]) == ("v2.0", "CURRENT",
                                                                          "2.0")
    assert version["version"] == "2.87"
    assert v2.headers[HEADER] == "2.0"


def test_microversion_header_is_echoed_with_vary_and_defaults_to_2_0(
    emulator: Emulator,
) -> None:
    plain = _raw(emulator, "GET", "/shares")
    assert (plain.status_code, plain.headers[HEADER]) == (200, "2.0")
    assert plain.headers["Vary"] == HEADER
    assert _raw(emulator, "GET", "/shares", "2.21").headers[HEADER] == "2.21"
    # Manila reads only its own header; the standard one alone leaves the request at 2.0.
    standard = _raw(emulator, "GET", "/shares",
                    headers={"OpenStack-API-Version": "shared-file-system 2.21"})
    assert standard.headers[HEADER] == "2.0"


def test_unsupported_microversion_is_406_and_echoes_the_request(emulator: Emulator) -> None:
    for version in ("2.88", "2.100", "1.0", "3.0"):
        answer = _raw(emulator, "GET", "/shares", version)
        assert answer.status_code == 406
        assert answer.headers[HEADER] == version
        fault = answer.json()["computeFault"]
        assert fault["code"] == 406
        assert "Minimum is 2.0 and maximum is 2.87" in fault["message"]


def test_malformed_microversion_is_400(emulator: Emulator) -> None:
    for version in ("2", "2.01", "latest", "v2.1"):
        answer = _raw(emulator, "GET", "/shares", version)
        assert answer.status_code == 400
        assert "is of invalid format" in answer.json()["badRequest"]["message"]
        assert HEADER not in answer.headers


def test_manilaclient_discovery_settles_on_the_server_maximum(emulator: Emulator) -> None:
    from manilaclient import api_versions

    client = _manila(emulator, "2.98")
    found = api_versions.discover_version(client, api_versions.APIVersion("2.98"))
    assert found.get_string() == "2.87"
    assert _manila(emulator, found.get_string()).shares.list() == []


def test_urls_with_and_without_project_id_and_foreign_project(emulator: Emulator) -> None:
    project = emulator.config.credentials.project_id
    assert _raw(emulator, "GET", f"/{project}/shares/detail", "2.51").status_code == 200
    other = _raw(emulator, "GET", "/0123456789abcdef/shares", "2.51")
    assert other.status_code == 400
    assert other.json()["badRequest"]["message"] == "Malformed request url"
    assert requests.get(f"{emulator.url}/sharev2/v2/shares", timeout=5).status_code == 401


def test_unknown_share_is_item_not_found_with_version_headers(emulator: Emulator) -> None:
    answer = _raw(emulator, "GET", "/shares/0b0b0b0b-0000-4000-8000-000000000000", "2.51")
    assert answer.status_code == 404
    assert answer.json()["itemNotFound"]["code"] == 404
    assert answer.headers[HEADER] == "2.51"


# -- share types ------------------------------------------------------------------------------
def test_share_types_offer_the_default_cephfs_type(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    stype = {t.name: t for t in sfs.share_types()}["cephfsnativetype"]
    assert stype.extra_specs["driver_handles_share_servers"] == "False"
    assert stype.extra_specs["snapshot_support"] == "False"  # no snapshots: realism tests
    manila = _manila(emulator, "2.51")
    default = manila.share_types.get()  # GET /types/default
    assert (default.id, default.is_default) == (stype.id, True)
    assert manila.share_types.get(stype.id).name == "cephfsnativetype"
    with pytest.raises(manila_exc.NotFound):
        manila.share_types.get("cephfsnativetype")  # show looks types up by id only


def test_arcus_private_cephfs_type_is_offered_to_the_project(emulator: Emulator) -> None:
    # ceph01_cephfs as gaia-dmp's `openstack share type list` showed it on Arcus (private,
    # not the default, no snapshots); the cambridge profile creates its shares with it.
    manila = _manila(emulator, "2.51")
    arcus = {t.name: t for t in manila.share_types.list()}["ceph01_cephfs"]
    assert (arcus.is_public, arcus.is_default, arcus.description) == (
        False, False, "CephFS-Ceph01")
    assert arcus.extra_specs["snapshot_support"] == "False"
    share = _sdk(emulator).create_share(name="arcus", size=1, share_proto="CEPHFS",
                                        share_type="ceph01_cephfs")
    assert share.share_type_name == "ceph01_cephfs"


# -- shares -------------------------------------------------------------------------------------
def test_share_is_created_then_available_with_a_cephfs_export_location(
    emulator: Emulator,
) -> None:
    emulator.set_time_scale(0.02)  # 10 s create -> 0.2 s, long enough to look at "creating"
    sfs = _sdk(emulator)
    share = sfs.create_share(name="gaia-dr3", size=10, share_protocol="CEPHFS",
                             metadata={"gaia": "dr3"})
    assert share.status == "creating"
    assert list(sfs.export_locations(share.id)) == []  # none until the share is available
    share = sfs.wait_for_status(share, status="available", failures=["error"], interval=0.02,
                                wait=5)
    assert (share.size, share.share_type_name, share.metadata) == (10, "cephfsnativetype",
                                                                   {"gaia": "dr3"})
    assert share.access_rules_status == "active"
    assert share.availability_zone == "nova"
    (location,) = list(sfs.export_locations(share.id))
    monitors = ",".join(emulator.config.ceph_monitors)
    assert location.path.startswith(f"{monitors}:/volumes/_nogroup/{share.id}/")
    assert location.is_preferred is False
    same = sfs.get_export_location(location.id, share.id)
    assert same.path == location.path and same.created_at


def test_share_create_validation(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    with pytest.raises(openstack.exceptions.BadRequestException, match="greater than 0"):
        sfs.create_share(size=0, share_protocol="CEPHFS")
    with pytest.raises(openstack.exceptions.BadRequestException, match="Invalid share protocol"):
        sfs.create_share(size=1, share_protocol="XFS")
    with pytest.raises(openstack.exceptions.NotFoundException, match="Share type not found"):
        sfs.create_share(size=1, share_protocol="CEPHFS", share_type="no-such-type")
    with pytest.raises(openstack.exceptions.ForbiddenException, match="is_public"):
        sfs.create_share(size=1, share_protocol="CEPHFS", is_public=True)
    assert list(sfs.shares()) == []


def test_nfs_share_fails_scheduling_on_a_cephfs_only_cloud(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = sfs.create_share(size=1, share_protocol="NFS")
    with pytest.raises(openstack.exceptions.ResourceFailure):
        sfs.wait_for_status(share, status="available", failures=["error"], interval=0.01,
                            wait=5)


def test_update_list_filter_and_metadata(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = _available_share(sfs, name="users", metadata={"role": "home"})
    _available_share(sfs, name="data", metadata={"role": "data"})
    sfs.update_share(share.id, display_name="user-homes", display_description="homes")
    assert sfs.get_share(share.id).name == "user-homes"
    assert [s.name for s in sfs.shares(name="user-homes")] == ["user-homes"]
    # Manila parses the filter with ast.literal_eval, so it travels as a dict's repr.
    assert [s.name for s in sfs.shares(metadata=str({"role": "data"}))] == ["data"]
    sfs.create_share_metadata(share.id, owner="gaia")
    assert sfs.get_share_metadata(share.id).metadata == {"role": "home", "owner": "gaia"}
    sfs.update_share_metadata(share.id, {"owner": "wfau"}, replace=True)
    assert sfs.get_share_metadata(share.id).metadata == {"owner": "wfau"}
    assert sfs.get_share_metadata_item(share.id, "owner").metadata == {"owner": "wfau"}
    sfs.delete_share_metadata(share.id, ["owner"])
    assert sfs.get_share_metadata(share.id).metadata == {}
    manila = _manila(emulator, "2.51")
    manila.shares.set_metadata(share.id, {"tier": "gold"})
    assert manila.shares.get_metadata(share.id)._info == {"tier": "gold"}


def test_resize_extends_and_shrinks_through_intermediate_states(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = _available_share(sfs, size=5)
    emulator.set_time_scale(0.02)  # 10 s extend -> 0.2 s, long enough to see "extending"
    sfs.resize_share(share.id, 8)
    share = sfs.get_share(share.id)
    assert (share.status, share.size) == ("extending", 5)
    share = sfs.wait_for_status(share, status="available", interval=0.02, wait=5)
    assert share.size == 8
    sfs.resize_share(share.id, 3)
    share = sfs.get_share(share.id)
    assert share.status == "shrinking"
    assert sfs.wait_for_status(share, status="available", interval=0.02, wait=5).size == 3
    manila = _manila(emulator, "2.51")
    with pytest.raises(manila_exc.BadRequest, match="must be greater than current size"):
        manila.shares.extend(share.id, 3)


def test_share_actions_dispatch_by_name_and_microversion(emulator: Emulator) -> None:
    share = _available_share(_sdk(emulator))
    path = f"/shares/{share.id}/action"
    unknown = _raw(emulator, "POST", path, "2.51", json={"frobnicate": {}})
    assert (unknown.status_code, unknown.json()["badRequest"]["message"]) == (
        400, "There is no such action: frobnicate")
    two_keys = {"extend": {"new_size": 2}, "shrink": {"new_size": 1}}
    assert _raw(emulator, "POST", path, "2.51", json=two_keys).status_code == 400
    legacy = {"os-extend": {"new_size": 2}}
    assert _raw(emulator, "POST", path, "2.51", json=legacy).status_code == 404
    assert _raw(emulator, "POST", path, "2.6", json=legacy).status_code == 202
    reset = _raw(emulator, "POST", path, "2.51", json={"reset_status": {"status": "error"}})
    assert reset.status_code == 403  # admin-only; the sandbox user is a member
    missing = _raw(emulator, "POST", "/shares", "2.51", json={"size": 1})
    assert missing.status_code == 422


def test_sdk_without_a_microversion_cannot_extend(emulator: Emulator) -> None:
    # At the default 2.0 only "os-extend" exists: real Manila answers "extend" with 404 too,
    # which is why the product must pin shared_file_system_api_version.
    sfs = emulator.connect().shared_file_system
    share = _available_share(sfs)
    with pytest.raises(openstack.exceptions.NotFoundException):
        sfs.resize_share(share.id, 2)


def test_delete_share_with_access_rules(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = _available_share(sfs)
    sfs.create_access_rule(share.id, access_type="cephx", access_to="alice",
                           access_level="rw")
    emulator.set_time_scale(0.02)
    sfs.delete_share(share.id)
    assert sfs.get_share(share.id).status == "deleting"
    sfs.wait_for_delete(share, interval=0.02, wait=5)
    assert list(sfs.shares()) == []
    assert _raw(emulator, "GET", f"/share-access-rules?share_id={share.id}",
                "2.51").status_code == 400


def test_deleting_a_share_still_creating_is_refused(emulator: Emulator) -> None:
    emulator.set_time_scale(1.0)
    sfs = _sdk(emulator)
    share = sfs.create_share(size=1, share_protocol="CEPHFS")
    with pytest.raises(openstack.exceptions.ForbiddenException, match="status must be one of"):
        sfs.delete_share(share.id, ignore_missing=False)
    with pytest.raises(openstack.exceptions.BadRequestException, match="lacks a valid host"):
        sfs.create_access_rule(share.id, access_type="cephx", access_to="alice")


# -- access rules ---------------------------------------------------------------------------
def test_cephx_rule_goes_active_with_a_key_and_can_be_denied(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = _available_share(sfs)
    emulator.set_time_scale(0.05)  # 4 s apply -> 0.2 s
    rule = sfs.create_access_rule(share.id, access_type="cephx", access_to="gaia-user",
                                  access_level="ro")
    assert (rule.state, rule.access_key) == ("queued_to_apply", None)
    assert sfs.get_share(share.id).access_rules_status == "syncing"
    active = _wait(lambda: [r for r in sfs.access_rules(share.id) if r.state == "active"])
    key = base64.b64decode(active[0].access_key)
    assert len(key) == 28 and key[:2] == b"\x01\x00"  # Ceph's secret encoding
    assert sfs.get_access_rule(rule.id).access_key == active[0].access_key
    assert sfs.get_share(share.id).access_rules_status == "active"
    with pytest.raises(openstack.exceptions.BadRequestException, match="exists"):
        sfs.create_access_rule(share.id, access_type="cephx", access_to="gaia-user")
    sfs.delete_access_rule(rule.id, share.id)
    assert sfs.get_access_rule(rule.id).state in ("queued_to_deny", "denying")
    _wait(lambda: list(sfs.access_rules(share.id)) == [])


def test_rules_the_cephfs_driver_refuses_end_in_error(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = _available_share(sfs)
    rules = [sfs.create_access_rule(share.id, access_type=kind, access_to=to)
             for kind, to in (("cephx", "manila"), ("cephx", "admin"), ("ip", "10.0.0.0/24"))]
    _wait(lambda: all(sfs.get_access_rule(r.id).state == "error" for r in rules))
    assert sfs.get_share(share.id).access_rules_status == "error"


def test_invalid_cephx_ids_are_refused(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    share = _available_share(sfs)
    for access_to, message in (("client.alice", "may not contain periods"),
                               ("", "may not be empty")):
        with pytest.raises(openstack.exceptions.BadRequestException, match=message):
            sfs.create_access_rule(share.id, access_type="cephx", access_to=access_to)


def test_cephx_is_refused_below_2_13(emulator: Emulator) -> None:
    share = _available_share(_sdk(emulator))
    body = {"allow_access": {"access_type": "cephx", "access_to": "alice"}}
    old = _raw(emulator, "POST", f"/shares/{share.id}/action", "2.12", json=body)
    assert old.status_code == 400
    assert old.json()["badRequest"]["message"] == (
        "Only 'ip', 'user' or 'cert' access types are supported.")
    new = _raw(emulator, "POST", f"/shares/{share.id}/action", "2.13", json=body)
    assert new.status_code == 200
    assert "access_key" not in new.json()["access"]  # access_key arrives in 2.21


def test_access_key_shows_from_2_21_and_only_once_active(emulator: Emulator) -> None:
    share = _available_share(_sdk(emulator))
    emulator.set_time_scale(0.05)
    manila = _manila(emulator, "2.21")
    created = manila.shares.allow(share.id, "cephx", "alice", "rw")
    assert created["access_key"] is None
    rules = _wait(lambda: [r for r in manila.shares.access_list(share.id)  # access_list action
                           if r.state == "active"])
    assert rules[0].access_key
    older = _manila(emulator, "2.20").shares.access_list(share.id)
    assert not hasattr(older[0], "access_key")


def test_rule_states_before_2_28_follow_the_share(emulator: Emulator) -> None:
    share = _available_share(_sdk(emulator))
    emulator.set_time_scale(0.05)
    manila = _manila(emulator, "2.27")
    rule = manila.shares.allow(share.id, "cephx", "alice", "rw")
    assert rule["state"] == "new"
    assert manila.shares.get(share.id).access_rules_status == "out_of_sync"
    _wait(lambda: manila.shares.access_list(share.id)[0].state == "active")


def test_share_access_rules_api_needs_2_45(emulator: Emulator) -> None:
    share = _available_share(_sdk(emulator))
    path = f"/share-access-rules?share_id={share.id}"
    assert _raw(emulator, "GET", path, "2.44").status_code == 404
    assert _raw(emulator, "GET", path, "2.45").json() == {"access_list": []}
    manila = _manila(emulator, "2.51")
    manila.shares.allow(share.id, "cephx", "bob", "ro", metadata={"purpose": "csi"})
    (rule,) = manila.share_access_rules.access_list(share.id)
    assert rule.metadata == {"purpose": "csi"}
    assert _raw(emulator, "POST", f"/shares/{share.id}/action", "2.51",
                json={"access_list": None}).status_code == 404  # the action ended at 2.44


# -- export locations by microversion -------------------------------------------------------
def test_export_locations_move_to_their_own_api_at_2_9(emulator: Emulator) -> None:
    share = _available_share(_sdk(emulator))
    old = _manila(emulator, "2.8").shares.get(share.id)
    assert old.export_location.endswith(f"/volumes/_nogroup/{share.id}/" +
                                        old.export_location.rsplit("/", 1)[1])
    assert old.export_locations == [old.export_location]
    assert _raw(emulator, "GET", f"/shares/{share.id}/export_locations",
                "2.8").status_code == 404
    manila = _manila(emulator, "2.9")
    assert not hasattr(manila.shares.get(share.id), "export_locations")
    (location,) = manila.share_export_locations.list(share.id)
    assert location.path == old.export_location
    assert not hasattr(location, "preferred")  # "preferred" arrives in 2.14


# -- quotas, limits, zones --------------------------------------------------------------------
def test_share_quota_exceeded_is_413_over_limit(emulator: Emulator) -> None:
    emulator.config.quotas["sharev2"] = {"shares": 2, "gigabytes": 10}
    sfs = _sdk(emulator)
    big = _raw(emulator, "POST", "/shares", "2.51",
               json={"share": {"size": 11, "share_proto": "CEPHFS"}})
    assert big.status_code == 413
    assert big.headers["Retry-After"] == "0"
    assert big.json()["overLimit"]["message"].startswith("ShareSizeExceedsAvailableQuota:")
    assert big.json()["overLimit"]["retryAfter"] == "0"
    assert HEADER not in big.headers  # Manila renders quota faults outside the versioned app
    share = _available_share(sfs, size=4)
    _available_share(sfs, size=4)
    with pytest.raises(openstack.exceptions.HttpException) as caught:
        sfs.create_share(size=1, share_protocol="CEPHFS")
    assert caught.value.status_code == 413
    assert "Maximum number of shares allowed (2)" in str(caught.value)
    with pytest.raises(openstack.exceptions.ForbiddenException, match="gigabytes quota"):
        sfs.resize_share(share.id, 7)
    manila = _manila(emulator, "2.51")
    project = emulator.config.credentials.project_id
    detail = manila.quotas.get(project, detail=True)
    assert detail.shares == {"in_use": 2, "limit": 2, "reserved": 0}
    assert detail.gigabytes == {"in_use": 8, "limit": 10, "reserved": 0}
    absolute = manila.limits.get()._info["absolute"]
    assert (absolute["maxTotalShares"], absolute["totalSharesUsed"]) == (2, 2)
    assert absolute["totalShareGigabytesUsed"] == 8


def test_quota_of_another_project_is_forbidden(emulator: Emulator) -> None:
    answer = _raw(emulator, "GET", "/quota-sets/someone-else", "2.51")
    assert answer.status_code == 403


def test_availability_zones(emulator: Emulator) -> None:
    zones = list(_sdk(emulator).availability_zones())
    assert [z.name for z in zones] == ["nova"]


# -- faults and the request log ---------------------------------------------------------------
def test_fault_makes_the_next_share_end_in_error(emulator: Emulator) -> None:
    emulator.fault(operation="manila.share.create", outcome="error")
    sfs = _sdk(emulator)
    share = sfs.create_share(size=1, share_protocol="CEPHFS")
    with pytest.raises(openstack.exceptions.ResourceFailure):
        sfs.wait_for_status(share, status="available", failures=["error"], interval=0.01,
                            wait=5)
    assert list(sfs.export_locations(share.id)) == []
    sfs.delete_share(share.id)  # a share that never got a host goes at once
    sfs.wait_for_delete(share, interval=0.01, wait=5)
    assert _available_share(sfs).status == "available"  # the fault fired once


def test_a_share_in_error_has_a_user_message_saying_why(emulator: Emulator) -> None:
    """api-ref "User messages" (2.37+): the scheduler's "allocate host" message, with the
    detail text of manila/message/message_field.py."""
    emulator.fault(operation="manila.share.create", outcome="error", detail_id="009")
    sfs = _sdk(emulator)
    share = sfs.create_share(size=1, share_protocol="CEPHFS")
    messages = list(sfs.user_messages(resource_id=share.id))
    assert [(m.action_id, m.detail_id, m.message_level, m.resource_type) for m in messages] == [
        ("001", "009", "ERROR", "SHARE")]
    assert messages[0].user_message == (
        "allocate host: No storage could be allocated for this share request, Capacity "
        "filter didn't succeed.")
    assert list(sfs.user_messages(resource_id="00000000-0000-0000-0000-000000000000")) == []
    shown = _raw(emulator, "GET", f"/messages/{messages[0].id}", "2.37").json()["message"]
    assert shown["resource_id"] == share.id
    # Before 2.37 the API has no messages.
    assert _raw(emulator, "GET", "/messages", "2.36").status_code == 404


def test_http_fault_answers_503_once(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    emulator.fault(method="POST", path="/shares$", status=503)
    seq = emulator.last_seq()
    with pytest.raises(openstack.exceptions.HttpException) as caught:
        sfs.create_share(size=1, share_protocol="CEPHFS")
    assert caught.value.status_code == 503
    assert sfs.create_share(size=1, share_protocol="CEPHFS").status == "creating"
    creates = [e["status"] for e in emulator.requests(seq)
               if e["method"] == "POST" and e["path"] == "/sharev2/v2/shares"]
    assert creates == [503, 200]


def test_request_log_counts_manila_calls(emulator: Emulator) -> None:
    sfs = _sdk(emulator)
    seq = emulator.last_seq()
    share = _available_share(sfs)
    sfs.create_access_rule(share.id, access_type="cephx", access_to="alice")
    entries = [e for e in emulator.requests(seq) if e["service"] == "manila"]
    mutating = [(e["method"], e["path"]) for e in entries if e["mutating"]]
    assert mutating == [("POST", "/sharev2/v2/shares"),
                        ("POST", f"/sharev2/v2/shares/{share.id}/action")]
    assert all(e["status"] < 400 for e in entries)
