"""Clusters: create, show, update (JSON patch), resize, upgrade, delete.

https://docs.openstack.org/api-ref/container-infrastructure-management/#manage-cluster and
magnum/api/controllers/v1/cluster.py, cluster_actions.py; the state checks are the conductor's
(magnum/conductor/handlers/cluster_conductor.py). Updates and resizes are RPC *casts* there: the
API answers 202 first, and a conductor that refuses (the cluster is not in a state that allows
it) only logs, so the cluster stays as it was. Upgrade is an RPC call, so its refusal is a 400.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import pki
from ..http import ApiError
from ..nova import flavors as nova_flavors
from ..store import Record, public
from . import attr_validator, capi, lifecycle, patching
from .templates import generated_name
from .validation import Field, check, parse_body
from .versions import at_least

if TYPE_CHECKING:
    from .models import MagnumBackend

_TEXT = Field("string", 1, 255)
FIELDS: dict[str, Field] = {
    "name": Field("string", 1, 242, pattern=r"^[a-zA-Z][a-zA-Z0-9_.-]*$"),
    "cluster_template_id": Field("string", mandatory=True),
    "keypair": _TEXT,
    "node_count": Field("integer", 0),
    "master_count": Field("integer", 1),
    "docker_volume_size": Field("integer", 1),
    "labels": Field("labels"),
    "master_flavor_id": _TEXT,
    "flavor_id": _TEXT,
    "create_timeout": Field("integer", 0),
    "discovery_url": Field("string"),
    "fixed_network": _TEXT,
    "fixed_subnet": _TEXT,
    "floating_ip_enabled": Field("boolean"),
    "merge_labels": Field("boolean"),
    "master_lb_enabled": Field("boolean"),
}
# Output-only attributes of the Cluster type: accepted in a body, never used.
OUTPUT_ONLY = frozenset({
    "uuid", "links", "stack_id", "cluster_id", "status", "status_reason", "health_status",
    "health_status_reason", "api_address", "coe_version", "container_version", "project_id",
    "user_id", "node_addresses", "master_addresses", "faults", "labels_overridden",
    "labels_added", "labels_skipped", "created_at", "updated_at",
})
SUMMARY = ("uuid", "name", "cluster_template_id", "keypair", "docker_volume_size", "labels",
           "node_count", "status", "master_flavor_id", "flavor_id", "create_timeout",
           "master_count", "health_status")
# ClusterPatchType's internal attributes; only these three may change (validation.py).
PATCH_INTERNAL = ("/api_address", "/node_addresses", "/master_addresses", "/stack_id",
                  "/cluster_id", "/ca_cert_ref", "/magnum_cert_ref", "/etcd_ca_cert_ref",
                  "/front_proxy_ca_cert_ref")
UPDATABLE = {"node_count", "health_status", "health_status_reason"}
# The conductor's allow_update_status; resize also accepts UPDATE_FAILED/UPDATE_IN_PROGRESS.
UPDATE_OK = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "RESUME_COMPLETE", "RESTORE_COMPLETE",
             "ROLLBACK_COMPLETE", "SNAPSHOT_COMPLETE", "CHECK_COMPLETE", "ADOPT_COMPLETE")
RESIZE_OK = (*UPDATE_OK, "UPDATE_FAILED", "UPDATE_IN_PROGRESS")
HEALTH = ("HEALTHY", "UNHEALTHY", "UNKNOWN")
DEFAULT_CLUSTER_LIMIT = 20  # [quotas] max_clusters_per_project
ZERO_NODES = ("Resizing a nodegroup to zero is not supported in the provided microversion.")


def _labels_diff(parent: dict[str, str], labels: dict[str, str]) -> tuple[dict[str, str], ...]:
    """magnum/api/utils.py get_labels_diff: overridden shows the *parent's* value."""
    overridden = {k: parent[k] for k, v in labels.items() if k in parent and parent[k] != v}
    added = {k: v for k, v in labels.items() if k not in parent}
    skipped = {k: v for k, v in parent.items() if k not in labels}
    return overridden, added, skipped


def _template(backend: MagnumBackend, ident: str, project_id: str, microversion: str | None,
              ) -> Record:
    try:
        return backend.template(ident, project_id)
    except ApiError as error:
        # Before 1.10 a missing template is a 400 (ct_not_found_to_bad_request).
        if error.status == 404 and not at_least(microversion, "1.10"):
            raise ApiError(400, error.message) from None
        raise


