"""The Magnum labels StackHPC's Cluster API driver reads (magnum-capi-helm, main at a8b82c2,
June 2026: magnum_capi_helm/conf.py group ``capi_helm_cluster_labels`` and the ``_label*``
calls in driver.py). Any other label is ignored by that driver: plan warns about it.
notes/capi-labels.md has the table with what each does."""

from __future__ import annotations

KNOWN_LABELS: frozenset[str] = frozenset({
    # etcd on its own block device (conf.py etcd_blockdevice_*; etcd_volume_* deprecated).
    "etcd_blockdevice_size", "etcd_blockdevice_type", "etcd_blockdevice_volume_type",
    "etcd_blockdevice_volume_az", "etcd_volume_size", "etcd_volume_type",
    # add-ons and node health (conf.py).
    "monitoring_enabled", "kube_dashboard_enabled", "auto_healing_enabled",
    "auto_scaling_enabled", "min_node_count", "max_node_count", "keystone_auth_enabled",
    # Cinder CSI storage class (conf.py csi_cinder_*).
    "csi_cinder_availability_zone", "csi_cinder_reclaim_policy",
    "csi_cinder_volume_binding_mode", "csi_cinder_fstype", "csi_cinder_allow_volume_expansion",
    # the API load balancer and networking (conf.py).
    "octavia_provider", "octavia_lb_algorithm", "octavia_lb_healthcheck",
    "master_lb_floating_ip_enabled", "fixed_subnet_cidr", "api_master_lb_allowed_cidrs",
    "extra_network_names", "extra_network_name",
    # boot volumes and the chart version (conf.py; driver.py _get_chart_version).
    "boot_volume_type", "boot_volume_size", "capi_helm_chart_version",
})

#: Labels other Magnum drivers read that this one ignores, with what to do instead.
INSTEAD: dict[str, str] = {
    "kube_tag": "the Kubernetes version comes from the image's kube_version property "
                "(driver.py _get_kube_version): choose the image instead",
    "manila_csi_enabled": "no such add-on label in magnum-capi-helm: deploy checks for the "
                          "Manila CSI driver itself (cephfs.csi in the profile)",
}


def unknown_labels(labels: dict[str, str]) -> list[str]:
    """One warning per label the Cluster API driver does not read."""
    warnings = []
    for name in sorted(labels):
        if name in KNOWN_LABELS:
            continue
        why = INSTEAD.get(name, "it has no effect")
        warnings.append(f"label {name} is not read by Magnum's Cluster API driver "
                        f"(magnum_capi_helm/conf.py): {why}")
    return warnings
