"""Magnum and Manila kinds decide from what the services answered, in their API's own JSON
(Magnum through raw REST, cloud/magnum.py; Manila's shares as the list call's records,
cloud/manila.py): a failed cluster is rebuilt with Magnum's reason, an autoscaled one is left
to its autoscaler, a share is extended but never shrunk or replaced."""

from __future__ import annotations

from typing import Any

from gaia_platform import profile
from gaia_platform.cloud.manila import ShareRecord
from gaia_platform.desired import desired_state
from gaia_platform.plan import Action
from gaia_platform.steps.base import Unknown
from gaia_platform.steps.magnum import (
    ClusterKind,
    ClusterTarget,
    ClusterTemplateKind,
    TemplateTarget,
)
from gaia_platform.steps.manila import (
    AccessKind,
    AccessTarget,
    Duplicated,
    ShareKind,
    ShareTarget,
)
from gaia_platform.steps.removed import Leftover, RemovedSharesKind, RemovedTarget

DESIRED = desired_state(profile.load("cambridge"))
assert DESIRED.cluster is not None and DESIRED.template is not None
WANTED_NODES = DESIRED.cluster.node_count
CLUSTER = ClusterTarget(DESIRED.cluster, "magnum.template", "k", "m", "w", (1, 4))
FIXED = ClusterTarget(DESIRED.cluster, "magnum.template", "k", "m", "w", None)


def _cluster(status: str, nodes: int, **extra: Any) -> dict[str, Any]:
    """Magnum's "Show details of a cluster" (GET /v1/clusters/{uuid}, api-ref
    container-infrastructure-management), microversion 1.10."""
    return {"uuid": "c0ffee", "name": "gaia-cambridge",
            "status": status, "node_count": nodes, "master_count": 1,
            "status_reason": extra.pop("status_reason", None), "faults": extra.pop("faults", {}),
            "health_status": "HEALTHY", **extra}


def test_a_failed_cluster_is_rebuilt_and_magnums_reason_is_quoted() -> None:
    decision = ClusterKind().decide(CLUSTER, _cluster(
        "CREATE_FAILED", 0, status_reason="Quota exceeded for cores",
        faults={"default-worker": "Insufficient compute resources"}))
    assert decision.action is Action.UPDATE
    assert decision.reason.startswith("CREATE_FAILED: Quota exceeded for cores; "
                                      "default-worker: Insufficient compute resources")
    assert decision.changes == {"status": ["CREATE_FAILED", "CREATE_COMPLETE"]}


def test_a_cluster_is_resized_only_outside_the_autoscalers_bounds() -> None:
    kind = ClusterKind()
    assert kind.decide(CLUSTER, _cluster("UPDATE_COMPLETE", 3)).action is Action.NOOP
    resize = kind.decide(FIXED, _cluster("UPDATE_COMPLETE", 3))
    assert resize.action is Action.UPDATE
    assert resize.changes == {"node_count": [3, WANTED_NODES]}
    assert kind.decide(CLUSTER, _cluster("CREATE_IN_PROGRESS", 0)).reason == \
        "CREATE_IN_PROGRESS: wait for it"


def test_a_template_that_differs_from_the_profile_lists_the_fields() -> None:
    assert DESIRED.template is not None
    target = TemplateTarget(DESIRED.template, DESIRED.network.network, DESIRED.network.subnet)
    # Magnum's "Show details of a cluster template" answer: the body it was made with.
    same = {"uuid": "t1", **target.body()}
    decision = ClusterTemplateKind().decide(target, {"template": same,
                                                     "kube_version": "v1.31.4"})
    assert decision.action is Action.NOOP
    older = {**same, "master_lb_enabled": not same["master_lb_enabled"], "labels": {}}
    changed = ClusterTemplateKind().decide(target, {"template": older, "kube_version": None})
    assert changed.action is Action.UPDATE
    assert set(changed.changes) == {"master_lb_enabled", "labels"}
    assert "? (image has no kube_version)" in changed.reason


