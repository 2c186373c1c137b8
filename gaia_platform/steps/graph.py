"""The deployment as a graph of steps: which resources, in which order (pure)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..desired import CSI_DRIVER, DesiredState, SharePlan
from ..helm import charts
from ..helm import csi as csi_charts
from ..helm import values as chart_values
from ..helm import web as web_charts
from ..profile import Deployment, ExistingCluster
from .addons import (
    AddonReleaseKind,
    AddonTarget,
    Marker,
    MarkerCheckKind,
    MarkerCheckTarget,
    TlsSecretKind,
    TlsSecretTarget,
)
from .base import Node
from .existing import ExistingKubeconfigKind, ExistingTarget
from .kube import (
    CsiDriverKind,
    CsiDriverTarget,
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
from .manila import external_nodes, share_nodes
from .network import network_nodes
from .preflight import ClusterNeeds, PreflightKind, PreflightTarget, profile_problems
from .reachability import load_balancer_needs
from .removed import RemovedSharesKind, RemovedTarget
from .zeppelin import (
    AuthTarget,
    HelmReleaseKind,
    ReleaseTarget,
    ServerTarget,
    ZeppelinAuthKind,
    ZeppelinServerKind,
)


def share_key(share: SharePlan) -> str:
    """The step-id suffix of a share's rule, volume and claim: its name, or for a person's own
    data share their claim's name (the same share may be several people's)."""
    return share.pvc_name if share.owner and share.share.purpose == "data" else share.name


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
    external = external_nodes(desired.shares, "manila.access")
    preflight = Node("preflight", PreflightKind(), "cloud resources and quotas", PreflightTarget(
        profile_file=str(deployment.profile_path), cluster=needs,
        share_type=profile.cephfs.share_type,
        # Shares another project owns are never made, so never counted.
        own_shares=tuple((s.name, s.share.size_gb) for s in desired.shares
                         if s.project_owner is None),
        profile_problems=profile_problems(deployment),
        load_balancer=load_balancer_needs(deployment),
    ), tuple(n.id for n in external))
    nodes: list[Node[Any]] = [*external, preflight]
    volume_deps: tuple[str, ...] = ()
    if spec is not None and desired.template and desired.cluster:
        network, volume_deps = network_nodes("network", desired.network,
                                             desired.cephfs_route, desired.deployment,
                                             "preflight")
        nodes += network
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
             NamespaceTarget(desired.namespace, desired.deployment,
                             chart_values.pod_security_level(
                                 profile.kubernetes.zeppelin_version)),
             ("kube.kubeconfig",)),
    ]
    driver = csi_nodes(deployment)
    nodes += driver
    nodes += [
        Node("kube.csi-secret", CsiSecretKind(), desired.csi_secret, CsiSecretTarget(
            desired.csi_secret, desired.namespace, desired.csi_app_credential,
            desired.deployment), ("kube.namespace",)),
    ]
    owners = {s.project_owner.cloud: s.project_owner for s in desired.shares
              if s.project_owner is not None}
    for owner in owners.values():
        # The node plugin reads another project's share and rule with the PV's secret.
        secret = desired.owner_secret(owner)
        nodes.append(Node(f"kube.csi-secret/{owner.cloud}", CsiSecretKind(), secret,
                          CsiSecretTarget(secret, desired.namespace,
                                          f"{desired.csi_app_credential}-{owner.project}"[:64],
                                          desired.deployment, owner.access()),
                          ("kube.namespace",)))
    share_steps: set[str] = set()
    for share in desired.shares:
        key = share_key(share)
        share_step, access_step = f"manila.share/{share.name}", f"manila.access/{key}"
        if share.project_owner is not None:
            # Owned by another project: one read-only check stands for share and access.
            check = f"manila.access/{share.name}"
            secret = desired.owner_secret(share.project_owner)
            volume = VolumeTarget(share, desired.namespace, desired.deployment, check,
                                  secret, driver_step="kube.csi-driver",
                                  planned_driver_version=driver[-1].target.pinned_version)
            nodes += [
                Node(f"kube.pv/{key}", PersistentVolumeKind(), share.pv_name, volume,
                     (check, "kube.csi-driver",
                      f"kube.csi-secret/{share.project_owner.cloud}", *volume_deps)),
                Node(f"kube.pvc/{key}", PersistentVolumeClaimKind(), share.pvc_name,
                     volume, (f"kube.pv/{key}", "kube.namespace")),
            ]
            continue
        volume = VolumeTarget(share, desired.namespace, desired.deployment, access_step,
                              desired.csi_secret, driver_step="kube.csi-driver",
                              planned_driver_version=driver[-1].target.pinned_version)
        # Shares depend only on preflight: they are made while Magnum builds the cluster.
        # Two people may have the same data share: it is made once.
        nodes += share_nodes(share, access_step, "preflight",
                             with_share=share_step not in share_steps)
        share_steps.add(share_step)
        nodes += [
            Node(f"kube.pv/{key}", PersistentVolumeKind(), share.pv_name, volume,
                 (access_step, "kube.csi-driver", "kube.csi-secret", *volume_deps)),
            Node(f"kube.pvc/{key}", PersistentVolumeClaimKind(), share.pvc_name, volume,
                 (f"kube.pv/{key}", "kube.namespace")),
        ]
    claims = tuple(f"kube.pvc/{share_key(share)}" for share in desired.shares)
    names = chart_values.Names()
    executor, zeppelin = chart_values.releases(
        deployment, desired, names=names,
        zeppelin_version=profile.kubernetes.zeppelin_version,
        spark_image=profile.kubernetes.spark_image)
    web, web_deps = web_nodes(deployment, desired)
    nodes += web
    if profile.web:
        zeppelin = dataclasses.replace(zeppelin, values={
            **zeppelin.values, "ingress": web_charts.zeppelin_ingress(profile.web)})
    nodes += [
        Node("kube.zeppelin-auth", ZeppelinAuthKind(), chart_values.AUTH_SECRET, AuthTarget(
            chart_values.AUTH_SECRET, desired.namespace, chart_values.ADMIN_USER,
            desired.deployment, tuple(user.name for user in desired.users)),
             ("kube.namespace",)),
        # The executor chart makes no pod (a pod template, accounts, rules), so it is
        # installed while the volumes and claims are made; pods it later describes wait for
        # a claim that is not there yet instead of failing. Zeppelin's server mounts claims.
        Node(f"helm.release/{executor.name}", HelmReleaseKind(), executor.name,
             ReleaseTarget(executor.name, executor.chart, desired.namespace, executor.values),
             ("kube.namespace",)),
        Node(f"helm.release/{zeppelin.name}", HelmReleaseKind(), zeppelin.name,
             ReleaseTarget(zeppelin.name, zeppelin.chart, desired.namespace, zeppelin.values,
                           api_server_egress=True),
             (f"helm.release/{executor.name}", "kube.zeppelin-auth", *claims, *web_deps)),
        Node("kube.zeppelin-server", ZeppelinServerKind(), names.server,
             ServerTarget(names.server, desired.namespace), (f"helm.release/{zeppelin.name}",)),
        # After the upgrade, so that new interpreter pods no longer mount what goes.
        Node("kube.removed-shares", RemovedSharesKind(), "shares no longer in the catalogue",
             RemovedTarget(desired.deployment, desired.namespace,
                           tuple(share.name for share in desired.shares)),
             (f"helm.release/{zeppelin.name}",)),
    ]
    return nodes


def csi_nodes(deployment: Deployment) -> list[Node[Any]]:
    """The CSI releases (unless ``install: never``), then the check that the driver is there;
    the check is last and its target names the driver version the volumes are made for."""
    spec = deployment.profile.cephfs.csi
    path = deployment.profile_path
    if spec.install == "never":
        return [Node("kube.csi-driver", CsiDriverKind(), CSI_DRIVER,
                     CsiDriverTarget(CSI_DRIVER, "never", None, None), ("kube.kubeconfig",))]
    manila_chart = charts.resolve(spec.manila_chart, path, "cephfs.csi.manila_chart")
    cephfs_chart = charts.resolve(spec.cephfs_chart, path, "cephfs.csi.cephfs_chart")
    nodes: list[Node[Any]] = []
    after = "kube.kubeconfig"
    for release in csi_charts.releases(manila_chart, cephfs_chart):
        nodes.append(Node(release.step, AddonReleaseKind(), release.name, AddonTarget(
            ReleaseTarget(release.name, release.chart, release.namespace, release.values,
                          create_namespace=True),
            Marker("CSIDriver", release.driver), spec.install, charts.describe(release.chart)),
            (after,)))
        after = release.step
    version = charts.manila_driver_version(manila_chart)
    nodes.append(Node("kube.csi-driver", CsiDriverKind(), CSI_DRIVER,
                      CsiDriverTarget(CSI_DRIVER, spec.install, "csi.manila", version),
                      (after,)))
    return nodes


def web_nodes(deployment: Deployment, desired: DesiredState
              ) -> tuple[list[Node[Any]], tuple[str, ...]]:
    """The public entry point's steps (none without ``web`` in the profile), and the ones
    the Zeppelin release must wait for."""
    web = deployment.profile.web
    if web is None:
        return [], ()
    path = deployment.profile_path
    nodes: list[Node[Any]] = []

    def addon(release: web_charts.WebRelease, marker: Marker, install: str, field: str,
              after: tuple[str, ...]) -> str:
        if install == "never":
            nodes.append(Node(release.step, MarkerCheckKind(), str(marker), MarkerCheckTarget(
                marker, f"{field}.install", charts.describe(release.chart)), after))
        else:
            nodes.append(Node(release.step, AddonReleaseKind(), release.name, AddonTarget(
                ReleaseTarget(release.name, release.chart, release.namespace, release.values,
                              create_namespace=True),
                marker, install, charts.describe(release.chart)), after))
        return release.step

    ingress = web_charts.ingress_controller(
        web, charts.resolve(web.ingress.chart, path, "web.ingress.chart"))
    deps = [addon(ingress, Marker("IngressClass", web.ingress.class_name), web.ingress.install,
                  "web.ingress", ("kube.kubeconfig",))]
    if web.tls.acme:
        acme = web.tls.acme
        manager = web_charts.cert_manager(charts.resolve(acme.chart, path, "web.tls.acme.chart"))
        after = addon(manager, Marker("CustomResourceDefinition", web_charts.ISSUER_CRD),
                      acme.install, "web.tls.acme", ("kube.kubeconfig",))
        issuer = web_charts.acme_issuer(web, desired.namespace)
        nodes.append(Node(issuer.step, HelmReleaseKind(), issuer.name, ReleaseTarget(
            issuer.name, issuer.chart, issuer.namespace, issuer.values),
            (after, "kube.namespace")))
        deps.append(issuer.step)
    else:
        assert web.tls.secret
        nodes.append(Node("web.tls-secret", TlsSecretKind(), web.tls.secret,
                          TlsSecretTarget(web.tls.secret, desired.namespace),
                          ("kube.namespace",)))
        deps.append("web.tls-secret")
    return nodes, tuple(deps)
