"""`platform users add|list|remove|reset-password`: edit the users catalogue, then apply what it
says to the running deployment with the deploy's own steps (so a later `platform deploy`
finds nothing to do). A password is generated here, stored only in the auth Secret and
returned once in the result, which the CLI prints on stdout and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import apply
from ..desired import DesiredState, SharePlan, user_shares
from ..errors import CloudError, ConfigError
from ..helm import values as chart_values
from ..planning import deploy as run_steps
from ..profile import User
from ..session import open_deployment
from ..steps.base import Context, Node
from ..steps.graph import deploy_graph, share_key
from . import catalogue as files
from .passwords import new_password
from .secret import forget_password, has_password, restart_server, set_password

Emit = Callable[[apply.Event], None]
Progress = Callable[[str], None]

#: The deploy steps that make users real once their shares exist: logins, Helm values, server.
ACCOUNT_STEPS = ("kube.zeppelin-auth", "kube.zeppelin-server")


@dataclass
class Applied:
    applied: bool
    report: apply.Report | None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        report = self.report
        return {"applied": self.applied, "note": self.note,
                "changed": [o.step.id for o in report.changed] if report else [],
                "failed": [o.to_json() for o in report.failed] if report else []}


def users_nodes(ctx: Context) -> list[Node[Any]]:
    """The part of the deploy graph that people need: every person's share, rule, volume and
    claim, the logins, both Helm releases and the server; dependencies outside it (cluster,
    network, common shares) are already there on a deployed cluster."""
    owned = {share_key(plan) for plan in ctx.desired.shares if plan.owner}
    owned_names = {plan.name for plan in ctx.desired.shares if plan.owner}

    def wanted(node: Node[Any]) -> bool:
        kind, _, key = node.id.partition("/")
        if kind == "manila.share":
            return key in owned_names
        if kind in ("manila.access", "kube.pv", "kube.pvc"):
            return key in owned
        return kind == "helm.release" or node.id in ACCOUNT_STEPS

    nodes = [node for node in deploy_graph(ctx.deployment, ctx.desired) if wanted(node)]
    ids = {node.id for node in nodes}
    return [Node(node.id, node.kind, node.name, node.target,
                 tuple(dep for dep in node.depends_on if dep in ids)) for node in nodes]


def _apply(cloud: str, emit: Emit) -> tuple[Context, Applied]:
    opened = open_deployment(cloud, require_cloud=False)
    ctx = opened.ctx
    if opened.offline_reason:
        return ctx, Applied(False, None, f"not applied: {opened.offline_reason}; the "
                            "catalogue is changed and `platform deploy` applies it")
    if not ctx.kubeconfig_path.is_file():
        return ctx, Applied(False, None, "not applied: the deployment has no cluster yet; "
                            f"`platform deploy --cloud {cloud}` makes everything the "
                            "catalogue says")
    report = run_steps(ctx, users_nodes(ctx), emit)
    return ctx, Applied(True, report)


def _summary(desired: DesiredState, user: User | str) -> dict[str, Any]:
    name = user if isinstance(user, str) else user.name
    plans = [plan for plan in desired.shares if plan.owner == name]
    return {"name": name, "role": None if isinstance(user, str) else user.role,
            "shares": [{"name": plan.name, "mount_path": plan.share.mount_path,
                        "access": plan.share.access, "size_gb": plan.share.size_gb,
                        "claim": plan.pvc_name} for plan in plans]}


def add(cloud: str, name: str, *, role: str, home_gb: int | None, user_gb: int | None,
        emit: Emit) -> dict[str, Any]:
    opened = open_deployment(cloud, connect=False).ctx
    catalogue, path = files.catalogue_of(opened.deployment)
    entry = files.new_user(name, role, home_gb, user_gb, path)
    existing = catalogue.find(name)
    if existing is None:
        files.write(path, files.with_user(catalogue, entry, path))
    elif (existing.role, existing.home_gb, existing.user_gb) != (
            role, home_gb or existing.home_gb, user_gb or existing.user_gb):
        raise ConfigError(f"{name!r} is already in {path} (role {existing.role}); edit the "
                          "file to change their role or sizes, then run `platform deploy`.")
    ctx = open_deployment(cloud, require_cloud=False).ctx
    password = None
    if ctx.cloud is not None and ctx.kubeconfig_path.is_file() \
            and not has_password(ctx, chart_values.AUTH_SECRET, name):
        # Set before the Helm upgrade, which restarts the server with the new login.
        password = new_password()
        set_password(ctx, chart_values.AUTH_SECRET, name, password)
    ctx, applied = _apply(cloud, emit)
    user = ctx.deployment.users.find(name) if ctx.deployment.users else None
    result = {"user": _summary(ctx.desired, user or name), "added": existing is None,
              "catalogue": str(path), "password": password, **applied.to_json()}
    if password is None and applied.applied:
        result["note"] = (f"{name} already had a password; `platform users reset-password "
                          f"{name}` makes a new one")
    return result


def list_users(cloud: str) -> dict[str, Any]:
    ctx = open_deployment(cloud, require_cloud=False).ctx
    catalogue, path = files.catalogue_of(ctx.deployment)
    reachable = ctx.cloud is not None and ctx.kubeconfig_path.is_file()
    users = []
    for user in catalogue.users:
        entry = _summary(ctx.desired, user)
        entry["password_set"] = has_password(ctx, chart_values.AUTH_SECRET, user.name) \
            if reachable else None
        users.append(entry)
    return {"deployment": ctx.desired.deployment, "catalogue": str(path), "users": users}


def remove(cloud: str, name: str, *, delete_data: bool, progress: Progress,
           emit: Emit) -> dict[str, Any]:
    """Take the person out of the catalogue and the service; their home and user shares stay
    (with their data) unless ``delete_data``. Their extra data shares always stay."""
    opened = open_deployment(cloud, connect=False).ctx
    catalogue, path = files.catalogue_of(opened.deployment)
    user = catalogue.find(name)
    gone = user or User(name=name)
    plans = user_shares(opened.deployment, gone)
    if user is not None:
        files.write(path, files.without_user(catalogue, name, path))
    ctx, applied = _apply(cloud, emit)
    removed, kept, deleted = [], [], []
    if applied.applied:
        if applied.report and applied.report.failed:
            raise CloudError(f"Removing {name} from the service failed at "
                             f"{applied.report.failed[0].step.id}: "
                             f"{applied.report.failed[0].error}. Re-run the same command.")
        if forget_password(ctx, chart_values.AUTH_SECRET, name):
            removed.append(f"password of {name} in Secret {chart_values.AUTH_SECRET}")
        removed += _unmount(ctx, plans)
    if ctx.cloud is not None:
        from ..cloud.manila import Manila

        manila = Manila(ctx.cloud)
        for plan in plans:
            share = manila.find_share(plan.name)
            if share is None:
                continue
            if manila.deny_cephx(share.id, plan.cephx_id):
                removed.append(f"access rule {plan.cephx_id} on share {plan.name}")
            if delete_data and plan.share.purpose != "data":
                manila.delete_share(share.id)
                deleted.append(plan.name)
                progress(f"deleted share {plan.name} and the data in it")
            else:
                kept.append({"name": plan.name, "id": share.id,
                             "purpose": plan.share.purpose, "size_gb": share.size})
    return {"user": name, "removed_from_catalogue": user is not None, "catalogue": str(path),
            "removed": removed, "shares_kept": kept, "shares_deleted": deleted,
            **applied.to_json()}


def _unmount(ctx: Context, plans: tuple[SharePlan, ...]) -> list[str]:
    """Delete the person's claims and volumes (Retain: the shares are untouched)."""
    from ..steps.kube import kube_api

    kube = kube_api(ctx)
    removed = []
    namespace = ctx.desired.namespace
    for plan in plans:
        claim, volume = plan.pvc_name, plan.pv_name
        if kube.delete_claim(claim, namespace):
            removed.append(f"claim {claim}")
        if kube.delete_volume(volume):
            removed.append(f"volume {volume}")
    return removed


def reset_password(cloud: str, name: str) -> dict[str, Any]:
    catalogue, path = files.catalogue_of(open_deployment(cloud, connect=False).ctx.deployment)
    if catalogue.find(name) is None:
        raise ConfigError(f"No user {name!r} in {path}: add them with `platform users add "
                          f"{name} --cloud {cloud}`.")
    ctx = open_deployment(cloud).ctx
    if not ctx.kubeconfig_path.is_file():
        raise ConfigError(f"The deployment has no cluster yet: run `platform deploy --cloud "
                          f"{cloud}` first (it generates every user's password).")
    password = new_password()
    set_password(ctx, chart_values.AUTH_SECRET, name, password)
    # shiro.ini is written from the Secret when the server starts.
    restart_server(ctx, chart_values.Names().server)
    return {"user": name, "password": password, "server_restarted": True}