def _share(status: str, size: int) -> ShareRecord:
    """A share in Manila's "List shares with details" answer (GET /v2/shares/detail)."""
    return ShareRecord({"id": "s1", "name": "aglais-data-gaia-dr3", "status": status,
                        "size": size, "share_proto": "CEPHFS", "metadata": {}})


def test_a_share_is_extended_never_shrunk_never_replaced() -> None:
    plan = next(s for s in DESIRED.shares if s.share.purpose == "data")
    target, wanted = ShareTarget(plan), plan.share.size_gb
    kind = ShareKind()
    grow = kind.decide(target, _share("available", wanted - 1))
    assert grow.action is Action.UPDATE and grow.changes == {"size_gb": [wanted - 1, wanted]}
    larger = kind.decide(target, _share("available", wanted + 5))
    assert larger.action is Action.NOOP and "never shrunk" in larger.reason
    broken = kind.decide(target, _share("error", wanted))
    assert broken.action is Action.CHECK and "needs an operator" in broken.reason
    missing = kind.decide(target, None)
    assert missing.action is Action.CREATE and "created empty" in missing.reason
    duplicated = kind.decide(target, Duplicated(_share("available", wanted),
                                                (_share("available", wanted),)))
    assert duplicated.action is Action.UPDATE and "1 duplicate(s)" in duplicated.reason


def _rule(level: str, state: str) -> ShareRecord:
    """An access rule in "List share access rules" (GET /v2/share-access-rules, 2.45)."""
    return ShareRecord({"id": "r1", "access_type": "cephx", "access_to": "x",
                        "access_level": level, "state": state, "access_key": None})


def test_an_access_rule_at_the_wrong_level_or_in_error_is_made_again() -> None:
    plan = next(s for s in DESIRED.shares if s.share.purpose == "data")
    target = AccessTarget(plan, f"manila.share/{plan.name}")
    kind = AccessKind()
    level = plan.access_level
    other = "rw" if level == "ro" else "ro"
    # The rule recorded in the share's metadata (level:id) lets later runs skip reading it.
    recorded = {"share_id": "s1", "rule": _rule(level, "active"), "record": f"{level}:r1"}
    assert kind.decide(target, recorded).action is Action.NOOP
    unrecorded = kind.decide(target, {"share_id": "s1", "rule": _rule(level, "active")})
    assert unrecorded.action is Action.UPDATE
    assert unrecorded.changes == {"record": [None, f"{level}:r1"]}
    wrong = kind.decide(target, {"share_id": "s1", "rule": _rule(other, "active")})
    assert wrong.action is Action.UPDATE
    assert wrong.changes["access_level"] == [other, level]
    assert kind.decide(target, {"share_id": "s1", "rule": _rule(level, "error")}).action \
        is Action.UPDATE
    assert kind.decide(target, Unknown("the share does not exist yet")).action is Action.CREATE


def test_a_share_that_left_the_catalogue_loses_its_volume_and_rule_never_the_share() -> None:
    target = RemovedTarget("cambridge", "gaia", tuple(s.name for s in DESIRED.shares))
    # What observe makes of the deployment's volumes whose share is no longer listed (their
    # labels and CSI attributes, kube/storage.py).
    gone = [Leftover("aglais-data-gaia-edr3", "gaia-cambridge-aglais-data-gaia-edr3",
                     "aglais-data-gaia-edr3", "s9", "r9")]
    decision = RemovedSharesKind().decide(target, gone)
    assert decision.action is Action.DELETE
    assert decision.changes == {"aglais-data-gaia-edr3": [
        "claim aglais-data-gaia-edr3, volume gaia-cambridge-aglais-data-gaia-edr3, access "
        "rule r9", "removed (share kept)"]}
    assert RemovedSharesKind().decide(target, []).action is Action.NOOP
