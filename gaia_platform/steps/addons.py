"""Cluster add-ons deploy installs when the cluster lacks them: the CSI drivers, the ingress
controller, cert-manager. Each is a Helm release of a pinned upstream chart, and each is known
by one cluster-wide object its chart makes (the *marker*: a CSIDriver, an IngressClass, a
CRD). With ``install: auto`` a marker someone else made means "already there: use it".

Magnum's Cluster API driver has no label that installs the Manila CSI plugin with CephFS
(stackhpc/magnum-capi-helm conf.py, driver.py; capi-helm-charts leaves csiManila and
csi.cephfs off by default), so on a real cloud the driver is normally absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..plan import Action, Decision
from .base import Context, Progress, Unknown
from .kube import kube_api, read_or_absent
from .zeppelin import HelmReleaseKind, ReleaseTarget


@dataclass(frozen=True)
class Marker:
    """A cluster-wide object the add-on's chart makes: CSIDriver, IngressClass or
    CustomResourceDefinition."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class AddonTarget:
    release: ReleaseTarget
    #: With ``auto``, this object's presence outside the release means "already there".
    marker: Marker
    install: str  # auto | always
    chart: str  # for plan output


def read_marker(ctx: Context, marker: Marker) -> Any:
    # ctx.kube() only inside the reads: read_or_absent first checks there is a kubeconfig
    # (a plan before the cluster exists has none).
    read = {
        "CSIDriver": lambda: kube_api(ctx).find_csi_driver(marker.name),
        "IngressClass": lambda: kube_api(ctx).find_ingress_class(marker.name),
        "CustomResourceDefinition": lambda: kube_api(ctx).find_custom_resource_definition(
            marker.name),
    }[marker.kind]
    return read_or_absent(ctx, read)


class AddonReleaseKind:
    kind = "addon.release"

    def __init__(self) -> None:
        self.helm = HelmReleaseKind()

    def observe(self, ctx: Context, target: AddonTarget) -> Any:
        marker = read_marker(ctx, target.marker)
        if isinstance(marker, Unknown):
            return marker
        return {"marker": marker is not None,
                "release": self.helm.observe(ctx, target.release)}

    def decide(self, target: AddonTarget, observed: Any) -> Decision:
        marker = target.marker
        if isinstance(observed, Unknown):
            if target.install == "auto":
                return Decision(Action.CREATE, f"install {target.chart} unless the cluster has "
                                f"{marker} ({observed.why})")
            return Decision(Action.CREATE, f"install {target.chart} ({observed.why})")
        if observed["release"] is None and observed["marker"]:
            if target.install == "auto":
                return Decision(Action.NOOP, f"{marker} is there, installed outside deploy: "
                                "used as it is")
            return Decision(Action.CREATE, f"install {target.chart}; {marker} exists outside "
                            "this release and helm will refuse to take it over (use install: "
                            "auto to keep it)")
        if observed["release"] is None:
            return Decision(Action.CREATE, f"{marker} missing: install {target.chart}")
        if not observed["marker"]:
            # Someone deleted it; helm's upgrade creates the objects of a release that are gone.
            return Decision(Action.UPDATE, f"{marker} of this release is gone: upgrade the "
                            "release to put it back")
        return self.helm.decide(target.release, observed["release"])

    def apply(self, ctx: Context, target: AddonTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.NOOP and (isinstance(observed, dict)
                                               and observed["release"] is None):
            return {"release": None, "installed_by_deploy": False}
        release = observed["release"] if isinstance(observed, dict) else None
        result = self.helm.apply(ctx, target.release, release, decision, progress)
        return {**result, "installed_by_deploy": True}


@dataclass(frozen=True)
class MarkerCheckTarget:
    marker: Marker
    #: The profile field that said ``install: never`` (for the message).
    field: str
    #: What installs it, for the message.
    remedy: str


class MarkerCheckKind:
    """``install: never``: the add-on must already be in the cluster."""

    kind = "addon.check"

    def observe(self, ctx: Context, target: MarkerCheckTarget) -> Any:
        return read_marker(ctx, target.marker)

    def decide(self, target: MarkerCheckTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CHECK, f"must exist ({observed.why})")
        return Decision(Action.CHECK, "present" if observed is not None
                        else f"MISSING, and {target.field} is never")

    def apply(self, ctx: Context, target: MarkerCheckTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if observed is None:
            raise ConfigError(f"The cluster has no {target.marker}, and "
                              f"{ctx.deployment.profile_path} sets {target.field}: never. Set "
                              f"it to auto (deploy installs {target.remedy}), or install it "
                              "yourself, then re-run deploy.")
        return {"present": str(target.marker)}


@dataclass(frozen=True)
class TlsSecretTarget:
    secret: str
    namespace: str


class TlsSecretKind:
    """The certificate the profile names: an existing TLS Secret deploy never writes."""

    kind = "web.tls-secret"

    def observe(self, ctx: Context, target: TlsSecretTarget) -> Any:
        return read_or_absent(ctx, lambda: kube_api(ctx).find_secret(
            target.secret, target.namespace))

    def decide(self, target: TlsSecretTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CHECK, f"must exist ({observed.why})")
        if observed is None:
            return Decision(Action.CHECK, "MISSING: create it from your certificate")
        return Decision(Action.CHECK, f"present ({observed.type})")

    def apply(self, ctx: Context, target: TlsSecretTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        where = f"{ctx.deployment.profile_path} (web.tls.secret)"
        if observed is None:
            raise ConfigError(
                f"{where} names the TLS Secret {target.secret}, which is not in namespace "
                f"{target.namespace}. Create it from your certificate and key: kubectl -n "
                f"{target.namespace} create secret tls {target.secret} --cert=FULLCHAIN.pem "
                "--key=KEY.pem (KUBECONFIG from `platform kubeconfig`), or use web.tls.acme; "
                "then re-run deploy.")
        if observed.type != "kubernetes.io/tls":
            raise ConfigError(f"{where}: Secret {target.namespace}/{target.secret} has type "
                              f"{observed.type}, not kubernetes.io/tls. Re-create it with "
                              "kubectl create secret tls, then re-run deploy.")
        return {"secret": target.secret}
