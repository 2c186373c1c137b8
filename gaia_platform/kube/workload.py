"""Why a Deployment is not ready yet, and whether waiting longer can help.

A wait that only says "0/1 ready" for fifteen minutes tells the operator nothing. This module
reads what Kubernetes itself records — the Deployment, its pods' phases and conditions, their
containers' waiting reasons, their nodes' Ready condition and the recent events about them — and
turns it into one line of status and, when the cause cannot go away on its own, a reason to stop.

`explain` is pure (plain dicts as the API serves them, so tests feed it recorded answers);
`observe` is the thin reader that fetches those dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Container waiting reasons that a wait cannot outlast: the kubelet reports them while it keeps
# retrying something that will fail the same way (kubernetes pkg/kubelet/images/types.go for the
# image errors, pkg/kubelet/kuberuntime for CreateContainerConfigError, CrashLoopBackOff).
HOPELESS_WAITING = {
    "ErrImagePull": "its image cannot be pulled",
    "ImagePullBackOff": "its image cannot be pulled",
    "InvalidImageName": "its image name is invalid",
    "ErrImageNeverPull": "its image is not on the node and the pull policy is Never",
    "CreateContainerConfigError": "its configuration refers to something missing",
    "CrashLoopBackOff": "it keeps crashing",
}
# A pod that runs on a Ready node but stays not Ready this long is failing its readiness probe
# (or waiting on something that will not come); nothing changes that but a fix.
NOT_READY_GRACE = 300.0


@dataclass(frozen=True)
class Explanation:
    ready: bool
    status: str
    #: Set when waiting longer cannot help: what is wrong, in the cluster's own words.
    hopeless: str | None = None


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return dict(condition)
    return None


def _node_ready(node: dict[str, Any] | None) -> bool | None:
    if node is None:
        return None
    condition = _condition(node, "Ready")
    return None if condition is None else condition.get("status") == "True"


def _latest_event(events: list[dict[str, Any]], name: str) -> str | None:
    mine = [e for e in events if (e.get("involvedObject") or {}).get("name") == name]
    if not mine:
        return None

    def when(event: dict[str, Any]) -> datetime:
        stamp = _time(event.get("lastTimestamp")) or _time(event.get("eventTime"))
        return stamp or datetime.min.replace(tzinfo=UTC)

    latest = max(mine, key=when)
    return f"{latest.get('reason')}: {latest.get('message', '').strip()}"


def _explain_pod(pod: dict[str, Any], nodes: dict[str, dict[str, Any]],
                 events: list[dict[str, Any]], now: datetime) -> tuple[str, str | None]:
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    phase = status.get("phase", "Unknown")
    node_name = (pod.get("spec") or {}).get("nodeName")
    event = _latest_event(events, name)
    tail = f"; last event {event}" if event else ""
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason")
        if reason in HOPELESS_WAITING:
            detail = waiting.get("message") or event or ""
            return (f"pod {name}: container {container.get('name')} {reason}",
                    f"pod {name} cannot start: container {container.get('name')} is {reason} "
                    f"({HOPELESS_WAITING[reason]}). {detail}".strip())
    if not node_name:
        scheduled = _condition(pod, "PodScheduled") or {}
        why = scheduled.get("message") or scheduled.get("reason") or "not scheduled yet"
        return f"pod {name} {phase}, not on a node: {why}{tail}", None
    node_ready = _node_ready(nodes.get(node_name))
    node_text = {True: "Ready", False: "not Ready", None: "unknown"}[node_ready]
    ready = _condition(pod, "Ready") or {}
    if ready.get("status") == "True":
        return f"pod {name} Ready on node {node_name}", None
    since = _time(ready.get("lastTransitionTime"))
    age = (now - since).total_seconds() if since else 0.0
    why = ready.get("reason") or ready.get("message") or "no Ready condition yet"
    text = (f"pod {name} {phase}, not Ready for {age:.0f}s ({why}); node {node_name} "
            f"{node_text}{tail}")
    if phase == "Running" and node_ready and age > NOT_READY_GRACE:
        return text, (f"pod {name} has been Running but not Ready for {age:.0f} s on node "
                      f"{node_name}, which is Ready: its readiness check keeps failing "
                      f"({why}){tail}. Look at `kubectl logs` and `kubectl describe pod` for it.")
    return text, None


def explain(deployment: dict[str, Any], pods: list[dict[str, Any]],
            nodes: dict[str, dict[str, Any]], events: list[dict[str, Any]],
            now: datetime | None = None) -> Explanation:
    """Status of a Deployment's rollout from the objects Kubernetes serves for it."""
    now = now or datetime.now(UTC)
    spec = deployment.get("spec") or {}
    wanted = spec.get("replicas", 1)
    ready = (deployment.get("status") or {}).get("readyReplicas") or 0
    summary = f"{ready}/{wanted} ready"
    if ready >= max(wanted, 1):
        return Explanation(True, summary)
    live = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
    if not live:
        progressing = _condition(deployment, "Progressing") or {}
        why = progressing.get("message") or "no pod created yet"
        event = _latest_event(events, deployment["metadata"]["name"])
        return Explanation(False, f"{summary}: {why}" + (f"; last event {event}" if event else ""))
    parts, hopeless = [], None
    for pod in live:
        text, stop = _explain_pod(pod, nodes, events, now)
        parts.append(text)
        hopeless = hopeless or stop
    return Explanation(False, f"{summary}: " + "; ".join(parts), hopeless)


