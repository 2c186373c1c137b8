"""Manila through the bulk observation, against the emulator over HTTP: many lookups and polls
cost one list call, and nothing our own changes did is hidden."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from gaia_platform.cloud.connection import connect
from gaia_platform.cloud.manila import Manila
from gaia_platform.profile import OpenStackAccess
from gaia_platform.sandbox.cloudsfile import CLOUD_NAME, write_clouds_yaml
from tests.conftest import Emulator


def _connect(emulator: Emulator, tmp_path: Path) -> Any:
    clouds = write_clouds_yaml(emulator.config, tmp_path / "clouds.yaml")
    return connect(OpenStackAccess(cloud=CLOUD_NAME, clouds_yaml=str(clouds)))


def _share_calls(emulator: Emulator, mark: int) -> list[str]:
    return [f"{c['method']} {c['path']}" for c in emulator.requests(mark)
            if "/shares" in c["path"]]


def test_lookups_and_polls_of_many_shares_cost_one_list_call_each_round(
        emulator: Emulator, tmp_path: Path) -> None:
    emulator.set_time_scale(0.05)  # a share takes 0.5 s to become available
    manila = Manila(_connect(emulator, tmp_path))
    names = [f"bulk-{i}" for i in range(20)]
    mark = emulator.last_seq()
    assert [manila.find_share(name) for name in names] == [None] * 20
    made = [manila.create_share(name=name, size=1, share_type="cephfsnativetype",
                                description="", availability_zone=None, metadata={})
            for name in names]
    # Our own creates are seen without listing again.
    assert [manila.find_share(name).status for name in names] == ["creating"] * 20
    lists = [c for c in _share_calls(emulator, mark) if c.endswith("/shares/detail")]
    assert len(lists) == 1
    deadline = time.monotonic() + 30
    pending = {share.id for share in made}
    rounds = 0
    while pending and time.monotonic() < deadline:
        rounds += 1
        time.sleep(0.25)
        pending = {i for i in pending if manila.get_share(i).status != "available"}
    assert not pending
    calls = _share_calls(emulator, mark)
    # Every round asked about all twenty shares with one call, never one by one.
    assert len([c for c in calls if c.endswith("/shares/detail")]) <= rounds + 1
    assert not [c for c in calls if c.startswith("GET") and not c.endswith("/shares/detail")]
    share = manila.find_share("bulk-3")
    assert (share.size, share.status) == (1, "available")


def test_an_extend_is_never_answered_from_before_it(emulator: Emulator, tmp_path: Path) -> None:
    emulator.set_time_scale(0.0)
    manila = Manila(_connect(emulator, tmp_path))
    share = manila.create_share(name="grow", size=1, share_type="cephfsnativetype",
                                description="", availability_zone=None, metadata={})
    while manila.get_share(share.id).status != "available":
        time.sleep(0.05)
    manila.extend(share.id, 2)
    while manila.get_share(share.id).status != "available":
        time.sleep(0.05)
    assert manila.find_share("grow").size == 2


def test_neutron_lookups_share_a_listing_and_see_every_change(emulator: Emulator,
                                                              tmp_path: Path) -> None:
    from gaia_platform.cloud.neutron import Neutron

    conn = _connect(emulator, tmp_path)
    neutron = Neutron(conn)
    mark = emulator.last_seq()
    assert neutron.find_network("public") is not None
    assert neutron.find_network("cephfs") is not None
    assert neutron.find_network("mine") is None
    lists = [c for c in emulator.requests(mark) if c["path"].endswith("/v2.0/networks")]
    assert len(lists) == 1
    # A change made through the SDK directly, by any code: the next lookup sees it.
    made = conn.network.create_network(name="mine")
    assert neutron.find_network("mine").id == made.id
    conn.network.delete_network(made)
    assert neutron.find_network("mine") is None


def _rule_reads(emulator: Emulator, mark: int) -> list[str]:
    return [c["query"] for c in emulator.requests(mark)
            if c["method"] == "GET" and c["path"].endswith("/share-access-rules")]


def _made_and_recorded(emulator: Emulator, tmp_path: Path, count: int) -> list[tuple[str, str]]:
    """Shares each with an active cephx rule recorded as deploy records it: (name, cephx)."""
    emulator.set_time_scale(0.0)
    manila = Manila(_connect(emulator, tmp_path))
    made = []
    for i in range(count):
        share = manila.create_share(name=f"rec-{i}", size=1, share_type="cephfsnativetype",
                                    description="", availability_zone=None, metadata={})
        while manila.get_share(share.id).status != "available":
            time.sleep(0.02)
        rule = manila.allow_cephx(share.id, f"client-{i}", "rw")
        while [r.state for r in manila.access_rules(share.id)] != ["active"]:
            time.sleep(0.02)
        manila.record_rule(share.id, f"client-{i}", "rw", rule.id)
        made.append((f"rec-{i}", f"client-{i}"))
    return made


def test_recorded_rules_are_observed_from_the_share_listing_alone(
        emulator: Emulator, tmp_path: Path) -> None:
    made = _made_and_recorded(emulator, tmp_path, 6)
    conn = _connect(emulator, tmp_path)  # a new run
    manila = Manila(conn)
    mark = emulator.last_seq()
    seen = {name: manila.observe_cephx(manila.find_share(name), cephx) for name, cephx in made}
    # One list call for six shares and their rules; not one rule list per share.
    assert _rule_reads(emulator, mark) == []
    assert [c["path"] for c in emulator.requests(mark)] == ["/sharev2/v2/shares/detail"]
    real = {name: conn.shared_file_system.access_rules(manila.find_share(name).id)
            for name, _ in made}
    for name, _ in made:
        assert [(r.id, r.access_to, r.access_level, r.state) for r in seen[name]] == \
            [(r.id, r.access_to, r.access_level, r.state) for r in real[name]]


def test_a_rule_being_applied_or_one_in_error_is_read_from_manila(
        emulator: Emulator, tmp_path: Path) -> None:
    made = _made_and_recorded(emulator, tmp_path, 2)
    conn = _connect(emulator, tmp_path)
    share = Manila(conn).find_share(made[0][0])
    # Another client's rule being applied: the share is "syncing" and vouches for nothing.
    emulator.set_time_scale(1.0)
    conn.shared_file_system.create_access_rule(share.id, access_type="cephx",
                                               access_to="someone-else", access_level="ro")
    manila = Manila(_connect(emulator, tmp_path))
    mark = emulator.last_seq()
    syncing = manila.find_share(made[0][0])
    assert syncing.access_rules_status == "syncing"
    assert [r.access_to for r in manila.observe_cephx(syncing, made[0][1])] == [made[0][1]]
    assert _rule_reads(emulator, mark) == [f"share_id={share.id}"]
    # The other share still answers from the listing.
    other = manila.find_share(made[1][0])
    assert [r.access_to for r in manila.observe_cephx(other, made[1][1])] == [made[1][1]]
    assert len(_rule_reads(emulator, mark)) == 1


def test_a_rule_deleted_behind_the_tools_back_is_noticed_with_refresh(
        emulator: Emulator, tmp_path: Path) -> None:
    from gaia_platform.cloud.manila import read_every_rule

    made = _made_and_recorded(emulator, tmp_path, 3)
    conn = _connect(emulator, tmp_path)
    share = Manila(conn).find_share(made[1][0])
    (rule,) = conn.shared_file_system.access_rules(share.id)
    conn.shared_file_system.delete_access_rule(rule.id, share.id)
    while list(conn.shared_file_system.access_rules(share.id)):
        time.sleep(0.02)
    # Manila's own answer once the deny is done: the share's rules are all applied, so the
    # listing cannot tell (the limit notes/performance.md names) ...
    manila = Manila(_connect(emulator, tmp_path))
    again = manila.find_share(made[1][0])
    assert again.access_rules_status == "active"
    assert manila.observe_cephx(again, made[1][1]) != []
    # ... and --refresh reads each share's rules, which shows the rule gone.
    refreshed = _connect(emulator, tmp_path)
    read_every_rule(refreshed)
    manila = Manila(refreshed)
    mark = emulator.last_seq()
    assert manila.observe_cephx(manila.find_share(made[1][0]), made[1][1]) == []
    assert manila.observe_cephx(manila.find_share(made[0][0]), made[0][1]) != []
    assert len(_rule_reads(emulator, mark)) == 2


def test_denying_a_rule_removes_its_record_first(emulator: Emulator, tmp_path: Path) -> None:
    from gaia_platform.cloud.manila import record_key

    made = _made_and_recorded(emulator, tmp_path, 2)
    manila = Manila(_connect(emulator, tmp_path))
    share = manila.find_share(made[0][0])
    assert manila.deny_cephx(share.id, made[0][1])
    fresh = Manila(_connect(emulator, tmp_path))
    assert record_key(made[0][1]) not in fresh.find_share(made[0][0]).metadata
    # Nothing vouches for the denied rule any more: it is read, and found gone.
    while fresh.observe_cephx(fresh.find_share(made[0][0]), made[0][1]):
        time.sleep(0.02)
    assert record_key(made[1][1]) in fresh.find_share(made[1][0]).metadata