def _new_group(backend: MagnumBackend, cluster: Record, template: Record, role: str,
               count: int) -> Record:
    """conductor utils._get_nodegroup_object: the default master and worker groups."""
    labels = dict(cluster["labels"])
    group: Record = {
        "id": backend.next_id("nodegroup"),
        "uuid": backend.new_uuid(),
        "name": f"default-{role}",
        "cluster_id": cluster["uuid"],
        "project_id": cluster["project_id"],
        "docker_volume_size": cluster["docker_volume_size"] or template["docker_volume_size"],
        "labels": labels,
        "flavor_id": (cluster["master_flavor_id"] if role == "master"
                      else cluster["flavor_id"]),
        "image_id": template["image_id"],
        "node_count": count,
        "role": role,
        "max_node_count": None,
        "min_node_count": 0,
        "is_default": True,
        "stack_id": cluster["stack_id"],
        "status": "CREATE_IN_PROGRESS",
        "status_reason": None,
        "version": None,
        "node_labels": None,
        "node_taints": None,
        "created_at": backend.stamp(),
        "updated_at": None,
        "_nodes": [],
    }
    if role == "worker" and "min_node_count" in labels:
        group["min_node_count"] = check("min_node_count", Field("integer", 0),
                                        labels["min_node_count"])
    return group


def create(backend: MagnumBackend, token: dict[str, Any], body: Any,
           microversion: str | None, admin: bool) -> Record:
    values = parse_body(body, "cluster", FIELDS, OUTPUT_ONLY)
    project_id = str(token["project"]["id"])
    template = _template(backend, values["cluster_template_id"], project_id, microversion)
    master_count = values.get("master_count", 1)
    node_count = values.get("node_count", 1)
    if master_count % 2 == 0:
        raise ApiError(400, f"master nodegroup size of {master_count} is invalid, size cannot "
                            "be an even number.")
    if node_count == 0 and not at_least(microversion, "1.10"):
        raise ApiError(400, ZERO_NODES)
    limit = backend.state.config.quotas.get("container-infra", {}).get(
        "clusters", DEFAULT_CLUSTER_LIMIT)
    if len(backend.project_clusters(project_id)) >= limit:
        raise ApiError(403, f"Resource limit exceeded: You have reached the maximum clusters "
                            f"per project, {limit}. You may delete a cluster to make room for "
                            "a new one.")
    if template["hidden"] and not admin:
        raise ApiError(403, "Not authorized.")
    # Without merge_labels the given labels replace the template's (cluster.py _post).
    labels = values.get("labels")
    if not labels:
        labels = dict(template["labels"] or {})
    elif values.get("merge_labels"):
        labels = {**(template["labels"] or {}), **labels}
    cluster: Record = {
        "uuid": backend.new_uuid(),
        "name": values.get("name") or generated_name("cluster"),
        "project_id": project_id,
        "user_id": str(token["user"]["id"]),
        "cluster_template_id": template["uuid"],
        "keypair": values.get("keypair") or template["keypair_id"],
        "labels": labels,
        "floating_ip_enabled": values.get("floating_ip_enabled",
                                          template["floating_ip_enabled"]),
        "master_lb_enabled": values.get("master_lb_enabled", template["master_lb_enabled"]),
        "create_timeout": values.get("create_timeout", 60),
        "discovery_url": values.get("discovery_url"),
        "stack_id": None,  # the driver's Helm release name, set by _driver_create
        "status": "CREATE_IN_PROGRESS",
        "status_reason": None,
        "health_status": None,
        "health_status_reason": {},
        "api_address": None,
        "coe_version": None,
        "container_version": None,
        "created_at": backend.stamp(),
        "updated_at": None,
    }
    for key in ("docker_volume_size", "master_flavor_id", "flavor_id", "fixed_network",
                "fixed_subnet"):
        cluster[key] = values.get(key) or template[key]
    # magnum/api/controllers/v1/cluster.py _post: root volume sizes, then attr_validator's
    # validate_os_resources (the cluster's values over the template's) and
    # validate_master_count. All answer before anything is made.
    who = attr_validator.Requester(project_id, str(token["user"]["id"]))
    boot_volume_size = labels.get("boot_volume_size", attr_validator.DEFAULT_BOOT_VOLUME_SIZE)
    attr_validator.check_root_volume(cluster["flavor_id"], boot_volume_size)
    attr_validator.check_root_volume(cluster["master_flavor_id"], boot_volume_size)
    attr_validator.check_os_resources(backend, who, template, {
        **cluster, "image_id": None, "external_network_id": None})
    if master_count > 1 and not cluster["master_lb_enabled"]:
        raise ApiError(400, "master_count must be 1 when master_lb_enabled is False")
    backend.clusters[cluster["uuid"]] = cluster
    groups = []
    for role, count in (("master", master_count), ("worker", node_count)):
        group = _new_group(backend, cluster, template, role, count)
        backend.nodegroups[group["uuid"]] = group
        groups.append(group)
    # What follows is the conductor's cluster_create, after the API has answered 202: the
    # certificates first, then the driver's create_cluster.
    _new_ca(backend, cluster)
    try:
        _driver_create(backend, who, cluster, template, groups)
    except capi.DriverRefused as refusal:
        cluster.update(status="CREATE_FAILED", status_reason=str(refusal),
                       updated_at=backend.stamp())
        return cluster
    _start_create(backend, cluster)
    return cluster


