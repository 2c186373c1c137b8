"""What the emulated Magnum's one driver, StackHPC's Cluster API Helm driver, decides.

Source: stackhpc/magnum-capi-helm 1.4.0 (commit a8b82c2, June 2026): magnum_capi_helm/driver.py,
conf.py, driver_utils.py and common/capi_monitor.py. Clouds that run Magnum in 2026 (Arcus
among them) run this driver; the old Heat drivers' behaviours (status reason "Stack CREATE
completed successfully", kube_tag choosing the version, create_timeout failing a build) are
not its behaviours:

* The Kubernetes version comes from the image property ``kube_version`` (_get_kube_version);
  the ``kube_tag`` label is not read. ``os_distro`` must be set as well (_get_os_distro).
* Every node flavor needs at least 2048 MB RAM and 2 vCPUs ([capi_helm] minimum_flavor_ram,
  minimum_flavor_vcpus; _validate_allowed_flavor).
* With ``auto_scaling_enabled`` the node group bounds are checked (_validate_allowed_node_counts).
* These checks run in the conductor after the API has answered 202, so a refusal leaves the
  cluster CREATE_FAILED with the exception text as status_reason and its node groups still
  CREATE_IN_PROGRESS (magnum/conductor/handlers/cluster_conductor.py cluster_create).
* A build that never converges stays *_IN_PROGRESS: the driver has no create timeout
  ("TODO(mkjpryor) Add a timeout", update_cluster_status) and ignores create_timeout.
* Completion leaves status_reason as the conductor set it (None); health comes from the
  CAPIMonitor: HEALTHY with one "Ready" per Cluster API resource kind.
* It always builds an API load balancer ("enableLoadBalancer": True), whatever
  master_lb_enabled says; the API's validate_master_count still applies first.
* ``nodes_to_remove`` on resize is ignored ("Removing specific nodes is not currently
  supported"); the master node group can be resized to any odd size.
* ``stack_id`` is the Helm release name: the sanitized cluster name cut to 30 characters, a
  dash and a 12-character short id (_generate_release_name).
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

from ..http import ApiError
from ..store import Record

DRIVER_NAME = "k8s_capi_helm_v1"  # setup.cfg entry point in magnum.drivers
# Driver.provides: the (server_type, os, coe) triples it builds.
PROVIDES = (("vm", "ubuntu", "kubernetes"), ("vm", "flatcar", "kubernetes"))
MINIMUM_FLAVOR_RAM = 2048  # [capi_helm] minimum_flavor_ram
MINIMUM_FLAVOR_VCPUS = 2  # [capi_helm] minimum_flavor_vcpus
READY = "Ready"  # capi_monitor.MONITOR_STATE_READY
HEALTH_KINDS = ("cluster", "infrastructure", "controlplane", "nodegroup")

# conf.py capi_helm_cluster_labels_opts (names and deprecated names): the only labels the
# driver reads, besides the template-only capi_helm_chart_version. Any other label is stored
# by Magnum and ignored by the driver.
KNOWN_LABELS = frozenset({
    "etcd_blockdevice_size", "etcd_blockdevice_type", "etcd_blockdevice_volume_type",
    "etcd_blockdevice_volume_az", "etcd_volume_size", "etcd_volume_type",
    "monitoring_enabled", "kube_dashboard_enabled", "auto_healing_enabled",
    "auto_scaling_enabled", "min_node_count", "max_node_count", "keystone_auth_enabled",
    "csi_cinder_availability_zone", "csi_cinder_reclaim_policy",
    "csi_cinder_volume_binding_mode", "csi_cinder_fstype", "csi_cinder_allow_volume_expansion",
    "octavia_provider", "octavia_lb_algorithm", "octavia_lb_healthcheck",
    "master_lb_floating_ip_enabled", "fixed_subnet_cidr", "api_master_lb_allowed_cidrs",
    "extra_network_names", "extra_network_name", "boot_volume_type", "boot_volume_size",
    "capi_helm_chart_version",
})
TRUE_WORDS = ("1", "t", "true", "on", "y", "yes")  # oslo strutils.bool_from_string


class DriverRefused(Exception):
    """A MagnumException the driver raises in the conductor; its text becomes the reason."""


def kube_version(image: Record) -> str:
    """_get_kube_version: the image's kube_version without its "v", digits and dots only."""
    raw = image.get("kube_version")
    if not raw:
        raise DriverRefused(f"Image {image['id']} does not have a kube_version property.")
    return re.sub(r"[^0-9.]+", "", str(raw).lstrip("v"))