def observe(api: Any, namespace: str, name: str) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                          dict[str, dict[str, Any]],
                                                          list[dict[str, Any]]]:
    """Read a Deployment and, only while it is not ready, its pods (by its selector), their
    nodes and the namespace's events: a finished rollout costs one read."""
    from kubernetes import client

    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)

    def plain(obj: Any) -> Any:
        return api.sanitize_for_serialization(obj)

    deployment = plain(apps.read_namespaced_deployment(name, namespace))
    if explain(deployment, [], {}, []).ready:
        return deployment, [], {}, []
    match = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
    pods = plain(core.list_namespaced_pod(namespace, label_selector=selector)).get("items", [])
    from kubernetes.client.exceptions import ApiException

    nodes: dict[str, dict[str, Any]] = {}
    names = {str(n) for p in pods if (n := (p.get("spec") or {}).get("nodeName"))}
    for node_name in sorted(names):
        try:
            nodes[node_name] = plain(core.read_node(node_name))
        except ApiException as exc:
            # A kubeconfig made elsewhere may not read nodes (403): say "unknown", go on.
            if exc.status not in (403, 404):
                raise
    events = plain(core.list_namespaced_event(namespace)).get("items", [])
    return deployment, pods, nodes, events


def volume_going(volume: dict[str, Any]) -> str:
    """What still holds a deleted volume: its phase, the claim it names and its finalizers
    (kubernetes.io/pv-protection stays while a pod or claim still uses it: the pv-protection
    controller, pkg/controller/volume/pvprotection)."""
    phase = (volume.get("status") or {}).get("phase", "Pending")
    ref = (volume.get("spec") or {}).get("claimRef") or {}
    holders = (volume.get("metadata") or {}).get("finalizers") or []
    claim = f", claim {ref.get('namespace')}/{ref.get('name')}" if ref else ""
    held = f", held by finalizer {', '.join(holders)}" if holders else ""
    return f"{phase}{claim}{held}"


def explain_claim(claim: dict[str, Any], volume: dict[str, Any] | None,
                  events: list[dict[str, Any]]) -> Explanation:
    """Status of a claim pre-bound to a static volume (spec.volumeName), from both objects.

    The PV controller (pkg/controller/volume/persistentvolume/pv_controller.go) binds such a
    pair within a sync; if the volume is missing, or already Bound to or Released by another
    claim, it keeps the claim Pending for ever, so the wait stops with that reason."""
    name = claim["metadata"]["name"]
    phase = (claim.get("status") or {}).get("phase", "Pending")
    if phase == "Bound":
        return Explanation(True, "Bound")
    volume_name = (claim.get("spec") or {}).get("volumeName")
    event = _latest_event(events, name)
    tail = f"; last event {event}" if event else ""
    if volume_name and volume is None:
        return Explanation(False, f"{phase}: volume {volume_name} is missing{tail}",
                           f"claim {name} names volume {volume_name}, which does not exist")
    if volume is not None:
        volume_phase = (volume.get("status") or {}).get("phase")
        ref = (volume.get("spec") or {}).get("claimRef") or {}
        mine = ref.get("name") == name and ref.get("uid") in (None, claim["metadata"].get("uid"))
        if volume_phase in ("Released", "Failed") or (volume_phase == "Bound" and not mine):
            holder = f"{ref.get('namespace')}/{ref.get('name')}" if ref else "another claim"
            return Explanation(
                False, f"{phase}: volume {volume_name} is {volume_phase} ({holder}){tail}",
                f"claim {name} cannot bind: its volume {volume_name} is {volume_phase} and held "
                f"by {holder} (uid {ref.get('uid')}). Delete and re-create the volume, or "
                f"clear its claimRef, to let it bind.")
        return Explanation(False, f"{phase}, volume {volume_name} {volume_phase}{tail}")
    return Explanation(False, f"{phase}{tail}")
