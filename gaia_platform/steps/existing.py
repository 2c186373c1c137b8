"""A cluster made elsewhere (``cluster.provider: existing``): its kubeconfig replaces the
network, Magnum and certificate steps. gaia-dmp built Arcus's cluster with plain Cluster API
from a kind bootstrap VM (deployments/cluster-api/); any cluster with a kubeconfig works.
Everything after this step is the same as for a Magnum cluster."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..plan import Action, Decision
from ..profile import expand_home
from .base import Context, Progress, Unknown


@dataclass(frozen=True)
class ExistingTarget:
    profile_file: str
    kubeconfig: str
    context: str | None

    @property
    def path(self) -> Path:
        return expand_home(os.path.expandvars(self.kubeconfig),
                         f"{self.profile_file}: cluster.kubeconfig")


def selected(target: ExistingTarget) -> dict[str, Any]:
    """The user's kubeconfig with the profile's context made current (a bad file or context
    is the profile's problem: exit code 2 naming the field)."""
    field = f"cluster.kubeconfig in {target.profile_file}"
    try:
        config = yaml.safe_load(target.path.read_text())
    except OSError as exc:
        raise ConfigError(f"Cannot read the kubeconfig {target.path} ({field}): "
                          f"{exc.strerror}. Point it at the cluster's kubeconfig.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"The kubeconfig {target.path} ({field}) is not valid YAML.") from exc
    if not isinstance(config, dict) or not config.get("contexts"):
        raise ConfigError(f"The kubeconfig {target.path} ({field}) has no contexts.")
    names = [c.get("name") for c in config["contexts"] if isinstance(c, dict)]
    wanted = target.context or config.get("current-context")
    if wanted not in names:
        raise ConfigError(f"The kubeconfig {target.path} has no context {wanted!r} "
                          f"(cluster.context in {target.profile_file}; it has: "
                          f"{', '.join(str(n) for n in names)}).")
    return {**config, "current-context": wanted}


class ExistingKubeconfigKind:
    """Copies the cluster's kubeconfig into the deployment's state (where every later step
    reads it), once the cluster's API answers with it."""

    kind = "kube.kubeconfig"

    def observe(self, ctx: Context, target: ExistingTarget) -> Any:
        wanted = selected(target)
        current = None
        if ctx.kubeconfig_path.is_file():
            current = yaml.safe_load(ctx.kubeconfig_path.read_text())
        return {"wanted": wanted, "same": current == wanted}

    def decide(self, target: ExistingTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CHECK, f"use {target.path} ({observed.why})")
        context = observed["wanted"]["current-context"]
        if observed["same"]:
            return Decision(Action.NOOP, f"context {context} of {target.path}")
        return Decision(Action.CREATE, f"copy context {context} of {target.path}")

    def apply(self, ctx: Context, target: ExistingTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        wanted = observed["wanted"] if isinstance(observed, dict) else selected(target)
        if decision.action is not Action.NOOP:
            ctx.kubeconfig_path.parent.mkdir(parents=True, exist_ok=True)
            ctx.kubeconfig_path.write_text(yaml.safe_dump(wanted))
            ctx.kubeconfig_path.chmod(0o600)
        from ..kube.api import Kube, Unreachable

        try:
            version = Kube(ctx.kube()).version()
        except Unreachable as exc:
            raise ConfigError(
                f"The cluster in {target.path} (cluster.kubeconfig in {target.profile_file}) "
                f"does not answer: {exc}. Check that it is running and reachable.") from exc
        progress(f"existing cluster answers: Kubernetes {version}")
        return {"path": str(ctx.kubeconfig_path), "version": version}
