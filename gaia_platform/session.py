"""Opening a deployment: profile, desired state, cloud connection and local state directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import profile as profiles
from .desired import desired_state
from .steps.base import Context


def state_dir(deployment_name: str) -> Path:
    """Local per-deployment state (the kubeconfig). GAIA_STATE_DIR overrides the XDG default."""
    root = os.environ.get("GAIA_STATE_DIR")
    if not root:
        root = str(Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
                   / "gaia-platform" / "deployments")
    return Path(root).expanduser() / deployment_name


@dataclass
class Opened:
    ctx: Context
    #: Why the cloud could not be asked, when it could not (plan without credentials).
    offline_reason: str | None


def open_deployment(cloud: str, *, connect: bool = True, require_cloud: bool = True,
                    offline_hint: str = "`platform plan` works without credentials") -> Opened:
    """Load the profile named by ``--cloud`` and, if asked, connect to its cloud.
    Without credentials: an error when ``require_cloud``, else an offline context."""
    from .cloud.connection import NoCredentials
    from .cloud.connection import connect as open_cloud
    from .errors import ConfigError

    deployment = profiles.load(cloud)
    desired = desired_state(deployment)
    connection: Any = None
    offline = None
    if connect:
        try:
            connection = open_cloud(deployment.profile.openstack)
        except NoCredentials as exc:
            if require_cloud:
                raise ConfigError(
                    f"No credentials for profile {deployment.profile_path}: {exc}. Add the "
                    "cloud to clouds.yaml (openstack.cloud in the profile names the entry) or "
                    f"set openstack.clouds_yaml; {offline_hint}."
                ) from exc
            offline = str(exc)
    ctx = Context(deployment=deployment, desired=desired, cloud=connection,
                  state_dir=state_dir(deployment.profile.name))
    return Opened(ctx, offline)
