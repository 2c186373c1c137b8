"""Why a Deployment is not ready: the explanation a deploy's wait prints, from API answers.

The objects below have the shape kube-apiserver serves (the fields the explanation reads, as
`kubectl get -o json` shows them for a Deployment, its pod, node and events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gaia_platform.kube.workload import explain, explain_claim

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def stamp(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment(ready: int = 0) -> dict[str, Any]:
    return {"metadata": {"name": "zeppelin-server"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "zeppelin"}}},
            "status": {"readyReplicas": ready} if ready else {"replicas": 1}}


def pod(phase: str = "Running", ready: str = "False", since: float = 30.0,
        node: str | None = "w-0", waiting: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "zeppelin-server", "ready": ready == "True"}
    container["state"] = ({"waiting": {"reason": waiting, "message": "Back-off pulling image"}}
                          if waiting else {"running": {"startedAt": stamp(since)}})
    body: dict[str, Any] = {
        "metadata": {"name": "zeppelin-server-7d9c"},
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase, "containerStatuses": [container], "conditions": [
            {"type": "Ready", "status": ready, "lastTransitionTime": stamp(since),
             **({"reason": "ContainersNotReady"} if ready == "False" else {})}]},
    }
    if node is None:
        body["status"]["conditions"].append(
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "message": "0/3 nodes are available: 3 Insufficient memory."})
    return body


def node(ready: str = "True") -> dict[str, Any]:
    return {"metadata": {"name": "w-0"},
            "status": {"conditions": [{"type": "Ready", "status": ready}]}}


def event(reason: str, message: str, seconds_ago: float) -> dict[str, Any]:
    return {"involvedObject": {"kind": "Pod", "name": "zeppelin-server-7d9c"},
            "reason": reason, "message": message, "lastTimestamp": stamp(seconds_ago)}


def test_a_ready_deployment_is_done() -> None:
    result = explain(deployment(ready=1), [], {}, [], NOW)
    assert result.ready and result.hopeless is None


def test_a_failing_image_pull_stops_the_wait_with_the_kubelets_reason() -> None:
    result = explain(deployment(), [pod(waiting="ImagePullBackOff")], {"w-0": node()},
                     [event("Failed", "Failed to pull image \"apache/zeppelin:0.9.9\"", 5)], NOW)
    assert not result.ready
    assert result.hopeless is not None
    assert "ImagePullBackOff" in result.hopeless and "cannot be pulled" in result.hopeless


def test_running_not_ready_on_a_ready_node_is_hopeless_only_after_the_grace() -> None:
    events = [event("Unhealthy", "Readiness probe failed: connection refused", 10)]
    early = explain(deployment(), [pod(since=60)], {"w-0": node()}, events, NOW)
    assert early.hopeless is None
    assert "not Ready for 60s" in early.status and "node w-0 Ready" in early.status
    assert "Readiness probe failed" in early.status
    late = explain(deployment(), [pod(since=600)], {"w-0": node()}, events, NOW)
    assert late.hopeless is not None and "Readiness probe failed" in late.hopeless


def test_a_pod_on_a_node_that_is_not_ready_is_waited_for() -> None:
    # The node lifecycle controller cleared Ready because the node stopped reporting: that
    # can come back by itself, so the wait goes on and says why.
    result = explain(deployment(), [pod(since=900)], {"w-0": node("Unknown")}, [], NOW)
    assert result.hopeless is None
    assert "node w-0 not Ready" in result.status


def test_an_unscheduled_pod_says_what_the_scheduler_said() -> None:
    result = explain(deployment(), [pod(phase="Pending", node=None)], {}, [], NOW)
    assert result.hopeless is None
    assert "Insufficient memory" in result.status


def test_a_deployment_without_pods_reports_its_own_condition() -> None:
    body = deployment()
    body["status"]["conditions"] = [{"type": "Progressing", "status": "True",
                                     "message": "ReplicaSet \"zeppelin-server-7d9c\" is "
                                                "progressing."}]
    result = explain(body, [], {}, [], NOW)
    assert result.status.startswith("0/1 ready: ReplicaSet")


def claim(phase: str = "Pending") -> dict[str, Any]:
    return {"metadata": {"name": "gaia-dr3", "uid": "c-2"},
            "spec": {"volumeName": "gaia-sandbox-gaia-dr3"}, "status": {"phase": phase}}


def volume(phase: str, claim_uid: str | None) -> dict[str, Any]:
    ref: dict[str, Any] = {"kind": "PersistentVolumeClaim", "namespace": "gaia",
                           "name": "gaia-dr3"}
    if claim_uid:
        ref["uid"] = claim_uid
    return {"metadata": {"name": "gaia-sandbox-gaia-dr3"},
            "spec": {"claimRef": ref}, "status": {"phase": phase}}


def test_a_bound_claim_is_done() -> None:
    assert explain_claim(claim("Bound"), None, []).ready


def test_a_claim_whose_volume_is_coming_is_waited_for() -> None:
    result = explain_claim(claim(), volume("Available", None), [])
    assert result.hopeless is None and "Available" in result.status


def test_a_claim_whose_volume_was_released_by_an_older_claim_cannot_bind() -> None:
    # The claim was deleted and made again: the volume still names the old claim's uid.
    result = explain_claim(claim(), volume("Released", "c-1"), [])
    assert result.hopeless is not None
    assert "Released" in result.hopeless and "c-1" in result.hopeless


def test_a_claim_naming_a_missing_volume_cannot_bind() -> None:
    result = explain_claim(claim(), None, [])
    assert result.hopeless is not None and "does not exist" in result.hopeless
