"""The values of the two Helm releases, computed from the profile and share catalogue (pure).

charts/spark-executor goes first: it makes the drivers' service account and the executor pod
template that charts/zeppelin's interpreter pods use. Both releases get fixed names
(``fullnameOverride``) so that each can name the other's objects, and every share in the
catalogue is mounted at its catalogue path in interpreter pods (the Spark drivers) and in
executors: data read-only, user and notebook storage read-write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .. import zeppelin_versions
from ..desired import DesiredState, SharePlan
from ..errors import ConfigError
from ..profile import Deployment

CHARTS_DIR = Path(__file__).resolve().parents[2] / "charts"
ZEPPELIN_CHART = CHARTS_DIR / "zeppelin"
EXECUTOR_CHART = CHARTS_DIR / "spark-executor"

ZEPPELIN_RELEASE = "zeppelin"
EXECUTOR_RELEASE = "spark-executor"

# The supported Zeppelin releases come from their one list (charts/zeppelin/versions.yaml).
DEFAULT_ZEPPELIN_VERSION = zeppelin_versions.DEFAULT
SUPPORTED_ZEPPELIN_VERSIONS = zeppelin_versions.SUPPORTED

#: The Spark release of each Zeppelin version's default Spark image, which is also the pyspark
#: the tests run executors with. 0.9.0 has no upstream image: its Spark (3.0.3, the last
#: release below Zeppelin 0.9's bound of 3.1) must be built (images/spark-py/build.sh).
SPARK_VERSIONS = {release.version: release.spark_version
                  for release in zeppelin_versions.RELEASES}
#: Zeppelin versions whose chart has no default Spark image: kubernetes.spark_image is required.
NO_UPSTREAM_SPARK_IMAGE = tuple(release.version for release in zeppelin_versions.RELEASES
                                if release.spark_image is None)


def pod_security_level(zeppelin_version: str) -> str:
    """The Pod Security level the pods of a Zeppelin release really meet, so the level its
    namespace enforces: fabric8 4.10.2 (the 0.9 launcher) and Spark 3.0/3.1's fabric8 drop
    seccompProfile, so 0.9 and 0.10 meet "baseline" only (charts/zeppelin/versions.yaml,
    podSecurityLevel, which the chart reads too; tests/zeppelin proves it)."""
    family = zeppelin_versions.family(zeppelin_version)
    return next(release.pod_security_level for release in zeppelin_versions.RELEASES
                if release.family == family)


def spark_image_values(image: str | None) -> dict[str, str]:
    """The chart's images.spark for an image reference (``repo[:tag]``); {} for the default."""
    if not image:
        return {}
    repository, _, tag = image.rpartition(":")
    if not repository or "/" in tag:
        repository, tag = image, "latest"
    return {"repository": repository, "tag": tag}


#: The Secret the zeppelin chart reads passwords from: one key per user, value = password.
AUTH_SECRET = "zeppelin-auth"
ADMIN_USER = "admin"

#: Directories of the notebook share: the notes (what interpreter pods see at the notebook
#: share's mount path) and Zeppelin's own state (which interpreter pods never see).
NOTEBOOKS_SUBPATH = "notebooks"
CONFIG_SUBPATH = "zeppelin-config"

ShareMounts = Literal["sparkProperties", "podTemplate"]

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_VOLUME_NAME_MAX = 57  # "share-" + name must stay a 63-character DNS label


@dataclass(frozen=True)
class Release:
    """One Helm release: its name, its chart directory and its values."""

    name: str
    chart: Path
    values: dict[str, Any]


@dataclass(frozen=True)
class Names:
    """The objects one release names in the other (both charts use fullnameOverride)."""

    zeppelin_release: str = ZEPPELIN_RELEASE
    executor_release: str = EXECUTOR_RELEASE

    @property
    def server(self) -> str:
        """The Zeppelin server's Deployment and Service (port "http" is the UI)."""
        return f"{self.zeppelin_release}-server"

    @property
    def pod_template_configmap(self) -> str:
        return f"{self.executor_release}-pod-template"

    @property
    def driver_service_account(self) -> str:
        return f"{self.executor_release}-driver"


