"""How clusters and node groups move from *_IN_PROGRESS to *_COMPLETE or *_FAILED.

As in magnum/conductor/handlers/cluster_conductor.py and nodegroup_conductor.py, plus the
periodic status sync that copies the Cluster API driver's view into Magnum
(magnum_capi_helm/driver.py update_cluster_status; see capi.py):

* create: cluster and both default node groups CREATE_IN_PROGRESS; api_address appears once
  Cluster API has the API load balancer (20% of the build), before any node; as the driver
  syncs each node group from its own Cluster API object, the master group completes first (the
  KubeadmControlPlane is ready at 60% of the build, and reports the Kubernetes version), the
  workers next (their MachineDeployments run at 85%), and the cluster last, once its add-ons
  are deployed: CREATE_COMPLETE with no status_reason (node addresses and the CAPIMonitor's
  health filled in). A node group added once api_address is known turns the build into an
  update (UPDATE_COMPLETE at the end). When an outcome fault is armed the build fails before
  any group is ready: all CREATE_FAILED with the reason, which also shows per node group in
  the cluster's ``faults``, and no api_address;
* update (PATCH node_count, resize, upgrade, node group create/update/delete): the node groups
  concerned carry their own operation; the cluster is UPDATE_IN_PROGRESS until none is left,
  then UPDATE_COMPLETE, or UPDATE_FAILED with the first failure's reason;
* delete: DELETE_IN_PROGRESS, then the cluster and its node groups are gone (404), or
  DELETE_FAILED.

With a real control plane behind the sandbox, the apiserver's Nodes are made to match before a
cluster reports *_COMPLETE; if that fails the operation fails with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..store import Record
from . import capi, kubenodes

if TYPE_CHECKING:
    from .models import MagnumBackend



# -- nodes ---------------------------------------------------------------------------------
def _address(cluster: Record) -> str:
    """Fake fixed-network addresses, 10.0.0.3 upwards, one per server of the cluster."""
    number = int(cluster.get("_next_ip", 0))
    cluster["_next_ip"] = number + 1
    return f"10.0.{number // 250}.{number % 250 + 3}"


def realize(cluster: Record, group: Record) -> None:
    """Give the node group exactly ``node_count`` servers: the newest go first (the Cluster
    API driver ignores nodes_to_remove, capi.py); new servers take the lowest free index."""
    nodes: list[dict[str, str]] = list(group.get("_nodes", []))
    group.pop("_remove", None)
    target = int(group["node_count"])
    nodes = nodes[:target]
    used = {n["name"] for n in nodes}
    index = 0
    while len(nodes) < target:
        name = kubenodes.node_name(cluster["name"], group["name"], index)
        index += 1
        if name not in used:
            nodes.append({"name": name, "address": _address(cluster)})
            used.add(name)
    group["_nodes"] = nodes


def node_specs(backend: MagnumBackend, cluster: Record) -> list[kubenodes.NodeSpec]:
    specs = []
    for group in backend.cluster_nodegroups(cluster["uuid"]):
        taints = tuple((t.get("key", ""), t.get("value", ""), t.get("effect", ""))
                       for t in group.get("node_taints") or [])
        for node in group.get("_nodes", []):
            specs.append(kubenodes.NodeSpec(
                name=node["name"], role=group["role"], nodegroup=group["name"],
                flavor=group.get("flavor_id"), address=node["address"],
                labels=dict(group.get("node_labels") or {}), taints=taints,
            ))
    return specs


def _sync_nodes(backend: MagnumBackend, cluster: Record, gone: bool = False) -> str | None:
    """Mirror the cluster's servers as apiserver Nodes; the failure reason, if any."""
    kube = backend.state.config.kube
    if kube is None:
        return None
    wanted = [] if gone else node_specs(backend, cluster)
    # No CSI driver is registered: Magnum's Cluster API driver installs no Manila CSI plug-in
    # (magnum_capi_helm has no label for it; capi-helm-charts leaves it off), so deploy does.
    try:
        kubenodes.sync(kube, cluster["uuid"], wanted)
    except kubenodes.KubeError as exc:
        return f"Could not register the cluster's nodes with the Kubernetes API server: {exc}"
    return None


def _healthy(backend: MagnumBackend, cluster: Record) -> None:
    # magnum_capi_helm/common/capi_monitor.py: health from the Cluster API resources, one
    # "Ready" per kind, never per node.
    cluster["health_status"] = "HEALTHY"
    cluster["health_status_reason"] = capi.health_reason()


def _coe_version(backend: MagnumBackend, template: Record) -> str | None:
    """The Kubernetes version the template's image gives (capi.py); None if it gives none."""
    image = _image(backend, template)
    try:
        return capi.coe_version(image) if image is not None else None
    except capi.DriverRefused:
        return None


