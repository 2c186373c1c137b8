"""The deployment as a graph of steps: which resources, in which order (pure)."""

from __future__ import annotations

from typing import Any

from ..desired import CSI_DRIVER, DesiredState
from ..helm import values as chart_values
from ..profile import Deployment, ExistingCluster
from .base import Node
from .existing import ExistingKubeconfigKind, ExistingTarget
from .kube import (
    CsiDriverKind,
    CsiSecretKind,
    CsiSecretTarget,
    NamespaceKind,
    NamespaceTarget,
    PersistentVolumeClaimKind,
    PersistentVolumeKind,
    VolumeTarget,
)
from .magnum import (
    ClusterKind,
    ClusterTarget,
    ClusterTemplateKind,
    KubeconfigKind,
    KubeconfigTarget,
    TemplateTarget,
)
from .manila import (
    AccessKind,
    AccessTarget,
    ExternalShareKind,
    ExternalTarget,
    ShareKind,
    ShareTarget,
)
from .network import (
    CephfsRouteKind,
    CephfsRouterKind,
    CephfsRouterRouteKind,
    CephfsTarget,
    NetTarget,
    NetworkKind,
    RouterKind,
    SubnetKind,
)
from .preflight import ClusterNeeds, PreflightKind, PreflightTarget
from .zeppelin import (
    AuthTarget,
    HelmReleaseKind,
    ReleaseTarget,
    ServerTarget,
    ZeppelinAuthKind,
    ZeppelinServerKind,
)