def share_volume_name(share: SharePlan) -> str:
    """The share's volume name in pods and Spark properties (``share-`` is prefixed there).

    Catalogue names may hold capitals, dots and underscores; volume names may not, and Spark
    splits its volume property names on dots.
    """
    # A person's claim names them too (their own data share may be someone else's as well).
    source = share.pvc_name if share.owner else share.name
    name = re.sub(r"[^a-z0-9-]+", "-", source.lower()).strip("-")
    return name[:_VOLUME_NAME_MAX].rstrip("-")


def share_mounts(deployment: Deployment, desired: DesiredState) -> list[dict[str, Any]]:
    """Every share everyone sees, as the charts' ``shares`` list, in catalogue order (a
    person's own shares are in ``users``, see user_mounts)."""
    return _mounts(deployment, [plan for plan in desired.shares if plan.owner is None])


def user_mounts(deployment: Deployment, desired: DesiredState) -> list[dict[str, Any]]:
    """The charts' ``users`` list: each person's roles and the shares only their interpreter
    (Spark driver) and executors mount."""
    by_name = {(plan.owner, plan.name): plan for plan in desired.shares if plan.owner}
    _mounts(deployment, list(desired.shares))  # volume names must be unique across everyone
    return [{"name": user.name, "roles": [user.role],
             "shares": _mounts(deployment, [by_name[(user.name, share)]
                                            for share in user.shares])}
            for user in desired.users]


def _mounts(deployment: Deployment, plans: list[SharePlan]) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for plan in plans:
        volume = share_volume_name(plan)
        if volume in seen:
            raise ConfigError(
                f"{deployment.catalogue_path}: shares {seen[volume]!r} and {plan.name!r} would "
                f"both be mounted as volume 'share-{volume}'. Rename one of them.")
        seen[volume] = plan.name
        if not _DNS_SUBDOMAIN.match(plan.pvc_name):
            raise ConfigError(
                f"{deployment.catalogue_path}: share {plan.name!r} cannot name a Kubernetes "
                "PersistentVolumeClaim: use lower-case letters, digits, '-' and '.' only.")
        mount: dict[str, Any] = {
            "name": volume,
            "claimName": plan.pvc_name,
            "mountPath": plan.share.mount_path,
            "readOnly": plan.share.access == "ro",
        }
        if plan.share.purpose == "notebooks":
            mount["subPath"] = NOTEBOOKS_SUBPATH
        mounts.append(mount)
    return mounts


def _notebook_share(desired: DesiredState) -> SharePlan:
    # The catalogue guarantees exactly one (profile.Catalogue).
    return next(plan for plan in desired.shares if plan.share.purpose == "notebooks")


def _check_version(zeppelin_version: str) -> None:
    if zeppelin_version not in SUPPORTED_ZEPPELIN_VERSIONS:
        raise ConfigError(f"Zeppelin {zeppelin_version} is not supported; choose one of "
                          f"{', '.join(SUPPORTED_ZEPPELIN_VERSIONS)}.")