def _image(backend: MagnumBackend, template: Record) -> Record | None:
    glance = backend.state.backends["glance"]
    ref = template.get("image_id")
    found = glance.images.get(ref)
    if found is None:
        found = next((i for i in glance.images.values() if i.get("name") == ref), None)
    return dict(found) if found is not None else None


def _api_address(cluster: Record, kube_address: str | None) -> str:
    """The sandbox's apiserver, or else a fake address for the API load balancer the driver
    always builds (capi.py), on the cluster's network before its nodes."""
    if kube_address is not None:
        return kube_address
    return f"https://{_address(cluster)}:6443"


def _find_api_address(backend: MagnumBackend, cluster: Record) -> bool:
    """magnum_capi_helm/driver.py _update_cluster_api_address (1.4.0): as soon as the Cluster
    API Cluster has spec.controlPlaneEndpoint, while the cluster is being created or updated,
    the driver saves it as ``https://host:port`` "so users can get their coe credentials"
    (update_cluster_status) before the create completes. True if it was set now."""
    if cluster.get("api_address"):
        return False
    kube = backend.state.config.kube
    cluster["api_address"] = _api_address(cluster, kube.api_address if kube else None)
    return True


def _end(record: Record) -> None:
    for key in ("_op", "_due", "_fail", "_since"):
        record.pop(key, None)


# -- a create under way ---------------------------------------------------------------------
# When, as a fraction of the build, the driver sees each kind of node group ready
# (magnum_capi_helm/driver.py _update_control_plane_nodegroup_status,
# _update_worker_nodegroup_status); the cluster itself waits for its add-ons too.
GROUP_READY_AT = {"master": 0.6, "worker": 0.85}
# When the OpenStackCluster's API load balancer is up and Cluster API copies its address into
# the Cluster's controlPlaneEndpoint: with the infrastructure, before any machine.
API_ADDRESS_AT = 0.2


def _progress_create(backend: MagnumBackend, cluster: Record, now: float) -> bool:
    if cluster.get("_fail") or "_since" not in cluster:
        return False
    span = max(float(cluster["_due"]) - float(cluster["_since"]), 1e-9)
    done = (now - float(cluster["_since"])) / span
    changed = done >= API_ADDRESS_AT and _find_api_address(backend, cluster)
    for group in backend.cluster_nodegroups(cluster["uuid"]):
        ready_at = GROUP_READY_AT.get(group["role"], GROUP_READY_AT["worker"])
        if group["status"] == "CREATE_IN_PROGRESS" and done >= ready_at:
            realize(cluster, group)
            group.update(status="CREATE_COMPLETE", updated_at=backend.stamp())
            if group["role"] == "master":
                template = backend.templates.get(cluster["cluster_template_id"], {})
                cluster["coe_version"] = _coe_version(backend, template)
            changed = True
    return changed


# -- finishing operations ----------------------------------------------------------------
def _finish_create(backend: MagnumBackend, cluster: Record) -> None:
    groups = backend.cluster_nodegroups(cluster["uuid"])
    reason = cluster.get("_fail")
    if reason is None:
        for group in groups:
            if group["status"] != "CREATE_COMPLETE":
                realize(cluster, group)
        reason = _sync_nodes(backend, cluster)
    outcome = "CREATE_FAILED" if reason else "CREATE_COMPLETE"
    for group in groups:
        group["status"] = outcome
        group["status_reason"] = reason
        group["updated_at"] = backend.stamp()
        if reason:
            group["_nodes"] = []
    cluster["status"] = outcome
    # The conductor set status_reason to None; the Cluster API driver never writes one on
    # success (update_cluster_status), so a failure's reason is the only one there is.
    cluster["status_reason"] = reason or None
    if not reason:
        _find_api_address(backend, cluster)
        template = backend.templates.get(cluster["cluster_template_id"], {})
        cluster["coe_version"] = _coe_version(backend, template)
        _healthy(backend, cluster)
    cluster["updated_at"] = backend.stamp()
    _end(cluster)


def _finish_delete(backend: MagnumBackend, cluster: Record) -> None:
    reason = cluster.get("_fail") or _sync_nodes(backend, cluster, gone=True)
    groups = backend.cluster_nodegroups(cluster["uuid"])
    if reason is None:
        for group in groups:
            del backend.nodegroups[group["uuid"]]
        del backend.clusters[cluster["uuid"]]
        return
    for group in groups:
        _end(group)
        group["status"] = "DELETE_FAILED"
        group["status_reason"] = reason
    cluster["status"] = "DELETE_FAILED"
    cluster["status_reason"] = reason
    cluster["updated_at"] = backend.stamp()
    _end(cluster)


