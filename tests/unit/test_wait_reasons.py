"""Every wait says what it waits for and why it is not done yet, from what the cloud answered:
Magnum's answers recorded from the sandbox's Cluster API-shaped Magnum, Manila's as gaia-dmp
recorded Arcus answering, helm's pending release as helm reports it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openstack.shared_file_system.v2.share_access_rule import ShareAccessRule

from gaia_platform.kube.helm import PENDING_GRACE_SECONDS, pending_text
from gaia_platform.kube.workload import volume_going
from gaia_platform.steps.clusterwait import deletion_text, wait_for_cluster
from gaia_platform.steps.manila import rule_applied, rule_denied
from gaia_platform.waiting import wait_until

RECORDED = json.loads((Path(__file__).parent / "recorded/magnum_capi_cluster.json").read_text())


def _replay(answers: list[dict[str, Any]], tmp_path: Path, done: Any,
            expect_nodes: int | None = None) -> list[str]:
    """wait_for_cluster over recorded answers, one per poll; what it reported."""
    queue = list(answers)
    clock = [0.0]
    messages: list[str] = []

    def read() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        answer = queue.pop(0)
        return answer["cluster"], answer["nodegroups"]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    wait_for_cluster(read, uuid=answers[0]["cluster"]["uuid"], what="cluster gaia", done=done,
                     timeout=3600, stall_after=1200, record_path=tmp_path / "wait.json",
                     report=messages.append, clock=lambda: clock[0], sleep=sleep,
                     expect_nodes=expect_nodes)
    return [m.rsplit(" (", 1)[0] for m in messages]  # without the elapsed time


def test_cluster_create_names_the_nodegroups_and_address_still_awaited(tmp_path: Path) -> None:
    said = _replay(RECORDED["create"], tmp_path,
                   done=lambda c: c["status"] == "CREATE_COMPLETE")
    assert said == [
        "cluster gaia: CREATE_IN_PROGRESS; reason none given; nodegroups not ready: "
        "default-master CREATE_IN_PROGRESS, default-worker CREATE_IN_PROGRESS; API address "
        "not yet known",
        "cluster gaia: CREATE_IN_PROGRESS; reason none given; nodegroups not ready: "
        "default-master CREATE_IN_PROGRESS, default-worker CREATE_IN_PROGRESS",
        "cluster gaia: CREATE_IN_PROGRESS; reason none given; nodegroups not ready: "
        "default-worker CREATE_IN_PROGRESS",
        # The Cluster API driver completes the cluster once its add-ons are deployed.
        "cluster gaia: CREATE_IN_PROGRESS; reason none given; every nodegroup ready, Magnum "
        "waits for the cluster's add-ons",
    ]


def test_a_resize_says_how_many_nodes_it_still_waits_for(tmp_path: Path) -> None:
    # The first poll may still see the finished create (two workers) after the resize to
    # three was accepted; done only once the resize is complete at three.
    before = RECORDED["create"][-1]
    said = _replay([before, *RECORDED["resize"]], tmp_path,
                   done=lambda c: c["status"].endswith("_COMPLETE") and c["node_count"] == 3,
                   expect_nodes=3)
    assert said == [
        "cluster gaia: CREATE_COMPLETE; reason none given; 2 worker nodes of the 3 asked for",
        "cluster gaia: UPDATE_IN_PROGRESS; reason none given; nodegroups not ready: "
        "default-worker UPDATE_IN_PROGRESS",
    ]


def test_a_deletion_shows_magnums_status_and_reason() -> None:
    (deleting,) = [a["cluster"] for a in RECORDED["delete"] if "status_code" not in a]
    assert deletion_text(deleting) == "DELETE_IN_PROGRESS, reason none given"
    failed_reason = {**deleting, "status_reason": "Timed out deleting the Helm release"}
    assert deletion_text(failed_reason).endswith("reason Timed out deleting the Helm release")


# Arcus's answers to `openstack share access create` and `share access list`, recorded in
# wfau/gaia-dmp notes/stv/20211203-create-test-share.txt and
# notes/zrq/2020/20200828-02-cephfs-volume.txt (the key is elided there too).
QUEUED = {"id": "abff8608-09e9-4195-b35c-81220ab17de9", "access_level": "ro",
          "access_to": "aglais-test-data-ro", "access_type": "cephx", "state": "queued_to_apply",
          "access_key": None, "created_at": "2021-12-02T17:15:12.000000", "updated_at": None}
ACTIVE = {"id": "b6f44adf-2b00-481d-bfb2-99398af5c2de", "access_type": "cephx",
          "access_to": "gaia-dr2-share", "access_level": "ro", "state": "active",
          "access_key": "AQAL........==", "created_at": "2020-08-28T01:42:34.000000",
          "updated_at": "2020-08-28T01:42:35.000000"}


def _rule(**fields: Any) -> ShareAccessRule:
    return ShareAccessRule.existing(**fields)


def test_access_wait_reports_manilas_rule_state_until_the_key_exists() -> None:
    answers = [_rule(**QUEUED), _rule(**{**QUEUED, "state": "active"}),
               _rule(**{**QUEUED, "state": "active", "access_key": ACTIVE["access_key"]})]
    messages: list[str] = []

    def probe() -> tuple[bool, Any, str]:
        usable, state = rule_applied(answers.pop(0))
        return usable, None, state

    wait_until(probe, what="access to gaia-notebooks", timeout=60, report=messages.append,
               sleep=lambda _seconds: None)
    assert [m.rsplit(" (", 1)[0] for m in messages] == [
        "access to gaia-notebooks: queued_to_apply",
        "access to gaia-notebooks: active, cephx key not issued yet"]
    assert rule_applied(_rule(**ACTIVE)) == (True, "active")


def test_a_denied_rule_is_waited_for_with_its_state() -> None:
    denying = _rule(**{**ACTIVE, "state": "queued_to_deny"})
    other = _rule(**QUEUED)
    assert rule_denied([denying, other], ACTIVE["id"]) == (False, "queued_to_deny")
    assert rule_denied([other], ACTIVE["id"]) == (True, "gone")


def test_a_pending_release_says_whose_it_may_be_and_when_it_is_rolled_back() -> None:
    # `helm history` statuses (helm's release.Status): pending-install, pending-upgrade,
    # pending-rollback while a helm run holds the release.
    young = pending_text("zeppelin", "pending-upgrade", 10.0)
    assert young == ("release zeppelin is pending-upgrade since 10 s (another deploy may be "
                     f"finishing it); it counts as abandoned in {PENDING_GRACE_SECONDS - 10:.0f} s")
    old = pending_text("zeppelin", "pending-install", PENDING_GRACE_SECONDS + 5)
    assert old.startswith(f"release zeppelin has been pending-install for "
                          f"{PENDING_GRACE_SECONDS + 5:.0f} s, left by an "
                          "interrupted run: rolling it back")


def test_an_old_volume_being_deleted_names_what_holds_it() -> None:
    # A PersistentVolume deleted while a claim still names it, as the apiserver answers it:
    # deletionTimestamp set, still Bound, kept by the pv-protection finalizer (Kubernetes docs,
    # "Persistent Volumes", Storage Object in Use Protection).
    volume = {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": "gaia-notebooks", "deletionTimestamp": "2026-11-30T21:00:00Z",
                     "finalizers": ["kubernetes.io/pv-protection"]},
        "spec": {"claimRef": {"kind": "PersistentVolumeClaim", "namespace": "gaia",
                              "name": "gaia-notebooks", "uid": "5f1c"},
                 "capacity": {"storage": "5Gi"}},
        "status": {"phase": "Bound"},
    }
    assert volume_going(volume) == ("Bound, claim gaia/gaia-notebooks, held by finalizer "
                                    "kubernetes.io/pv-protection")
    released = {**volume, "metadata": {"name": "gaia-notebooks"}, "status": {"phase": "Released"}}
    assert volume_going(released) == "Released, claim gaia/gaia-notebooks"
