"""``platform delete``: removes what deploy made, in the order the cloud allows, and keeps
every data and user share unless the user asked for them to go and confirmed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cloud.magnum import Magnum
from .cloud.manila import Manila
from .cloud.rest import NotFound
from .errors import CloudError
from .steps.base import Context
from .waiting import wait_until

Progress = Callable[[str], None]


def delete(ctx: Context, *, delete_data: bool, progress: Progress) -> dict[str, Any]:
    desired = ctx.desired
    removed: list[str] = []
    conn = ctx.cloud
    network = conn.network

    # 1. The route to CephFS and its router go first: while the static route needs the
    #    router's interface, Neutron refuses to detach it (what stopped aglais's deletes).
    main_router = network.find_router(desired.network.router)
    if desired.cephfs_route:
        route = {"destination": desired.cephfs_route.monitors_cidr,
                 "nexthop": desired.cephfs_route.interface_ip}
        if main_router is not None and route in (main_router.routes or []):
            network.update_router(main_router,
                                  routes=[r for r in main_router.routes if r != route])
            removed.append(f"route {route['destination']} via {route['nexthop']}")
        removed += delete_router(ctx, desired.cephfs_route.router)

    # 2. The Helm releases, then the cluster (its volumes and claims go with it; the shares
    #    do not).
    magnum = Magnum(conn)
    name = desired.cluster.name if desired.cluster else ""
    # A cluster made elsewhere (cluster.provider: existing) is not this tool's to delete.
    cluster = magnum.find_cluster(name) if desired.cluster else None
    if cluster is not None and ctx.kubeconfig_path.is_file():
        removed += _uninstall_releases(ctx, progress)
    if desired.cluster is None and ctx.kubeconfig_path.is_file():
        # The cluster stays; what deploy put in it goes (the shares behind the volumes stay).
        removed += _uninstall_releases(ctx, progress)
        removed += _remove_volumes(ctx)
    if cluster is not None:
        magnum.delete_cluster(cluster["uuid"])
        progress(f"deleting cluster {name}")

        def gone() -> tuple[bool, None, str]:
            try:
                current = magnum.get_cluster(cluster["uuid"])
            except NotFound:
                return True, None, "gone"
            if current["status"] == "DELETE_FAILED":
                raise CloudError(f"Magnum could not delete cluster {name}: "
                                 f"{current.get('status_reason')}")
            return False, None, str(current["status"])

        wait_until(gone, what=f"cluster {name}", timeout=3600, report=progress)
        removed.append(f"cluster {name}")
    template_name = desired.template.name if desired.template else None
    template = magnum.find_template(template_name) if template_name else None
    if template is not None:
        magnum.delete_template(template["uuid"])
        removed.append(f"cluster template {template_name}")
    ctx.kubeconfig_path.unlink(missing_ok=True)

    # 3. This deployment's access rules and the CSI driver's application credential.
    manila = Manila(conn)
    kept: list[dict[str, Any]] = []
    deleted_shares: list[str] = []
    for plan in desired.shares:
        if plan.project_owner is not None:  # another project's share and rule: untouched
            kept.append({"name": plan.name, "owner_project": plan.project_owner.project,
                         "purpose": plan.share.purpose})
            continue
        share = manila.find_share(plan.name)
        if share is None:
            continue
        if manila.deny_cephx(share.id, plan.cephx_id):
            removed.append(f"access rule {plan.cephx_id} on share {plan.name}")
        if delete_data:
            if plan.name not in deleted_shares:  # two people may list the same data share
                manila.delete_share(share.id)
                deleted_shares.append(plan.name)
        elif plan.name not in (k["name"] for k in kept):
            kept.append({"name": plan.name, "id": share.id, "purpose": plan.share.purpose,
                         "size_gb": share.size})
    for cred in conn.identity.application_credentials(user=conn.current_user_id):
        if cred.name == desired.csi_app_credential:
            conn.identity.delete_application_credential(user=conn.current_user_id,
                                                        application_credential=cred)
            removed.append(f"application credential {cred.name}")
    removed += _owner_credentials(ctx)

    # 4. The network, once nothing is attached to it any more.
    removed += delete_router(ctx, desired.network.router)
    subnet = network.find_subnet(desired.network.subnet)
    if subnet is not None:
        for port in network.ports(network_id=subnet.network_id):
            network.delete_port(port)
        network.delete_subnet(subnet)
        removed.append(f"subnet {desired.network.subnet}")
    net = network.find_network(desired.network.network)
    if net is not None:
        network.delete_network(net)
        removed.append(f"network {desired.network.network}")
    return {"deployment": desired.deployment, "removed": removed,
            "shares_kept": kept, "shares_deleted": deleted_shares}


def delete_router(ctx: Context, name: str) -> list[str]:
    network = ctx.cloud.network
    router = network.find_router(name)
    if router is None:
        return []
    if router.routes:  # a route's next hop keeps its interface or gateway in use
        network.update_router(router, routes=[])
    for port in network.ports(device_id=router.id):
        if port.device_owner == "network:router_gateway":
            continue
        network.remove_interface_from_router(router, port_id=port.id)
    network.update_router(router, external_gateway_info={})
    network.delete_router(router)
    return [f"router {name}"]


def _owner_credentials(ctx: Context) -> list[str]:
    """The credentials deploy made for reading other projects' shares (only when their
    clouds.yaml entry had no application credential to pass on); never the entry's own."""
    from .cloud.connection import NoCredentials

    removed = []
    owners = {p.project_owner.cloud: p.project_owner for p in ctx.desired.shares
              if p.project_owner is not None}
    for owner in owners.values():
        name = f"{ctx.desired.csi_app_credential}-{owner.project}"[:64]
        try:
            conn = ctx.owner_cloud(owner.access())
        except NoCredentials:
            continue
        if conn.config.auth.get("application_credential_id"):
            continue  # deploy made none: it passed that entry's credential on
        for cred in conn.identity.application_credentials(user=conn.current_user_id):
            if cred.name == name:
                conn.identity.delete_application_credential(user=conn.current_user_id,
                                                            application_credential=cred)
                removed.append(f"application credential {cred.name}")
    return removed


def _remove_volumes(ctx: Context) -> list[str]:
    """This deployment's namespace (claims, Secrets) and its PersistentVolumes, in a cluster
    made elsewhere. The PVs are Retain: the shares behind them are untouched."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    from .desired import OWNER_KEY

    core: Any = client.CoreV1Api(ctx.kube())
    selector = f"{OWNER_KEY}={ctx.desired.deployment}"
    removed = []
    for volume in core.list_persistent_volume(label_selector=selector).items:
        core.delete_persistent_volume(volume.metadata.name)
        removed.append(f"volume {volume.metadata.name}")
    try:
        namespace = core.read_namespace(ctx.desired.namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise
        return removed
    if (namespace.metadata.labels or {}).get(OWNER_KEY) == ctx.desired.deployment:
        core.delete_namespace(ctx.desired.namespace)
        removed.append(f"namespace {ctx.desired.namespace}")
    return removed


def _uninstall_releases(ctx: Context, progress: Progress) -> list[str]:
    from .helm import values
    from .kube.helm import Helm

    helm = Helm(ctx.kubeconfig_path)
    removed = []
    for name in (values.ZEPPELIN_RELEASE, values.EXECUTOR_RELEASE):
        try:
            if helm.uninstall(name, ctx.desired.namespace):
                removed.append(f"helm release {name}")
        except CloudError as exc:  # an unreachable cluster is about to be deleted anyway
            progress(f"could not uninstall {name}: {exc}")
    return removed
