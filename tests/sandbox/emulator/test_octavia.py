"""Octavia as preflight meets it: in the catalogue (or, toggled, not), answering a project
that holds a load-balancer role and refusing one that does not, with Octavia's fault shape."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import Emulator


def _types(emulator: Emulator) -> set[str]:
    conn = emulator.connect()
    catalog = conn.session.auth.get_access(conn.session).service_catalog
    return {entry["type"] for entry in catalog.catalog}


def _configure(emulator: Emulator, **update: object) -> None:
    requests.post(f"{emulator.url}/_sandbox/config", json=update, timeout=5).raise_for_status()


def test_load_balancers_are_listed_through_the_catalogue(emulator: Emulator) -> None:
    conn = emulator.connect()
    assert conn.endpoint_for("load-balancer")
    assert list(conn.load_balancer.load_balancers()) == []
    assert [p.name for p in conn.load_balancer.providers()] == ["amphora", "octavia"]


def test_without_a_load_balancer_role_octavia_refuses(emulator: Emulator) -> None:
    _configure(emulator, roles={emulator.config.credentials.project_name: ["member", "reader"]})
    token = emulator.connect().session.get_token()
    answer = requests.get(f"{emulator.url}/load-balancer/v2/lbaas/loadbalancers",
                          headers={"X-Auth-Token": token}, timeout=5)
    assert answer.status_code == 403
    assert answer.json() == {"faultcode": "Client", "debuginfo": None,
                             "faultstring": "Policy does not allow this request to be "
                                            "performed."}


def test_a_cloud_without_octavia_has_no_catalogue_entry(emulator: Emulator) -> None:
    assert "load-balancer" in _types(emulator)
    _configure(emulator, catalog_absent=["load-balancer"])
    assert "load-balancer" not in _types(emulator)
    refused = requests.post(f"{emulator.url}/_sandbox/config",
                            json={"catalog_absent": "load-balancer"}, timeout=5)
    assert refused.status_code == 400


def test_an_application_credential_keeps_the_roles_it_was_made_with(emulator: Emulator) -> None:
    import openstack

    project = emulator.config.credentials.project_name
    _configure(emulator, roles={project: ["member", "reader"]})
    conn = emulator.connect_password()
    made = conn.identity.create_application_credential(user=conn.current_user_id, name="old")
    # The operators give the role afterwards: the old credential still lacks it (which is
    # why preflight says to make the credential again).
    _configure(emulator, roles={project: ["member", "reader", "load-balancer_member"]})
    old = openstack.connect(auth_type="v3applicationcredential", auth={
        "auth_url": f"{emulator.url}/identity/v3", "application_credential_id": made.id,
        "application_credential_secret": made.secret}, region_name="RegionOne")
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(old.load_balancer.load_balancers())
    assert list(emulator.connect_password().load_balancer.load_balancers()) == []