def zeppelin_values(deployment: Deployment, desired: DesiredState, *,
                    auth_secret: str = AUTH_SECRET,
                    zeppelin_version: str = DEFAULT_ZEPPELIN_VERSION,
                    names: Names = Names(),
                    executor_share_mounts: ShareMounts = "sparkProperties",
                    spark_image: str | None = None) -> dict[str, Any]:
    """Values for charts/zeppelin. ``auth_secret`` must exist before the server starts, with a
    key ``admin`` holding the password (see AUTH_SECRET). ``spark_image`` replaces the
    version's default Spark image (required for NO_UPSTREAM_SPARK_IMAGE versions)."""
    _check_version(zeppelin_version)
    notebooks = _notebook_share(desired)
    users = user_mounts(deployment, desired)
    interpreter: dict[str, Any] = {
        "serviceAccountName": names.driver_service_account,
        "idleTimeout": {"seconds": deployment.profile.kubernetes.interpreter_idle_minutes * 60},
    }
    if users:
        # One Spark driver per person, shared by their notes (separate sessions): the group
        # id is then "spark-<user>", which tells the interpreter spec whose storage to mount
        # (see charts/zeppelin/templates/interpreter/_helpers-spec.tpl).
        interpreter["binding"] = {"perNote": "scoped", "perUser": "isolated"}
    values: dict[str, Any] = {
        "fullnameOverride": names.zeppelin_release,
        "zeppelinVersion": zeppelin_version,
        "interpreter": interpreter,
        "spark": {
            "executorPodTemplate": {"configMap": names.pod_template_configmap},
            "executorShareMounts": executor_share_mounts,
        },
        "shares": share_mounts(deployment, desired),
        "notebookStorage": {
            "existingClaim": notebooks.pvc_name,
            "mountPath": notebooks.share.mount_path,
            "notebooksSubPath": NOTEBOOKS_SUBPATH,
            "configSubPath": CONFIG_SUBPATH,
        },
        "auth": {
            "existingSecret": auth_secret,
            "users": [{"name": user["name"], "roles": user["roles"]} for user in users]
            or [{"name": ADMIN_USER, "roles": ["admin"]}],
        },
        "users": [{"name": user["name"], "shares": user["shares"]} for user in users],
        "networkPolicy": {
            "executorPodLabels": {
                "app.kubernetes.io/name": "spark-executor",
                "app.kubernetes.io/instance": names.executor_release,
                "app.kubernetes.io/component": "executor",
            },
        },
    }
    if spark_image:
        values["images"] = {"spark": spark_image_values(spark_image)}
    return values


def executor_values(deployment: Deployment, desired: DesiredState, *,
                    names: Names = Names(),
                    executor_share_mounts: ShareMounts = "sparkProperties") -> dict[str, Any]:
    """Values for charts/spark-executor. With ``podTemplate`` the template mounts the shares;
    with ``sparkProperties`` (the default) Spark's volume properties do, and the template
    must not (Spark would add every volume twice)."""
    shares = share_mounts(deployment, desired) if executor_share_mounts == "podTemplate" else []
    return {
        "fullnameOverride": names.executor_release,
        "shares": shares,
        # Each person's executors get their own pod template, with their own shares.
        "users": [{"name": user["name"], "shares": user["shares"]}
                  for user in user_mounts(deployment, desired)],
        "driver": {
            "podLabels": {
                "app.kubernetes.io/name": "zeppelin",
                "app.kubernetes.io/instance": names.zeppelin_release,
                "app.kubernetes.io/component": "interpreter",
            },
            # The notebook claim's root also holds Zeppelin's own state (users' credentials,
            # note permissions): executors see only the notes, like the interpreters.
            "claimSubPaths": {_notebook_share(desired).pvc_name: NOTEBOOKS_SUBPATH},
        },
    }


def releases(deployment: Deployment, desired: DesiredState, *,
             auth_secret: str = AUTH_SECRET,
             zeppelin_version: str = DEFAULT_ZEPPELIN_VERSION,
             names: Names = Names(),
             executor_share_mounts: ShareMounts = "sparkProperties",
             spark_image: str | None = None) -> tuple[Release, Release]:
    """Both releases, in install order (spark-executor, then zeppelin); uninstall in reverse."""
    return (
        Release(names.executor_release, EXECUTOR_CHART,
                executor_values(deployment, desired, names=names,
                                executor_share_mounts=executor_share_mounts)),
        Release(names.zeppelin_release, ZEPPELIN_CHART,
                zeppelin_values(deployment, desired, auth_secret=auth_secret,
                                zeppelin_version=zeppelin_version, names=names,
                                executor_share_mounts=executor_share_mounts,
                                spark_image=spark_image)),
    )
