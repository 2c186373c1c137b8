"""The CSI drivers' Helm releases, installed when the cluster has no such driver.

Magnum's Cluster API driver has no label that installs the Manila CSI plugin with CephFS
(stackhpc/magnum-capi-helm conf.py, driver.py; capi-helm-charts leaves csiManila and
csi.cephfs off by default), so on a real cloud the driver is normally absent and deploy
installs it (``cephfs.csi.install`` in the profile: auto, always or never).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plan import Action, Decision
from .base import Context, Progress, Unknown
from .kube import read_or_absent
from .zeppelin import HelmReleaseKind, ReleaseTarget


@dataclass(frozen=True)
class CsiReleaseTarget:
    release: ReleaseTarget
    #: The CSIDriver the chart registers: with ``auto``, its presence means "already there".
    driver: str
    install: str  # auto | always
    chart: str  # for plan output


def read_csi_driver(ctx: Context, name: str) -> Any:
    from kubernetes import client

    return read_or_absent(ctx, lambda: client.StorageV1Api(ctx.kube()).read_csi_driver(name))


class CsiReleaseKind:
    kind = "csi.release"

    def __init__(self) -> None:
        self.helm = HelmReleaseKind()

    def observe(self, ctx: Context, target: CsiReleaseTarget) -> Any:
        driver = read_csi_driver(ctx, target.driver)
        if isinstance(driver, Unknown):
            return driver
        return {"driver": driver is not None,
                "release": self.helm.observe(ctx, target.release)}

    def decide(self, target: CsiReleaseTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            if target.install == "auto":
                return Decision(Action.CREATE, f"install {target.chart} unless the cluster has "
                                f"CSIDriver {target.driver} ({observed.why})")
            return Decision(Action.CREATE, f"install {target.chart} ({observed.why})")
        if observed["release"] is None and observed["driver"]:
            if target.install == "auto":
                return Decision(Action.NOOP, f"CSIDriver {target.driver} is there, installed "
                                "outside deploy: used as it is")
            return Decision(Action.CREATE, f"install {target.chart}; CSIDriver "
                            f"{target.driver} exists outside this release and helm will refuse "
                            "to take it over (use install: auto to keep it)")
        if observed["release"] is None:
            return Decision(Action.CREATE, f"CSIDriver {target.driver} missing: install "
                            f"{target.chart}")
        if not observed["driver"]:
            # Someone deleted it; helm's upgrade creates the objects of a release that are gone.
            return Decision(Action.UPDATE, f"CSIDriver {target.driver} of this release is "
                            "gone: upgrade the release to put it back")
        return self.helm.decide(target.release, observed["release"])

    def apply(self, ctx: Context, target: CsiReleaseTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.NOOP and (isinstance(observed, dict)
                                               and observed["release"] is None):
            return {"release": None, "installed_by_deploy": False}
        release = observed["release"] if isinstance(observed, dict) else None
        result = self.helm.apply(ctx, target.release, release, decision, progress)
        return {**result, "installed_by_deploy": True}