def _driver_create(backend: MagnumBackend, who: attr_validator.Requester, cluster: Record,
                   template: Record, groups: list[Record]) -> None:
    """magnum_capi_helm/driver.py create_cluster: flavors, the release name, then the Helm
    values (image kube_version and os_distro, node group bounds when autoscaling)."""
    for flavor in [cluster["master_flavor_id"], *(g["flavor_id"] for g in groups)]:
        capi.check_flavor(_flavor(flavor), flavor)
    cluster["stack_id"] = capi.release_name(cluster["name"])
    for group in groups:
        group["stack_id"] = cluster["stack_id"]
    image = attr_validator.find_image(backend, who, template["image_id"])
    capi.kube_version(image)
    labels = {**(template["labels"] or {}), **(cluster["labels"] or {})}
    if capi.label_bool(labels, "auto_scaling_enabled", False):
        for group in groups:
            if group["role"] != "master":
                capi.check_node_counts(labels, group, group["is_default"])


def _flavor(ref: str | None) -> dict[str, Any] | None:
    return next((f for f in nova_flavors.FLAVORS.values() if ref in (f["id"], f["name"])),
                None)


def _start_create(backend: MagnumBackend, cluster: Record) -> None:
    # No create_timeout here: the Cluster API driver ignores it (capi.py), so a build that
    # does not converge stays CREATE_IN_PROGRESS rather than failing "Timed out" as Heat did.
    duration = backend.duration("magnum.cluster.create")
    cluster["_op"] = "create"
    cluster["_since"] = backend.state.now()
    cluster["_due"] = cluster["_since"] + duration
    failure = backend.take_failure("magnum.cluster.create")
    if failure:
        cluster["_fail"] = failure


def _new_ca(backend: MagnumBackend, cluster: Record) -> None:
    """The cluster's own CA (cert_manager.generate_certificates_to_cluster, which the
    conductor calls before the driver); with a control plane behind, its CA is used."""
    if backend.state.config.kube is None:
        ca = pki.new_ca(cluster["name"])
        cluster["_ca_cert"] = ca.cert_pem.decode()
        cluster["_ca_key"] = ca.key_pem.decode()


def view(backend: MagnumBackend, cluster: Record, microversion: str | None,
         expand: bool = True, faults: bool = False) -> Record:
    groups = backend.cluster_nodegroups(cluster["uuid"])
    workers = [g for g in groups if g["role"] != "master"]
    masters = [g for g in groups if g["role"] == "master"]
    shown = public(cluster)
    shown["node_count"] = sum(int(g["node_count"]) for g in workers)
    shown["master_count"] = sum(int(g["node_count"]) for g in masters)
    shown["node_addresses"] = [n["address"] for g in workers for n in g.get("_nodes", [])]
    shown["master_addresses"] = [n["address"] for g in masters for n in g.get("_nodes", [])]
    id_key = "cluster_id" if at_least(microversion, "1.13") else "stack_id"
    stack_id = shown.pop("stack_id")
    if not expand:
        shown = {key: shown[key] for key in SUMMARY}
    else:
        template = backend.templates.get(cluster["cluster_template_id"], {})
        overridden, added, skipped = _labels_diff(template.get("labels") or {},
                                                  cluster["labels"] or {})
        shown.update(labels_overridden=overridden, labels_added=added, labels_skipped=skipped)
        if faults and cluster["status"].endswith("FAILED"):
            # ClustersController._collect_fault_info: the failed node groups' reasons.
            shown["faults"] = {g["name"]: g["status_reason"] for g in groups
                               if str(g["status"]).endswith("FAILED")}
    shown[id_key] = stack_id
    shown["links"] = backend.links("clusters", cluster["uuid"])
    return shown


def default_worker(backend: MagnumBackend, cluster: Record) -> Record:
    return next(g for g in backend.cluster_nodegroups(cluster["uuid"])
                if g["is_default"] and g["role"] != "master")


