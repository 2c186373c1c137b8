"""Keystone v3 as openstacksdk and keystoneauth see it."""

from __future__ import annotations

import openstack
import pytest
import requests

from tests.conftest import Emulator


def test_application_credential_token_lists_every_emulated_service(emulator: Emulator) -> None:
    conn = emulator.connect()
    assert conn.current_project_id == emulator.config.credentials.project_id
    catalog = conn.session.auth.get_access(conn.session).service_catalog
    types = {entry["type"] for entry in catalog.catalog}
    assert types == {"identity", "container-infra", "sharev2", "compute", "network", "image",
                     "load-balancer"}


def test_password_token_is_scoped_to_the_project(emulator: Emulator) -> None:
    conn = emulator.connect_password()
    assert conn.current_user_id == emulator.config.credentials.user_id
    assert conn.current_project_id == emulator.config.credentials.project_id


def test_wrong_secret_is_refused_with_401(emulator: Emulator) -> None:
    conn = openstack.connect(
        auth_type="v3applicationcredential",
        auth={
            "auth_url": f"{emulator.url}/identity/v3",
            "application_credential_id": emulator.config.credentials.app_cred_id,
            "application_credential_secret": "not-the-secret",
        },
        region_name="RegionOne",
    )
    with pytest.raises(openstack.exceptions.SDKException, match="HTTP 401"):
        conn.authorize()
    statuses = [e["status"] for e in emulator.requests() if e["path"].endswith("/auth/tokens")]
    assert statuses == [401]


def test_service_calls_without_a_token_get_401(emulator: Emulator) -> None:
    answer = requests.get(f"{emulator.url}/compute/v2.1/servers", timeout=5)
    assert answer.status_code == 401


def test_created_application_credential_authenticates_and_is_listed(emulator: Emulator) -> None:
    conn = emulator.connect_password()
    created = conn.identity.create_application_credential(
        user=conn.current_user_id, name="manila-csi", unrestricted=False
    )
    assert created.secret
    names = [c.name for c in conn.identity.application_credentials(user=conn.current_user_id)]
    assert names == ["manila-csi"]
    csi = openstack.connect(
        auth_type="v3applicationcredential",
        auth={
            "auth_url": f"{emulator.url}/identity/v3",
            "application_credential_id": created.id,
            "application_credential_secret": created.secret,
        },
        region_name="RegionOne",
    )
    assert csi.current_project_id == emulator.config.credentials.project_id
    conn.identity.delete_application_credential(user=conn.current_user_id,
                                                application_credential=created.id)
    assert list(conn.identity.application_credentials(user=conn.current_user_id)) == []


def test_request_log_records_method_path_status_and_time(emulator: Emulator) -> None:
    emulator.connect().authorize()
    entry = emulator.requests()[-1]
    assert entry["method"] == "POST"
    assert entry["path"] == "/identity/v3/auth/tokens"
    assert entry["status"] == 201
    assert entry["time"] > 0
