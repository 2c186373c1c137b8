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
