"""The per-run bulk observation: one list call answers many reads, and never a stale one."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from gaia_platform.cloud.listing import Listing


@dataclass
class Rec:
    id: str
    status: str


class Cloud:
    """A resource list that changes between calls; counts the list calls made."""

    def __init__(self, *records: Rec) -> None:
        self.records = {r.id: r for r in records}
        self.lists = 0
        self.gate: threading.Event | None = None
        self.answered = threading.Event()

    def fetch(self) -> list[Any]:
        self.lists += 1
        snapshot = [Rec(r.id, r.status) for r in self.records.values()]
        if self.gate is not None:  # a slow list call: answered before a mutation, returned after
            self.answered.set()
            self.gate.wait(5)
        return snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.001  # every reading is later than the one before, as time.monotonic
        return self.now


def _listing(cloud: Cloud, clock: Clock | None = None, max_age: float = 30.0) -> Listing:
    return Listing(cloud.fetch, key=lambda r: r.id, max_age=max_age,
                   clock=clock or Clock())


def test_many_observations_cost_one_list_call() -> None:
    cloud = Cloud(*(Rec(f"s{i}", "available") for i in range(500)))
    listing = _listing(cloud)
    assert all(listing.get(f"s{i}").status == "available" for i in range(500))
    assert listing.get("missing") is None
    assert cloud.lists == 1


def test_an_old_observation_is_asked_again() -> None:
    cloud, clock = Cloud(Rec("a", "available")), Clock()
    listing = _listing(cloud, clock, max_age=10)
    listing.get("a")
    del cloud.records["a"]  # someone else deleted it
    clock.now += 11
    assert listing.get("a") is None
    assert cloud.lists == 2


def test_each_poll_sees_a_newer_answer_than_the_last() -> None:
    cloud = Cloud(Rec("a", "creating"))
    listing = _listing(cloud)
    assert listing.poll("a").status == "creating"
    cloud.records["a"].status = "available"
    assert listing.poll("a").status == "available"  # not the cached "creating"
    assert cloud.lists == 2


def test_a_poll_after_an_observation_reuses_it() -> None:
    cloud = Cloud(Rec("a", "available"))
    listing = _listing(cloud)
    assert listing.get("a").status == "available"
    assert listing.poll("a").status == "available"
    assert cloud.lists == 1


def test_concurrent_polls_share_one_list_call_per_round() -> None:
    cloud = Cloud(*(Rec(f"s{i}", "creating") for i in range(50)))
    listing = _listing(cloud, Clock())
    for i in range(50):
        listing.poll(f"s{i}")
    assert cloud.lists == 1
    for record in cloud.records.values():
        record.status = "available"
    barrier = threading.Barrier(50)
    results: list[str] = []

    def poll(key: str) -> None:
        barrier.wait()
        results.append(listing.poll(key).status)

    threads = [threading.Thread(target=poll, args=(f"s{i}",)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["available"] * 50
    assert cloud.lists < 10  # one per round, not one per share


def test_our_own_changes_are_seen_without_listing() -> None:
    cloud = Cloud()
    listing = _listing(cloud)
    assert listing.get("new") is None
    listing.put(Rec("new", "creating"))
    assert listing.get("new").status == "creating"
    assert cloud.lists == 1


def test_a_forgotten_record_is_listed_again() -> None:
    cloud = Cloud(Rec("a", "available"))
    listing = _listing(cloud)
    listing.get("a")
    cloud.records["a"].status = "extending"  # what our resize did
    listing.forget("a")
    assert listing.get("a").status == "extending"
    assert cloud.lists == 2


def test_a_list_call_older_than_our_change_does_not_undo_it() -> None:
    cloud = Cloud(Rec("a", "available"))
    listing = _listing(cloud, Clock())
    listing.get("a")
    cloud.gate = threading.Event()
    # A poll starts a list call that answers "available, no b" ...
    poller = threading.Thread(target=listing.poll, args=("a",))
    listing.forget("a")  # makes the poll below list again
    poller.start()
    assert cloud.answered.wait(5)
    # ... then, before it returns, we create b and start changing a.
    listing.put(Rec("b", "creating"))
    listing.forget("a")
    cloud.records["a"].status = "extending"
    cloud.records["b"] = Rec("b", "creating")
    cloud.gate.set()
    poller.join()
    cloud.gate = None
    assert listing.get("b").status == "creating"  # not dropped by the older list call
    assert listing.get("a").status == "extending"  # not "available" from before our change


def test_all_lists_every_record_and_polls_progress() -> None:
    cloud = Cloud(Rec("r1", "queued_to_apply"))
    listing = _listing(cloud)
    assert [r.status for r in listing.all(poll=True)] == ["queued_to_apply"]
    cloud.records["r1"].status = "active"
    assert [r.status for r in listing.all(poll=True)] == ["active"]
    assert [r.status for r in listing.all()] == ["active"]
    assert cloud.lists == 2


def test_deleting_one_record_does_not_relist_for_lookups_of_others() -> None:
    cloud = Cloud(*(Rec(f"s{i}", "available") for i in range(100)))
    listing = _listing(cloud)
    for i in range(100):  # what `platform delete --delete-data` does, share by share
        assert [r.id for r in listing.find(lambda r, i=i: r.id == f"s{i}")] == [f"s{i}"]
        del cloud.records[f"s{i}"]
        listing.forget(f"s{i}")
    assert cloud.lists == 1
    # The deleted ones are asked about again, not answered from before the delete.
    assert listing.find(lambda r: r.id == "s5") == []
    assert cloud.lists == 2
