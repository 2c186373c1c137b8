"""The Kubernetes Node objects that stand for an emulated Magnum cluster's servers.

When the sandbox has a real control plane (``config.kube``), each emulated cluster is that
control plane, and its node groups become fake (kwok-managed) Nodes in the apiserver: one per
master and per worker, named ``<cluster>-<nodegroup>-<i>``, labelled as Magnum's drivers label
them (role, node group, instance type) and tagged with the cluster's uuid so that a sync only
ever touches its own cluster's Nodes. Nothing here raises anything but KubeError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import requests

from ..config import KubeTarget

CLUSTER_LABEL = "gaia-platform/sandbox-cluster"
NODEGROUP_LABEL = "magnum.openstack.org/nodegroup"
ROLE_LABEL = "magnum.openstack.org/role"
CONTROL_PLANE = "node-role.kubernetes.io/control-plane"
KWOK_ANNOTATION = "kwok.x-k8s.io/node"
EXTRA_LABELS_ANNOTATION = "gaia-platform/sandbox-node-labels"
CAPACITY = {"cpu": "8", "memory": "32Gi", "pods": "110"}
TIMEOUT = (3.0, 10.0)  # connect, read: the sync runs under the emulator's store lock


class KubeError(Exception):
    """The apiserver could not be reached or refused a change."""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    role: str  # "master" or "worker"
    nodegroup: str
    flavor: str | None
    address: str
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[tuple[str, str, str], ...] = ()  # (key, value, effect)


def node_name(cluster_name: str, nodegroup: str, index: int) -> str:
    """A DNS-1123 subdomain: lowercase, only [a-z0-9.-], starting and ending alphanumeric."""
    raw = f"{cluster_name}-{nodegroup}-{index}".lower()
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", raw)
    return cleaned.strip("-.")[:253].rstrip("-.")


def manifest(spec: NodeSpec, cluster_uuid: str) -> dict[str, Any]:
    labels = {
        "type": "kwok",
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        NODEGROUP_LABEL: spec.nodegroup,
        ROLE_LABEL: spec.role,
        CLUSTER_LABEL: cluster_uuid,
        **spec.labels,
    }
    if spec.flavor:
        labels["node.kubernetes.io/instance-type"] = spec.flavor
    taints = [{"key": k, "value": v, "effect": e} if v else {"key": k, "effect": e}
              for k, v, e in spec.taints]
    if spec.role == "master":
        labels[CONTROL_PLANE] = ""
        taints.insert(0, {"key": CONTROL_PLANE, "effect": "NoSchedule"})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": labels,
            "annotations": {KWOK_ANNOTATION: "fake",
                            "node.alpha.kubernetes.io/ttl": "0",
                            EXTRA_LABELS_ANNOTATION: ",".join(sorted(spec.labels))},
        },
        "spec": {"taints": taints},
        "status": {
            "allocatable": dict(CAPACITY),
            "capacity": dict(CAPACITY),
            "addresses": [{"type": "InternalIP", "address": spec.address},
                          {"type": "Hostname", "address": spec.name}],
            "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux",
                         "kubeletVersion": "fake", "kubeProxyVersion": "fake"},
            "phase": "Running",
        },
    }


class _Api:
    def __init__(self, kube: KubeTarget) -> None:
        self.base = kube.api_address.rstrip("/")
        self.session = requests.Session()
        # Not the environment's CA bundle or proxies: REQUESTS_CA_BUNDLE would otherwise
        # override a session's own ``verify``.
        self.session.trust_env = False
        self.cert = (kube.admin_cert, kube.admin_key)
        self.verify = kube.ca_cert

    def call(self, method: str, path: str, expect: tuple[int, ...] = (200, 201),
             **kwargs: Any) -> tuple[int, Any]:
        url = self.base + path
        try:
            answer = self.session.request(method, url, timeout=TIMEOUT, cert=self.cert,
                                          verify=self.verify, **kwargs)
        except (requests.RequestException, OSError) as exc:
            raise KubeError(f"cannot reach the Kubernetes API server at {self.base}: "
                            f"{exc}") from exc
        if answer.status_code not in expect:
            raise KubeError(f"the Kubernetes API server answered {method} {path} with "
                            f"{answer.status_code}: {answer.text[:300]}")
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, None


MERGE = {"Content-Type": "application/merge-patch+json"}
# The taints Kubernetes itself manages (not-ready, unreachable, ...): kept when we set ours.
SYSTEM_TAINT_PREFIX = "node.kubernetes.io/"


def _change(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """A merge patch setting our labels, annotations and taints on an existing Node.

    Labels this emulator added earlier from the node group and no longer wants are removed
    (the annotation records which they were); Kubernetes' own taints are kept.
    """
    metadata = body["metadata"]
    labels: dict[str, Any] = dict(metadata["labels"])
    annotations = dict(metadata["annotations"])
    taints = list(body["spec"]["taints"])
    if current is not None:
        old = current["metadata"].get("annotations", {}).get(EXTRA_LABELS_ANNOTATION, "")
        for key in filter(None, old.split(",")):
            labels.setdefault(key, None)
        taints += [t for t in current.get("spec", {}).get("taints", []) or []
                   if str(t.get("key", "")).startswith(SYSTEM_TAINT_PREFIX)]
    return {"metadata": {"labels": labels, "annotations": annotations},
            "spec": {"taints": taints}}


def sync(kube: KubeTarget, cluster_uuid: str, wanted: list[NodeSpec]) -> None:
    """Make the cluster's Nodes exactly ``wanted``: create, relabel, delete."""
    api = _Api(kube)
    try:
        _, listing = api.call("GET", "/api/v1/nodes",
                              params={"labelSelector": f"{CLUSTER_LABEL}={cluster_uuid}"})
        existing = {item["metadata"]["name"]: item
                    for item in (listing or {}).get("items", [])}
        for spec in wanted:
            body = manifest(spec, cluster_uuid)
            if spec.name in existing:
                # Labels and taints may have changed (node group edits).
                api.call("PATCH", f"/api/v1/nodes/{spec.name}",
                         json=_change(body, existing[spec.name]), headers=MERGE)
                continue
            status, _ = api.call("POST", "/api/v1/nodes", json=body,
                                 expect=(200, 201, 202, 409))
            if status == 409:
                # A Node of that name exists without our cluster label (left over from an
                # earlier sandbox): claim it.
                _, current = api.call("GET", f"/api/v1/nodes/{spec.name}")
                api.call("PATCH", f"/api/v1/nodes/{spec.name}", json=_change(body, current),
                         headers=MERGE)
            # Capacity lives in the status subresource; set it there too in case the
            # apiserver dropped it on create.
            api.call("PATCH", f"/api/v1/nodes/{spec.name}/status",
                     json={"status": {k: body["status"][k]
                                      for k in ("allocatable", "capacity", "addresses")}},
                     headers=MERGE)
        for name in set(existing) - {spec.name for spec in wanted}:
            api.call("DELETE", f"/api/v1/nodes/{name}", expect=(200, 202, 404))
    finally:
        api.session.close()