def deploy_graph(deployment: Deployment, desired: DesiredState) -> list[Node[Any]]:
    profile = deployment.profile
    spec = profile.magnum
    router = profile.cephfs.router
    needs: ClusterNeeds | None = None
    if spec is not None:
        needs = ClusterNeeds(
            master_flavor=spec.master_flavor, worker_flavor=spec.worker_flavor,
            master_count=spec.master_count,
            max_workers=spec.autoscaling.max_nodes if spec.autoscaling else spec.worker_count,
            image=spec.image, kubernetes_version=spec.kubernetes_version, keypair=spec.keypair,
            external_network=spec.external_network,
            provider_network=router.provider_network if router else None,
            monitors_gateway=router.monitors_gateway if router else None,
        )
    # Shares another project owns are checked first: when one is missing (or its rule is),
    # preflight does not pass and nothing is made.
    external = [Node(f"manila.access/{s.name}", ExternalShareKind(), s.name, ExternalTarget(s))
                for s in desired.shares if s.owner is not None]
    preflight = Node("preflight", PreflightKind(), "cloud resources and quotas", PreflightTarget(
        profile_file=str(deployment.profile_path), cluster=needs,
        share_type=profile.cephfs.share_type,
        # Shares another project owns are never made, so never counted.
        own_shares=tuple((s.name, s.share.size_gb) for s in desired.shares if s.owner is None),
    ), tuple(n.id for n in external))
    nodes: list[Node[Any]] = [*external, preflight]
    volume_deps: tuple[str, ...] = ()
    if spec is not None and desired.template and desired.cluster:
        net = NetTarget(desired.network, desired.deployment)
        nodes += [
            Node("network.network", NetworkKind(), desired.network.network, net, ("preflight",)),
            Node("network.subnet", SubnetKind(), desired.network.subnet, net,
                 ("network.network",)),
            Node("network.router", RouterKind(), desired.network.router, net,
                 ("network.subnet",)),
        ]
        if desired.cephfs_route:
            cephfs = CephfsTarget(desired.cephfs_route, desired.network.subnet,
                                  desired.network.router, desired.deployment)
            nodes += [
                Node("network.cephfs-router", CephfsRouterKind(), desired.cephfs_route.router,
                     cephfs, ("network.subnet",)),
                Node("network.cephfs-route", CephfsRouteKind(), desired.network.router, cephfs,
                     ("network.router", "network.cephfs-router")),
            ]
            volume_deps = ("network.cephfs-route",)
            if desired.cephfs_route.monitors_gateway:
                nodes.append(Node("network.cephfs-router-route", CephfsRouterRouteKind(),
                                  desired.cephfs_route.router, cephfs,
                                  ("network.cephfs-router",)))
                volume_deps += ("network.cephfs-router-route",)
        nodes += [
            Node("magnum.template", ClusterTemplateKind(), desired.template.name,
                 TemplateTarget(desired.template, desired.network.network,
                                desired.network.subnet),
                 ("network.subnet",)),
            Node("magnum.cluster", ClusterKind(), desired.cluster.name, ClusterTarget(
                desired.cluster, "magnum.template", spec.keypair, spec.master_flavor,
                spec.worker_flavor,
                (spec.autoscaling.min_nodes, spec.autoscaling.max_nodes)
                if spec.autoscaling else None,
            ), ("magnum.template", "network.router")),
            Node("kube.kubeconfig", KubeconfigKind(), "kubeconfig",
                 KubeconfigTarget(desired.cluster.name, "magnum.cluster"), ("magnum.cluster",)),
        ]
    elif isinstance(profile.cluster, ExistingCluster):
        nodes.append(Node("kube.kubeconfig", ExistingKubeconfigKind(), "kubeconfig",
                          ExistingTarget(str(deployment.profile_path),
                                         profile.cluster.kubeconfig, profile.cluster.context),
                          ("preflight",)))
    nodes += [
        Node("kube.namespace", NamespaceKind(), desired.namespace,
             NamespaceTarget(desired.namespace, desired.deployment), ("kube.kubeconfig",)),
        Node("kube.csi-driver", CsiDriverKind(), CSI_DRIVER, CSI_DRIVER, ("kube.kubeconfig",)),
        Node("kube.csi-secret", CsiSecretKind(), desired.csi_secret, CsiSecretTarget(
            desired.csi_secret, desired.namespace, desired.csi_app_credential,
            desired.deployment), ("kube.namespace",)),
    ]
    owners = {s.owner.cloud: s.owner for s in desired.shares if s.owner is not None}
    for owner in owners.values():
        # The node plugin reads another project's share and rule with the PV's secret.
        secret = desired.owner_secret(owner)
        nodes.append(Node(f"kube.csi-secret/{owner.cloud}", CsiSecretKind(), secret,
                          CsiSecretTarget(secret, desired.namespace,
                                          f"{desired.csi_app_credential}-{owner.project}"[:64],
                                          desired.deployment, owner.access()),
                          ("kube.namespace",)))
    for share in desired.shares:
        share_step, access_step = f"manila.share/{share.name}", f"manila.access/{share.name}"
        if share.owner is not None:
            # Owned by another project: one read-only check stands for share and access.
            secret = desired.owner_secret(share.owner)
            volume = VolumeTarget(share, desired.namespace, desired.deployment, access_step,
                                  secret)
            nodes += [
                Node(f"kube.pv/{share.name}", PersistentVolumeKind(), share.pv_name, volume,
                     (access_step, "kube.csi-driver", f"kube.csi-secret/{share.owner.cloud}",
                      *volume_deps)),
                Node(f"kube.pvc/{share.name}", PersistentVolumeClaimKind(), share.pvc_name,
                     volume, (f"kube.pv/{share.name}", "kube.namespace")),
            ]
            continue
        volume = VolumeTarget(share, desired.namespace, desired.deployment, access_step,
                              desired.csi_secret)
        nodes += [
            # Shares depend only on preflight: they are made while Magnum builds the cluster.
            Node(share_step, ShareKind(), share.name, ShareTarget(share), ("preflight",)),
            Node(access_step, AccessKind(), share.cephx_id, AccessTarget(share, share_step),
                 (share_step,)),
            Node(f"kube.pv/{share.name}", PersistentVolumeKind(), share.pv_name, volume,
                 (access_step, "kube.csi-driver", "kube.csi-secret", *volume_deps)),
            Node(f"kube.pvc/{share.name}", PersistentVolumeClaimKind(), share.pvc_name, volume,
                 (f"kube.pv/{share.name}", "kube.namespace")),
        ]
    claims = tuple(f"kube.pvc/{share.name}" for share in desired.shares)
    names = chart_values.Names()
    executor, zeppelin = chart_values.releases(
        deployment, desired, names=names,
        zeppelin_version=profile.kubernetes.zeppelin_version)
    nodes += [
        Node("kube.zeppelin-auth", ZeppelinAuthKind(), chart_values.AUTH_SECRET, AuthTarget(
            chart_values.AUTH_SECRET, desired.namespace, chart_values.ADMIN_USER,
            desired.deployment), ("kube.namespace",)),
        Node(f"helm.release/{executor.name}", HelmReleaseKind(), executor.name,
             ReleaseTarget(executor.name, executor.chart, desired.namespace, executor.values),
             ("kube.namespace", *claims)),
        Node(f"helm.release/{zeppelin.name}", HelmReleaseKind(), zeppelin.name,
             ReleaseTarget(zeppelin.name, zeppelin.chart, desired.namespace, zeppelin.values),
             (f"helm.release/{executor.name}", "kube.zeppelin-auth", *claims)),
        Node("kube.zeppelin-server", ZeppelinServerKind(), names.server,
             ServerTarget(names.server, desired.namespace), (f"helm.release/{zeppelin.name}",)),
    ]
    return nodes
