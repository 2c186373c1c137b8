"""The two CSI releases deploy installs when the cluster has no Manila CSI driver (pure).

ceph-csi's CephFS node plugin does the mounts; the Manila CSI plugin (CEPHFS protocol) reads
the share, its export location and the cephx rule from Manila with the PV's secret and forwards
the mount to ceph-csi's socket. Release names and namespaces are the ones azimuth-cloud's
capi-helm-charts use for the same two charts (charts/cluster-addons templates/csi-cephfs.yaml:
``csi-cephfs`` in ``csi-ceph-system``; templates/openstack/csi-manila.yaml: ``csi-manila`` in
``openstack-system``), so an operator who knows those finds them where expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..desired import CSI_DRIVER
from .charts import ChartRef

#: The CSIDriver each chart registers. Manila: one per shareProtocols item, named
#: lower(protocolSelector + "." + driverName) (cloud-provider-openstack
#: charts/manila-csi-plugin/templates/csidriver.yaml at openstack-manila-csi-2.34.2; driverName
#: defaults to manila.csi.openstack.org, values.yaml line 5). ceph-csi: .Values.driverName
#: (ceph-csi-cephfs 3.15.1 templates/csidriver-crd.yaml; values.yaml line 511).
MANILA_DRIVER = CSI_DRIVER  # cephfs.manila.csi.openstack.org
CEPHFS_DRIVER = "cephfs.csi.ceph.com"

#: Where ceph-csi's node plugin listens: {kubeletDir}/plugins/{driverName}/{pluginSocketFile}
#: (ceph-csi-cephfs 3.15.1 values.yaml lines 507-511, templates/nodeplugin-daemonset.yaml);
#: the Manila plugin forwards node calls there (manila values.yaml lines 14-17, commented
#: CEPHFS sample). The manila templates fix the kubelet path at /var/lib/kubelet.
CEPHFS_PLUGIN_DIR = f"/var/lib/kubelet/plugins/{CEPHFS_DRIVER}"

# Both node plugins must run on every node a share may be mounted on, control-plane nodes
# included (capi-helm-charts cluster-addons give both charts these tolerations).
_TOLERATIONS = [
    {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
     "effect": "NoSchedule"},
]


#: (release, namespace) of each chart, in install order.
CEPHFS_RELEASE = ("csi-cephfs", "csi-ceph-system")
MANILA_RELEASE = ("csi-manila", "openstack-system")


@dataclass(frozen=True)
class CsiRelease:
    """One CSI chart release: what it is called, where, from which chart, with which values,
    and the CSIDriver it registers (its presence is what ``install: auto`` looks for)."""

    step: str
    name: str
    namespace: str
    chart: ChartRef
    values: dict[str, Any]
    driver: str


def cephfs_values() -> dict[str, Any]:
    """ceph-csi-cephfs values (keys as ceph-csi-cephfs 3.15.1 values.yaml documents them)."""
    return {
        # Manila hands ceph-csi the monitors and root path of each mount itself (the
        # "monitor list" path), so no cluster entry is needed: csiConfig stays [] (line 35).
        "csiConfig": [],
        # No value switches the provisioner off; shares are static PVs, so one replica is
        # plenty (default 3, line 171; capi-helm-charts also sets 1).
        "provisioner": {"replicaCount": 1, "tolerations": _TOLERATIONS},
        "nodeplugin": {"tolerations": _TOLERATIONS},
        # The shares are Manila's: no StorageClass or Ceph admin Secret from this chart
        # (storageClass.create, secret.create: false by default, lines 333 and 470).
        "storageClass": {"create": False},
        "secret": {"create": False},
    }


def manila_values() -> dict[str, Any]:
    """openstack-manila-csi values (keys as cloud-provider-openstack
    charts/manila-csi-plugin/values.yaml documents them at openstack-manila-csi-2.34.2)."""
    return {
        # csimanila.clusterID (line 40) is left unset: it is only stamped on shares the
        # driver provisions, and deploy provisions none (its PVs are static).
        # Only CEPHFS: this list replaces the default NFS item (lines 8-13), which would also
        # run forwarders to an NFS plugin that is not there. fsGroupPolicy is printed verbatim
        # into the CSIDriver (templates/csidriver.yaml), so it must be given.
        "shareProtocols": [{
            "protocolSelector": "CEPHFS",
            "fsGroupPolicy": "None",
            "fwdNodePluginEndpoint": {"dir": CEPHFS_PLUGIN_DIR, "sockFile": "csi.sock"},
        }],
        "nodeplugin": {"tolerations": _TOLERATIONS},
        "controllerplugin": {"tolerations": _TOLERATIONS},
    }


def releases(manila_chart: ChartRef, cephfs_chart: ChartRef) -> tuple[CsiRelease, CsiRelease]:
    """Both releases in install order: ceph-csi first, because each Manila plugin pod probes
    ceph-csi's socket at start and exits when it is missing (cloud-provider-openstack
    pkg/csi/manila/driver.go, initProxiedDriver)."""
    return (
        CsiRelease("csi.cephfs", *CEPHFS_RELEASE, cephfs_chart, cephfs_values(),
                   CEPHFS_DRIVER),
        CsiRelease("csi.manila", *MANILA_RELEASE, manila_chart, manila_values(),
                   MANILA_DRIVER),
    )