def update(backend: MagnumBackend, cluster: Record, patch: Any,
           microversion: str | None) -> None:
    """PATCH /v1/clusters/{id}: node_count and the health fields may change."""
    operations = patching.check_operations(patch, PATCH_INTERNAL,
                                           frozenset({"/cluster_template_id"}))
    document = {**public(cluster), **{k: v for k, v in view(backend, cluster, "1.1").items()
                                      if k in ("node_count", "master_count")}}
    patched = patching.apply(document, operations)
    if patched.get("node_count") is not None:
        patched["node_count"] = check("node_count", Field("integer", 0), patched["node_count"])
    if patched.get("health_status") is not None:
        patched["health_status"] = check("health_status", Field("choice", choices=HEALTH),
                                         patched["health_status"])
    if patched.get("health_status_reason") is not None:
        patched["health_status_reason"] = check("health_status_reason", Field("labels"),
                                                patched["health_status_reason"])
    delta = {key for key in set(patched) | set(document) if patched.get(key) != document.get(key)}
    refused = delta - UPDATABLE
    if refused:
        raise ApiError(400, f"cannot change cluster property(ies) {', '.join(sorted(refused))}.")
    worker = default_worker(backend, cluster)
    node_count = int(worker["node_count"])
    for operation in operations:
        if operation["path"] == "/node_count":
            node_count = int(patched["node_count"])
    if node_count == 0 and not at_least(microversion, "1.10"):
        raise ApiError(400, ZERO_NODES)
    # What follows is the conductor's cluster_update, after the API has answered 202.
    if cluster["status"] not in UPDATE_OK:
        return
    health = (patched.get("health_status"), patched.get("health_status_reason"))
    if health != (cluster["health_status"], cluster["health_status_reason"]):
        cluster["health_status"], cluster["health_status_reason"] = health
        cluster["updated_at"] = backend.stamp()
    if node_count != int(worker["node_count"]):
        worker["node_count"] = node_count
        lifecycle.start_group_operation(backend, cluster, worker, "update",
                                        "magnum.cluster.update")


def resize(backend: MagnumBackend, cluster: Record, body: Any,
           microversion: str | None) -> None:
    values = parse_body(body, "cluster_resize_req", {
        "node_count": Field("integer", 0, mandatory=True),
        "nodes_to_remove": Field("string_list"),
        "nodegroup": _TEXT,
    })
    node_count = int(values["node_count"])
    if node_count == 0 and not at_least(microversion, "1.10"):
        raise ApiError(400, ZERO_NODES)
    group = (backend.nodegroup(cluster, values["nodegroup"]) if values.get("nodegroup")
             else default_worker(backend, cluster))
    low, high = int(group["min_node_count"]), group["max_node_count"]
    if group["role"] == "master":
        # cluster_actions.py resize: driver.validate_master_resize; the Cluster API driver
        # allows what it allows at create (any odd size), the Heat drivers allowed nothing.
        capi.check_master_size(node_count)
    if low > node_count or (high and int(high) < node_count):
        raise ApiError(400, f"Resizing {group['name']} outside the allowed range: "
                            f"min_node_count = {low}, max_node_count = {high}")
    if cluster["status"] not in RESIZE_OK:
        return  # refused by the conductor after the 202
    group["node_count"] = node_count
    group["_remove"] = values.get("nodes_to_remove") or []
    lifecycle.start_group_operation(backend, cluster, group, "update", "magnum.cluster.update")


def upgrade(backend: MagnumBackend, cluster: Record, body: Any, project_id: str) -> None:
    values = parse_body(body, "cluster_upgrade_req", {
        "max_batch_size": Field("integer", 1),
        "nodegroup": _TEXT,
        "cluster_template": Field("string", 1, 255, mandatory=True),
    })
    template = backend.template(values["cluster_template"], project_id)
    if values.get("nodegroup"):
        group = backend.nodegroup(cluster, values["nodegroup"])
        if template["uuid"] != cluster["cluster_template_id"] and not group["is_default"]:
            current = backend.templates.get(cluster["cluster_template_id"], {}).get("name")
            raise ApiError(409, f"Cluster Template is not valid for upgrade: Nodegroup "
                                f"{group['name']} can be upgraded only to match cluster's "
                                f"template ({current}).")
    else:
        group = default_worker(backend, cluster)
    if cluster["status"] not in UPDATE_OK:
        raise ApiError(400, f'Upgrading a cluster when status is "{cluster["status"]}" is not '
                            "supported.")
    group["_upgrade_to"] = template["uuid"]
    lifecycle.start_group_operation(backend, cluster, group, "update", "magnum.cluster.update")


def delete(backend: MagnumBackend, cluster: Record) -> None:
    """DELETE: the conductor deletes whatever the state; a failed delete can be retried."""
    if cluster.get("_op") == "delete":
        return
    cluster["_op"] = "delete"
    cluster["_due"] = backend.state.now() + backend.duration("magnum.cluster.delete")
    cluster.pop("_fail", None)
    failure = backend.take_failure("magnum.cluster.delete")
    if failure:
        cluster["_fail"] = failure
    cluster["status"] = "DELETE_IN_PROGRESS"
    cluster["status_reason"] = None
    cluster["updated_at"] = backend.stamp()
    for group in backend.cluster_nodegroups(cluster["uuid"]):
        for key in ("_op", "_due", "_fail", "_remove", "_upgrade_to"):
            group.pop(key, None)
        group["status"] = "DELETE_IN_PROGRESS"
        group["status_reason"] = None