def _finish_group(backend: MagnumBackend, cluster: Record, group: Record) -> None:
    operation, reason = group["_op"], group.get("_fail")
    _end(group)
    group["updated_at"] = backend.stamp()
    if reason:
        group["status"] = f"{operation.upper()}_FAILED"
        group["status_reason"] = reason
        group.pop("_remove", None)
        group.pop("_upgrade_to", None)
        cluster.setdefault("_fail", reason)
        return
    if operation == "delete":
        del backend.nodegroups[group["uuid"]]
        return
    realize(cluster, group)
    if operation == "create" and group["role"] == "master":  # a build turned update
        template = backend.templates.get(cluster["cluster_template_id"], {})
        cluster["coe_version"] = _coe_version(backend, template)
    target = group.pop("_upgrade_to", None)
    if target and target in backend.templates:
        _upgrade(backend, cluster, group, backend.templates[target])
    group["status"] = f"{operation.upper()}_COMPLETE"
    group["status_reason"] = None


def _upgrade(backend: MagnumBackend, cluster: Record, group: Record, template: Record) -> None:
    """Upgrading moves the cluster to the template, and so to its image's kube_version
    (magnum_capi_helm/driver.py upgrade_cluster; the KubeadmControlPlane reports it)."""
    version = _coe_version(backend, template)
    group["version"] = version
    group["image_id"] = template["image_id"]
    if group.get("is_default"):
        cluster["cluster_template_id"] = template["uuid"]
        cluster["coe_version"] = version


def _finish_update(backend: MagnumBackend, cluster: Record) -> None:
    reason = cluster.get("_fail")
    sync_failure = _sync_nodes(backend, cluster)
    reason = reason or sync_failure
    cluster["status"] = "UPDATE_FAILED" if reason else "UPDATE_COMPLETE"
    cluster["status_reason"] = reason or None
    if not reason:
        _healthy(backend, cluster)
    cluster["updated_at"] = backend.stamp()
    _end(cluster)


def advance(backend: MagnumBackend, now: float) -> bool:
    changed = False
    for cluster in list(backend.clusters.values()):
        operation = cluster.get("_op")
        if operation in ("create", "delete"):
            if cluster["_due"] <= now:
                (_finish_create if operation == "create" else _finish_delete)(backend, cluster)
                changed = True
            elif operation == "create":
                changed = _progress_create(backend, cluster, now) or changed
            continue
        if operation != "update":
            continue
        pending = [g for g in backend.cluster_nodegroups(cluster["uuid"]) if g.get("_op")]
        for group in pending:
            if group["_due"] <= now:
                _finish_group(backend, cluster, group)
                changed = True
        if not any(g.get("_op") for g in backend.cluster_nodegroups(cluster["uuid"])):
            _finish_update(backend, cluster)
            changed = True
    return changed


# -- starting operations ------------------------------------------------------------------
def start_group_operation(
    backend: MagnumBackend, cluster: Record, group: Record, operation: str, fault: str
) -> bool:
    """Begin a node group operation (create/update/delete); the cluster goes UPDATE_IN_PROGRESS.

    ``fault`` names the outcome-fault operation and the duration, e.g. magnum.cluster.update.
    Nothing starts on a cluster being deleted (the driver's stack is going away): False.
    """
    if cluster.get("_op") == "delete":
        return False
    if cluster.get("_op") == "create":
        _create_becomes_update(backend, cluster)
    now = backend.state.now()
    due = now + backend.duration(fault)
    if group.get("_op"):
        due = max(due, float(group["_due"]))
    group["_op"] = operation
    group["_due"] = due
    failure = backend.take_failure(fault)
    if failure:
        group["_fail"] = failure
    group["status"] = f"{operation.upper()}_IN_PROGRESS"
    group["status_reason"] = None
    cluster["status"] = "UPDATE_IN_PROGRESS"
    cluster["status_reason"] = None
    cluster["_op"] = "update"
    cluster["updated_at"] = backend.stamp()
    return True


def _create_becomes_update(backend: MagnumBackend, cluster: Record) -> None:
    """A node group added while the cluster builds (allowed once api_address is known:
    magnum/api/controllers/v1/nodegroup.py post) makes the conductor set the cluster
    UPDATE_IN_PROGRESS (nodegroup_conductor.py nodegroup_create); the driver still completes
    the default groups from their Cluster API objects, and the cluster, now an update, ends
    UPDATE_COMPLETE (driver.py update_cluster_status, _update_status_updating)."""
    since, due = float(cluster["_since"]), float(cluster["_due"])
    for group in backend.cluster_nodegroups(cluster["uuid"]):
        if group["status"] == "CREATE_IN_PROGRESS" and not group.get("_op"):
            ready_at = GROUP_READY_AT.get(group["role"], GROUP_READY_AT["worker"])
            group["_op"] = "create"
            group["_due"] = since + (due - since) * ready_at
