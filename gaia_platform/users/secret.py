"""The auth Secret (one key per user, the value is the password, and its hash under
``<user>.shiro1``) and the server restart that
makes Zeppelin read it again (its init container writes shiro.ini only at start)."""

from __future__ import annotations

import datetime
from typing import Any

from ..desired import OWNER_KEY
from ..steps.base import Context
from ..steps.kube import kube_api, read_or_absent
from .passwords import HASH_SUFFIX, encoded, users_with_password

#: What `kubectl rollout restart` sets on the pod template (kubectl's
#: pkg/polymorphichelpers/objectrestarter.go), so that the server restarts without a change
#: of the Helm release; Helm's three-way merge leaves an annotation it does not own alone.
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def has_password(ctx: Context, secret: str, user: str) -> bool | None:
    """True/False, or None when the cluster cannot be reached (no kubeconfig yet)."""
    found = read_or_absent(
        ctx, lambda: kube_api(ctx).find_secret(secret, ctx.desired.namespace))
    if found is None:
        return False
    if not hasattr(found, "data"):
        return None
    return user in users_with_password(found)


def set_password(ctx: Context, secret: str, user: str, password: str) -> None:
    """Store one user's password, creating the Secret when it is missing."""
    namespace = ctx.desired.namespace
    kube = kube_api(ctx)
    if kube.patch_secret(secret, namespace, {"data": encoded({user: password})}) is None:
        kube.create_secret(namespace, {
            "metadata": {"name": secret, "namespace": namespace,
                         "labels": {OWNER_KEY: ctx.desired.deployment}},
            "type": "Opaque", "data": encoded({user: password})})


def forget_password(ctx: Context, secret: str, user: str) -> bool:
    """Remove the user's password and its hash (a JSON patch "remove" of the keys there).
    True if there was anything."""
    found = read_or_absent(
        ctx, lambda: kube_api(ctx).find_secret(secret, ctx.desired.namespace))
    data = (getattr(found, "data", None) or {}) if found is not None else {}
    keys = [key for key in (user, user + HASH_SUFFIX) if key in data]
    if not keys:
        return False
    kube_api(ctx).patch_secret(
        secret, ctx.desired.namespace, [{"op": "remove", "path": f"/data/{key}"} for key in keys])
    return True


def restart_server(ctx: Context, deployment_name: str) -> None:
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    patch: dict[str, Any] = {"spec": {"template": {"metadata": {"annotations": {
        RESTARTED_AT: now}}}}}
    kube_api(ctx).patch_deployment(deployment_name, ctx.desired.namespace, patch)
