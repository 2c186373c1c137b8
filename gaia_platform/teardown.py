"""``platform delete``: removes what deploy made, in the order the cloud allows, and keeps
every data and user share unless the user asked for them to go and confirmed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cloud.keystone import Keystone
from .cloud.magnum import Magnum
from .cloud.manila import Manila
from .dismantle import delete_network, delete_router, owned_elsewhere, remove_cephfs_route, revoke
from .dismantle import kept as kept_entry
from .errors import CloudError, GaiaError
from .failures import transient, translate
from .steps.base import Context

Progress = Callable[[str], None]


#: Transient failures (5xx, 429, dropped connections) of a teardown call are retried this often.
RETRY_ATTEMPTS = 4
RETRY_BASE = 1.0


class _Teardown:
    """Runs each stage of a delete with retries; a stage that still fails is recorded and the
    next one tried, so one delete removes everything it can and says what is left."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.removed: list[str] = []
        self.left: list[str] = []

    def stage(self, what: str, action: Callable[[], list[str] | None]) -> bool:
        import tenacity

        try:
            for attempt in tenacity.Retrying(
                retry=tenacity.retry_if_exception(transient),
                wait=tenacity.wait_exponential(multiplier=RETRY_BASE, max=20),
                stop=tenacity.stop_after_attempt(RETRY_ATTEMPTS),
                before_sleep=lambda state: self.progress(
                    f"{what}: retrying after: "
                    f"{state.outcome.exception() if state.outcome else '?'}"),
                reraise=True,
            ):
                with attempt:
                    self.removed += action() or []
            return True
        except GaiaError as exc:
            message = str(exc)
        except Exception as exc:
            translated = translate(exc, what)
            if translated is None:
                raise
            message = str(translated)
        self.left.append(f"{what}: {message}")
        self.progress(f"could not finish: {what}: {message}")
        return False


def delete(ctx: Context, *, delete_data: bool, progress: Progress) -> dict[str, Any]:
    desired = ctx.desired
    conn = ctx.cloud
    run = _Teardown(progress)
    if delete_data:
        refuse_if_shared(ctx)

    # 1. The route to CephFS and its router go first: while the static route needs the
    #    router's interface, Neutron refuses to detach it (what stopped aglais's deletes).
    def route() -> list[str]:
        return remove_cephfs_route(conn, desired.network.router, desired.cephfs_route)

    if run.stage("remove the route to CephFS", route) and desired.cephfs_route:
        name = desired.cephfs_route.router
        run.stage(f"delete router {name}", lambda: delete_router(conn, name))

    # 2. The Helm releases, then the cluster (its volumes and claims go with it; the shares
    #    do not).
    magnum = Magnum(conn)

    def cluster() -> list[str]:
        if desired.cluster is None:
            # A cluster made elsewhere (cluster.provider: existing) is not this tool's to
            # delete; what deploy put in it goes (the shares behind the volumes stay).
            if not ctx.kubeconfig_path.is_file():
                return []
            return [*_uninstall_releases(ctx, progress), *_remove_volumes(ctx)]
        name = desired.cluster.name
        found = magnum.find_cluster(name)
        if found is None:
            return []
        removed = _uninstall_releases(ctx, progress) if ctx.kubeconfig_path.is_file() else []
        magnum.delete_cluster(found["uuid"])
        progress(f"deleting cluster {name}")
        magnum.wait_for_delete(found["uuid"], name, timeout=3600, progress=progress)
        return [*removed, f"cluster {name}"]

    def template() -> list[str]:
        if desired.template is None:
            return []
        found = magnum.find_template(desired.template.name)
        if found is None:
            return []
        magnum.delete_template(found["uuid"])
        return [f"cluster template {desired.template.name}"]

    cluster_name = desired.cluster.name if desired.cluster else "(made elsewhere)"
    if run.stage(f"delete cluster {cluster_name}", cluster):
        run.stage("delete the cluster template", template)
        ctx.kubeconfig_path.unlink(missing_ok=True)

    # 3. This deployment's access rules and the CSI driver's application credential.
    manila = Manila(conn)
    kept: list[dict[str, Any]] = []
    deleted_shares: list[str] = []
    for plan in desired.shares:
        elsewhere = owned_elsewhere(plan)
        if elsewhere is not None:  # another project's share and rule: untouched
            kept.append(elsewhere)
            continue

        def share_stage(plan: Any = plan) -> list[str]:
            removed = []
            share, extras = manila.find_share_and_extras(plan.name)
            for extra in extras:  # provably ours and never mounted (find_share_and_extras)
                manila.delete_share(extra.id)
                removed.append(f"duplicate share {plan.name} ({extra.id})")
            if share is None:
                return removed
            removed += revoke(manila, share, plan)
            if delete_data:
                if plan.name not in deleted_shares:  # two people may list the same data share
                    manila.delete_share(share.id)
                    deleted_shares.append(plan.name)
            elif plan.name not in (k["name"] for k in kept):
                kept.append(kept_entry(plan, share))
            return removed

        run.stage(f"revoke access to share {plan.name}", share_stage)

    run.stage(f"delete application credential {desired.csi_app_credential}",
              lambda: Keystone(conn).delete_application_credential(desired.csi_app_credential))
    run.stage("delete the credentials made for other projects' shares",
              lambda: _owner_credentials(ctx))

    # 4. The network, once nothing is attached to it any more.
    def net() -> list[str]:
        return delete_network(conn, desired.network.network, desired.network.subnet)

    router = desired.network.router
    if run.stage(f"delete router {router}", lambda: delete_router(conn, router)):
        run.stage(f"delete network {desired.network.network}", net)
    return {"deployment": desired.deployment, "removed": run.removed,
            "shares_kept": kept, "shares_deleted": deleted_shares, "left": run.left}


