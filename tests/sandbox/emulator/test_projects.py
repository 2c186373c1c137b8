"""Two projects, each with its own user and credentials, as on Arcus (the deployment's
project and iris-gaia-data, which owns the data shares): Keystone scopes each token to its
own project, and Manila shows a project only its own shares and rules (a member, not admin)."""

from __future__ import annotations

import time
from typing import Any

import openstack
import pytest
import requests

from tests.conftest import Emulator

SDK_VERSION = "2.82"


def _wait(probe: Any, what: str) -> None:
    # The emulated Manila finishes a share or rule after its (scaled) duration.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen")


def _data_share(emulator: Emulator) -> tuple[Any, Any]:
    """A share with a cephx rule, made with the data project's own credentials."""
    manila = emulator.connect_data().shared_file_system
    share = manila.create_share(name="data-dr3", size=2, share_proto="CEPHFS")
    _wait(lambda: manila.get_share(share.id).status == "available", "data share")
    rule = manila.create_access_rule(share.id, access_type="cephx", access_to="data-dr3-ro",
                                     access_level="ro")
    return share, rule


def test_each_project_has_its_own_user_and_token(emulator: Emulator) -> None:
    data = emulator.config.other_projects[0]
    conn = emulator.connect_data()
    assert conn.current_project_id == data.project_id
    assert conn.current_user_id == data.user_id
    assert data.project_id != emulator.config.credentials.project_id


def test_a_user_cannot_scope_a_token_to_another_project(emulator: Emulator) -> None:
    data, ours = emulator.config.other_projects[0], emulator.config.credentials
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": data.username, "password": data.password, "domain": {"id": "default"}}}},
        "scope": {"project": {"id": ours.project_id}}}}
    answer = requests.post(f"{emulator.url}/identity/v3/auth/tokens", json=body, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"] == {
        "code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}


def test_reading_another_project_or_user_is_forbidden(emulator: Emulator) -> None:
    data = emulator.config.other_projects[0]
    token = emulator.connect().session.get_token()
    for path in (f"projects/{data.project_id}", f"users/{data.user_id}"):
        answer = requests.get(f"{emulator.url}/identity/v3/{path}",
                              headers={"X-Auth-Token": token}, timeout=5)
        assert answer.status_code == 403
        assert answer.json()["error"]["title"] == "Forbidden"


def test_application_credentials_belong_to_the_project_that_made_them(
        emulator: Emulator) -> None:
    conn = emulator.connect_data()
    made = conn.identity.create_application_credential(user=conn.current_user_id, name="csi")
    assert made.project_id == emulator.config.other_projects[0].project_id
    again = openstack.connect(auth_type="v3applicationcredential", auth={
        "auth_url": f"{emulator.url}/identity/v3", "application_credential_id": made.id,
        "application_credential_secret": made.secret}, region_name="RegionOne")
    assert again.current_project_id == made.project_id


def test_manila_shows_a_project_only_its_own_shares(emulator: Emulator) -> None:
    share, rule = _data_share(emulator)
    ours = emulator.connect(shared_file_system_api_version=SDK_VERSION).shared_file_system
    assert [s.id for s in ours.shares(details=True)] == []
    assert list(ours.shares(details=True, name="data-dr3")) == []
    # Another project's share is not found, whatever the call (manila/db/sqlalchemy/api.py
    # reads shares project_only for a non-admin context): Manila's itemNotFound fault.
    token = emulator.connect().session.get_token()
    headers = {"X-Auth-Token": token, "X-OpenStack-Manila-API-Version": SDK_VERSION}
    base = f"{emulator.url}/sharev2/v2"
    shown = requests.get(f"{base}/shares/{share.id}", headers=headers, timeout=5)
    assert shown.status_code == 404 and shown.json()["itemNotFound"]["code"] == 404
    for method, path, body in (
            ("DELETE", f"shares/{share.id}", None),
            ("PUT", f"shares/{share.id}", {"share": {"display_name": "mine"}}),
            ("POST", f"shares/{share.id}/action", {"allow_access": {
                "access_type": "cephx", "access_to": "thief", "access_level": "rw"}}),
            ("POST", f"shares/{share.id}/action", {"deny_access": {"access_id": rule.id}}),
            ("GET", f"shares/{share.id}/export_locations", None),
            ("GET", f"share-access-rules/{rule.id}", None)):
        answer = requests.request(method, f"{base}/{path}", json=body, headers=headers,
                                  timeout=5)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["itemNotFound"]["code"] == 404
    # The owner sees its share and rule unchanged.
    theirs = emulator.connect_data().shared_file_system
    assert theirs.get_share(share.id).name == "data-dr3"
    assert [r.access_to for r in theirs.access_rules(share.id)] == ["data-dr3-ro"]


def test_listing_another_projects_share_rules_is_refused(emulator: Emulator) -> None:
    share, _rule = _data_share(emulator)
    token = emulator.connect().session.get_token()
    answer = requests.get(f"{emulator.url}/sharev2/v2/share-access-rules",
                          params={"share_id": share.id},
                          headers={"X-Auth-Token": token,
                                   "X-OpenStack-Manila-API-Version": SDK_VERSION}, timeout=5)
    # manila/api/v2/share_accesses.py index: the share is looked up first, and a share the
    # project cannot see is a bad request naming it.
    assert answer.status_code == 400
    assert share.id in answer.json()["badRequest"]["message"]


def test_quotas_are_counted_per_project(emulator: Emulator) -> None:
    _data_share(emulator)
    ours = emulator.connect(shared_file_system_api_version=SDK_VERSION)
    token = ours.session.get_token()
    limits = requests.get(f"{emulator.url}/sharev2/v2/limits",
                          headers={"X-Auth-Token": token}, timeout=5).json()
    assert limits["limits"]["absolute"]["totalSharesUsed"] == 0


@pytest.mark.parametrize("who", ["ours", "data"])
def test_the_request_log_names_each_calls_project(emulator: Emulator, who: str) -> None:
    conn = emulator.connect() if who == "ours" else emulator.connect_data()
    mark = emulator.requests()[-1]["seq"] if emulator.requests() else 0
    list(conn.shared_file_system.shares())
    calls = emulator.requests(mark)
    assert {c["project_id"] for c in calls} == {conn.current_project_id}