def coe_version(image: Record) -> str:
    """What Magnum then shows: the KubeadmControlPlane's version, which capi-helm-charts set
    to "v" + kubernetesVersion (openstack-cluster templates/control-plane)."""
    return "v" + kube_version(image)


def check_flavor(flavor: dict[str, Any] | None, requested: str | None) -> None:
    """_validate_allowed_flavor: listed with min_ram, then the vCPU count."""
    if flavor is None or int(flavor["ram"]) < MINIMUM_FLAVOR_RAM:
        raise DriverRefused(f"Flavor {requested} does not have enough RAM to run Kubernetes. "
                            f"Minimum {MINIMUM_FLAVOR_RAM} MB required.")
    if int(flavor["vcpus"]) < MINIMUM_FLAVOR_VCPUS:
        raise DriverRefused(f"Flavor {requested} does not have enough CPU to run Kubernetes. "
                            f"Minimum {MINIMUM_FLAVOR_VCPUS} vcpus required.")


def label(labels: dict[str, str], key: str, default: str = "") -> str:
    """_label: the merged labels' value, filtered as the driver filters untrusted input."""
    assert key in KNOWN_LABELS, key
    return re.sub(r"[^a-zA-Z0-9.\-/ _]+", "", str(labels.get(key, default)))


def label_bool(labels: dict[str, str], key: str, default: bool) -> bool:
    text = label(labels, key).strip().lower()
    return text in TRUE_WORDS if text else default


def _label_int(labels: dict[str, str], key: str, default: int | None) -> int | None:
    text = label(labels, key)
    try:
        return int(text) if text else default
    except ValueError:
        return default


def check_node_counts(labels: dict[str, str], group: Record, default_worker: bool) -> None:
    """_get_node_counts and _validate_allowed_node_counts, run when auto_scaling_enabled."""
    count = int(group["node_count"])
    low: int | None = count
    high: int | None = count
    if group.get("min_node_count") is not None:
        low = int(group["min_node_count"])
    if group.get("max_node_count") is not None:
        high = int(group["max_node_count"])
    if default_worker:
        if group.get("min_node_count") in (1, "1"):
            low = count  # "Magnum seems to set min_node_count = 1 on the default group"
        low = _label_int(labels, "min_node_count", low)
        high = _label_int(labels, "max_node_count", high)
    if low is None:
        return
    if low < 1:
        raise DriverRefused("Min node count must be greater than or equal to 1 for all node "
                            "groups.")
    if low > count:
        raise DriverRefused("Min node count must be less than or equal to current node count")
    if high is not None and high < low:
        raise DriverRefused("Max node count must be greater than or equal to min node count")


def check_master_size(count: int) -> None:
    """Driver.validate_master_size (magnum/drivers/common/driver.py), reused for resizes."""
    if count % 2 == 0 or count < 1:
        raise ApiError(400, f"master nodegroup size of {count} is invalid, size cannot be an "
                            "even number.")


def short_id() -> str:
    """magnum/common/short_id.py generate_id: 12 lower-case base32 characters."""
    value = uuid.uuid4().time  # the 60 random bits of a v4 UUID
    data = bytes((value << 4 >> shift) & 0xFF for shift in range(56, -8, -8))
    return base64.b32encode(data).decode()[:12].lower()


def release_name(cluster_name: str) -> str:
    """_generate_release_name, with driver_utils.sanitized_name."""
    base = re.sub("[^a-z0-9]+", "-", cluster_name.lower()).strip("-")
    return f"{base[:30]}-{short_id()}".lower()


def health_reason() -> dict[str, str]:
    """CAPIMonitor.poll_health_status when every Cluster API resource is ready."""
    return dict.fromkeys(HEALTH_KINDS, READY)