def refuse_if_shared(ctx: Context) -> None:
    """--delete-data must not pull a share from under another deployment still mounting it
    (the Yarn fallback, another cluster): any cephx rule but this deployment's stops the delete
    before anything is removed, naming who holds access."""
    from .desired import prefix

    manila = Manila(ctx.cloud)
    yarn_prefix = f"{prefix(ctx.deployment)}-yarn-"
    holders: list[str] = []
    for plan in ctx.desired.shares:
        if plan.project_owner is not None:  # never deleted: --delete-data leaves them alone
            continue
        share = manila.find_share(plan.name)
        if share is None:
            continue
        # Everyone of this deployment who may use the share (people can share a data share).
        ours = {p.cephx_id for p in ctx.desired.shares if p.name == plan.name}
        for rule in manila.access_rules(share.id):
            if rule.access_type == "cephx" and rule.access_to in ours:
                continue
            who = ("this profile's Yarn fallback" if str(rule.access_to).startswith(yarn_prefix)
                   else "another deployment or user")
            holders.append(f"share {plan.name}: {rule.access_type} {rule.access_to} "
                           f"({who}, {rule.access_level})")
    if holders:
        raise CloudError(
            "--delete-data refused: other deployments still have access to shares of this "
            "catalogue: " + "; ".join(holders) + ". Delete those deployments first (for the "
            "Yarn fallback: platform yarn-fallback-delete --cloud "
            f"{ctx.deployment.profile.name}), or revoke their access rules, or delete "
            "without --delete-data to keep the shares. Nothing was removed.")


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
        keystone = Keystone(conn)
        if keystone.given_application_credential() is not None:
            continue  # deploy made none: it passed that entry's credential on
        removed += keystone.delete_application_credential(name)
    return removed


def _remove_volumes(ctx: Context) -> list[str]:
    """This deployment's namespace (claims, Secrets) and its PersistentVolumes, in a cluster
    made elsewhere. The PVs are Retain: the shares behind them are untouched."""
    from .desired import OWNER_KEY
    from .kube.api import Kube

    kube = Kube(ctx.kube())
    removed = []
    for volume in kube.volumes(label_selector=f"{OWNER_KEY}={ctx.desired.deployment}"):
        kube.delete_volume(volume.metadata.name, ignore_missing=False)
        removed.append(f"volume {volume.metadata.name}")
    namespace = kube.find_namespace(ctx.desired.namespace)
    if namespace is None:
        return removed
    if (namespace.metadata.labels or {}).get(OWNER_KEY) == ctx.desired.deployment:
        kube.delete_namespace(ctx.desired.namespace, ignore_missing=False)
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
