"""Node groups (microversion 1.9 and later): list, show, create, update, delete.

https://docs.openstack.org/api-ref/container-infrastructure-management/ (node groups) and
magnum/api/controllers/v1/nodegroup.py; the state check is nodegroup_conductor.py's. Every
cluster has ``default-master`` and ``default-worker``, which cannot be deleted. A node group can
only be added once the cluster has an API address; masters cannot be added. Invalid sizes or
Kubernetes node labels/taints are 409s (NodeGroupInvalidInput is a Conflict in Magnum).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..nova import flavors as nova_flavors
from ..store import Record, public
from . import capi, lifecycle, patching
from .validation import Field, check, parse_body

if TYPE_CHECKING:
    from .models import MagnumBackend

_TEXT = Field("string", 1, 255)
FIELDS: dict[str, Field] = {
    "name": Field("string", 1, 255, mandatory=True),
    "docker_volume_size": Field("integer", 1),
    "labels": Field("labels"),
    "flavor_id": _TEXT,
    "image_id": _TEXT,
    "node_count": Field("integer", 0),
    "role": _TEXT,
    "min_node_count": Field("integer", 0),
    "max_node_count": Field("integer", 0),
    "merge_labels": Field("boolean"),
    "node_labels": Field("string_map"),
    "node_taints": Field("taints"),
}
OUTPUT_ONLY = frozenset({"id", "uuid", "cluster_id", "project_id", "links", "node_addresses",
                         "is_default", "stack_id", "status", "status_reason", "version",
                         "labels_overridden", "labels_added", "labels_skipped", "created_at",
                         "updated_at"})
SUMMARY = ("uuid", "name", "flavor_id", "node_count", "role", "is_default", "image_id",
           "status", "stack_id")
# NodeGroupPatchType: everything but the sizes bounds and the Kubernetes labels/taints.
PATCH_INTERNAL = ("/name", "/cluster_id", "/project_id", "/docker_volume_size", "/labels",
                  "/flavor_id", "/image_id", "/node_addresses", "/node_count", "/role",
                  "/is_default", "/stack_id", "/status", "/status_reason", "/version")
ALLOWED_STATES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_FAILED",
                  "RESUME_COMPLETE", "RESTORE_COMPLETE", "ROLLBACK_COMPLETE",
                  "SNAPSHOT_COMPLETE", "CHECK_COMPLETE", "ADOPT_COMPLETE")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")
KUBELET_LABELS = (
    "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os",
    "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/arch", "kubernetes.io/hostname", "kubernetes.io/os",
    "node.kubernetes.io/instance-type", "node.kubernetes.io/windows-build",
    "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
)


def _invalid(group: Record, attr: str, why: str) -> ApiError:
    return ApiError(409, f"{attr} for {group['name']} is invalid ({why}).")


def _check_counts(group: Record) -> None:
    low, high, count = int(group["min_node_count"]), group["max_node_count"], group["node_count"]
    if high:
        if high < low:
            raise _invalid(group, "max_node_count", f"min_node_count ({low}) should be less or "
                                                    f"equal to max_node_count ({high})")
        if count > high:
            raise _invalid(group, "max_node_count", f"node_count ({count}) should be less or "
                                                    f"equal to max_node_count ({high})")
    if low > count:
        raise _invalid(group, "min_node_count", f"min_node_count ({low}) should be less or "
                                                f"equal to node_count ({count})")


def _restricted(key: str) -> bool:
    prefix, slash, _ = key.partition("/")
    if not slash:
        return False
    return (prefix in ("kubernetes.io", "k8s.io") or prefix.endswith(".kubernetes.io")
            or prefix.endswith(".k8s.io"))


def _check_kubernetes_fields(group: Record) -> None:
    """node_labels/node_taints (1.14): kubelet-acceptable labels, well-formed taints, and
    none of either on masters."""
    if group["role"] == "master":
        for attr in ("node_labels", "node_taints"):
            if group.get(attr):
                raise _invalid(group, attr, f"{attr} may not be set on master nodegroups")
    for key in group.get("node_labels") or {}:
        if (_restricted(key) and key.split("/", 1)[0] not in KUBELET_LABEL_NAMESPACES
                and key not in KUBELET_LABELS):
            raise _invalid(group, "node_labels", f"node label '{key}' is in a restricted "
                                                 "Kubernetes namespace; the kubelet will "
                                                 "refuse to start")
    for index, taint in enumerate(group.get("node_taints") or []):
        unknown = sorted(set(taint) - {"key", "value", "effect"})
        if unknown:
            raise _invalid(group, "node_taints", f"node_taints[{index}] contains "
                                                 f"unrecognised field(s) {', '.join(unknown)}")
        if not taint.get("key"):
            raise _invalid(group, "node_taints", f"node_taints[{index}].key is required")
        if taint.get("effect") not in TAINT_EFFECTS:
            raise _invalid(group, "node_taints", f"node_taints[{index}].effect must be one of "
                                                 f"{', '.join(TAINT_EFFECTS)}")


def view(backend: MagnumBackend, group: Record, expand: bool = True) -> Record:
    shown = public(group)
    shown["node_addresses"] = [n["address"] for n in group.get("_nodes", [])]
    if not expand:
        return {key: shown[key] for key in SUMMARY}
    cluster = backend.clusters.get(group["cluster_id"], {})
    parent = cluster.get("labels") or {}
    labels = group.get("labels") or {}
    shown["labels_overridden"] = {k: parent[k] for k, v in labels.items()
                                  if k in parent and parent[k] != v}
    shown["labels_added"] = {k: v for k, v in labels.items() if k not in parent}
    shown["labels_skipped"] = {k: v for k, v in parent.items() if k not in labels}
    shown["links"] = backend.links(f"clusters/{group['cluster_id']}",
                                   f"nodegroups/{group['uuid']}")
    return shown


def create(backend: MagnumBackend, cluster: Record, body: Any) -> Record:
    values = parse_body(body, "nodegroup", FIELDS, OUTPUT_ONLY)
    if not cluster.get("api_address"):
        raise ApiError(409, "Cluster API address is not available yet")
    if any(g["name"] == values["name"] for g in backend.cluster_nodegroups(cluster["uuid"])):
        raise ApiError(409, f"A node group with name {values['name']} already exists in the "
                            f"cluster {cluster['name']}.")
    template = backend.templates.get(cluster["cluster_template_id"], {})
    labels = values.get("labels")
    if labels is None:
        labels = dict(cluster["labels"] or {})
    elif values.get("merge_labels"):
        labels = {**(cluster["labels"] or {}), **labels}
    group: Record = {
        "id": backend.next_id("nodegroup"),
        "uuid": backend.new_uuid(),
        "name": values["name"],
        "cluster_id": cluster["uuid"],
        "project_id": cluster["project_id"],
        "docker_volume_size": values.get("docker_volume_size"),
        "labels": labels,
        "flavor_id": values.get("flavor_id") or cluster["flavor_id"],
        "image_id": values.get("image_id") or template.get("image_id"),
        "node_count": values.get("node_count", 1),
        "role": values.get("role", "worker"),
        "max_node_count": values.get("max_node_count"),
        "min_node_count": values.get("min_node_count", 0),
        "is_default": False,
        "stack_id": cluster["stack_id"],
        "status": None,
        "status_reason": None,
        "version": None,
        "node_labels": values.get("node_labels"),
        "node_taints": values.get("node_taints"),
        "created_at": backend.stamp(),
        "updated_at": None,
        "_nodes": [],
    }
    _check_counts(group)
    _check_kubernetes_fields(group)
    if group["role"] == "master":
        raise ApiError(400, "Creating master nodegroups is currently not supported.")
    backend.nodegroups[group["uuid"]] = group
    if cluster.get("_op") == "delete":
        del backend.nodegroups[group["uuid"]]
        return group
    try:
        _driver_checks(cluster, template, group)
    except capi.DriverRefused as refusal:
        # nodegroup_conductor.py nodegroup_create: the driver's exception fails the node group
        # with its text and leaves the cluster UPDATE_FAILED (after the API's 202).
        group.update(status="CREATE_FAILED", status_reason=str(refusal))
        cluster.update(status="UPDATE_FAILED", updated_at=backend.stamp())
        return group
    lifecycle.start_group_operation(backend, cluster, group, "create", "magnum.nodegroup.create")
    return group


def _driver_checks(cluster: Record, template: Record, group: Record) -> None:
    """magnum_capi_helm/driver.py create_nodegroup/update_nodegroup: the flavor, and the node
    counts when the cluster autoscales."""
    ref = group["flavor_id"]
    flavor = next((f for f in nova_flavors.FLAVORS.values() if ref in (f["id"], f["name"])),
                  None)
    capi.check_flavor(flavor, ref)
    labels = {**(template.get("labels") or {}), **(cluster.get("labels") or {})}
    if capi.label_bool(labels, "auto_scaling_enabled", False):
        capi.check_node_counts(labels, group, bool(group["is_default"]))


def update(backend: MagnumBackend, cluster: Record, group: Record, patch: Any) -> Record:
    """The 202 answer shows the patched group even if the conductor then refuses it."""
    operations = patching.check_operations(patch, PATCH_INTERNAL, frozenset())
    document = {k: v for k, v in public(group).items()}
    patched = patching.apply(document, operations)
    for name in ("min_node_count", "max_node_count", "node_labels", "node_taints"):
        if patched.get(name) is not None:
            patched[name] = check(name, FIELDS[name], patched[name])
    if patched.get("min_node_count") is None:
        patched["min_node_count"] = 0
    _check_counts(patched)
    _check_kubernetes_fields(patched)
    if group["status"] not in ALLOWED_STATES:
        return patched
    group.update({k: patched[k] for k in ("min_node_count", "max_node_count", "node_labels",
                                          "node_taints")})
    try:
        _driver_checks(cluster, backend.templates.get(cluster["cluster_template_id"], {}), group)
    except capi.DriverRefused as refusal:
        # nodegroup_conductor.py nodegroup_update: as for create, UPDATE_FAILED with the text.
        group.update(status="UPDATE_FAILED", status_reason=str(refusal))
        cluster.update(status="UPDATE_FAILED", updated_at=backend.stamp())
        return group
    lifecycle.start_group_operation(backend, cluster, group, "update", "magnum.nodegroup.update")
    return group


def delete(backend: MagnumBackend, cluster: Record, group: Record) -> None:
    if group["is_default"]:
        raise ApiError(400, "Deleting a default nodegroup is not supported.")
    lifecycle.start_group_operation(backend, cluster, group, "delete", "magnum.nodegroup.delete")
