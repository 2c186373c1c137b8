"""The deployment's Kubernetes side: namespace, Manila CSI driver and its credentials,
and a PersistentVolume + claim per share."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from ..cloud.keystone import Keystone
from ..desired import OWNER_KEY, SharePlan
from ..errors import CloudError, ConfigError
from ..kube import observed as seen
from ..kube import storage
from ..kube.api import Kube, find
from ..plan import Action, Decision
from ..waiting import wait_until
from .base import Context, Progress, Unknown


def read_or_absent(ctx: Context, read: Any) -> Any:
    """Run a read against the cluster; None if the object is absent, Unknown if the cluster
    cannot be reached yet (no kubeconfig: the cluster is still to be built)."""
    if not ctx.kubeconfig_path.is_file():
        return Unknown("no kubeconfig yet")
    return find(read)


def kube_api(ctx: Context) -> Kube:
    """The deployment's cluster (the kubeconfig must be there)."""
    return Kube(ctx.kube())


def when_missing(observed: Any, what: str) -> Decision | None:
    if isinstance(observed, Unknown):
        return Decision(Action.CREATE, f"create unless present ({observed.why})")
    if observed is None:
        return Decision(Action.CREATE, f"{what} missing")
    return None


#: Pod Security admission's namespace labels (kubernetes.io/docs/concepts/security/
#: pod-security-admission/#pod-security-admission-labels-for-namespaces).
POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce"
POD_SECURITY_ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"
POD_SECURITY_WARN = "pod-security.kubernetes.io/warn"


@dataclass(frozen=True)
class NamespaceTarget:
    name: str
    deployment: str
    #: The Pod Security level the namespace enforces: the one the Zeppelin release's pods
    #: really meet (helm.values.pod_security_level).
    pod_security: str = "restricted"

    def labels(self) -> dict[str, str]:
        # warn at "restricted" too: where only "baseline" is enforced, every pod that misses
        # "restricted" still shows a warning to whoever creates it.
        return {OWNER_KEY: self.deployment, POD_SECURITY_ENFORCE: self.pod_security,
                POD_SECURITY_ENFORCE_VERSION: "latest", POD_SECURITY_WARN: "restricted"}


class NamespaceKind:
    kind = "kube.namespace"

    def observe(self, ctx: Context, target: NamespaceTarget) -> Any:
        return read_or_absent(ctx, lambda: kube_api(ctx).find_namespace(target.name))

    def decide(self, target: NamespaceTarget, observed: Any) -> Decision:
        missing = when_missing(observed, "namespace")
        if missing:
            return Decision(missing.action, missing.reason,
                            {POD_SECURITY_ENFORCE: [None, target.pod_security]})
        labels = observed.metadata.labels or {}
        current = labels.get(POD_SECURITY_ENFORCE)
        if current != target.pod_security:
            # A namespace stricter than the pods would refuse every interpreter or executor;
            # a laxer one would let through what the charts never need.
            return Decision(Action.UPDATE, "Pod Security level differs",
                            {POD_SECURITY_ENFORCE: [current, target.pod_security]})
        return Decision(Action.NOOP, f"exists, enforces Pod Security {current!r}")

    def apply(self, ctx: Context, target: NamespaceTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        pod_security = {key: value for key, value in target.labels().items()
                        if key.startswith("pod-security.")}
        if decision.action is Action.CREATE:
            kube_api(ctx).create_namespace({"metadata": {
                "name": target.name, "labels": target.labels()}})
        elif decision.action is Action.UPDATE:
            # Only the Pod Security labels: other labels on a namespace are not ours.
            kube_api(ctx).patch_namespace(target.name, {"metadata": {"labels": pod_security}})
        return {"name": target.name, "pod_security": target.pod_security}


@dataclass(frozen=True)
class CsiDriverTarget:
    driver: str
    #: auto | always | never (profile cephfs.csi.install).
    install: str
    #: The step that installs the Manila CSI release (None with install: never).
    release_step: str | None
    #: The driver version that release installs: the PV attributes depend on it.
    pinned_version: tuple[int, int] | None


class CsiDriverKind:
    """The Manila CSI driver must be in the cluster before volumes can use it: installed by
    the CSI release steps, or by whoever made the cluster."""

    kind = "kube.csi-driver"

    def observe(self, ctx: Context, target: CsiDriverTarget) -> Any:
        return read_or_absent(ctx, lambda: kube_api(ctx).find_csi_driver(target.driver))

    def decide(self, target: CsiDriverTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CHECK, f"must be installed ({observed.why})")
        if observed is None:
            if target.install == "never":
                return Decision(Action.CHECK, "MISSING, and the profile says install: never")
            return Decision(Action.CHECK, "installed by the step before")
        return Decision(Action.CHECK, "installed")

    def apply(self, ctx: Context, target: CsiDriverTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if observed is None or isinstance(observed, Unknown):
            if target.install == "never":
                raise ConfigError(
                    f"The cluster has no CSI driver {target.driver}, so the shares cannot be "
                    f"mounted, and {ctx.deployment.profile_path} sets cephfs.csi.install: "
                    "never. Set it to auto (deploy installs the openstack-manila-csi and "
                    "ceph-csi-cephfs charts named in cephfs.csi), or install those charts "
                    "yourself with the CEPHFS share protocol, then re-run deploy.")
            raise CloudError(f"The CSI driver {target.driver} is still missing after its "
                             "chart was installed: check the release's pods (kubectl -n "
                             "openstack-system get pods), then re-run deploy.")
        ours = bool(target.release_step
                    and (ctx.results.get(target.release_step) or {}).get("installed_by_deploy"))
        # A driver someone else installed has an unknown version: volumes then carry only
        # attributes every version accepts (kube/storage.py volume_attributes).
        version = target.pinned_version if ours else None
        return {"driver": target.driver, "driver_version": list(version) if version else None}


@dataclass(frozen=True)
class CsiSecretTarget:
    secret: str
    namespace: str
    app_credential: str
    deployment: str
    #: Another project's clouds.yaml entry (profile.OpenStackAccess), for the shares it owns:
    #: the credential is made with it, so it can read only what that project shares.
    owner: Any = None

    def cloud(self, ctx: Context) -> Any:
        if self.owner is None:
            return ctx.cloud
        from ..cloud.connection import NoCredentials
        from ..errors import ConfigError

        try:
            return ctx.owner_cloud(self.owner)
        except NoCredentials as exc:
            raise ConfigError(f"No credentials for the project that owns data shares: {exc}. "
                              f"Add a clouds.yaml entry named {self.owner.cloud!r} for it "
                              "(the catalogue's owner.cloud names it).") from exc

    def given_credential(self, ctx: Context) -> tuple[str, str] | None:
        """For another project: the application credential its clouds.yaml entry already
        uses, passed on as it is, so nothing is made in that project (Keystone also refuses
        to let a restricted application credential create another)."""
        if self.owner is None:
            return None
        return Keystone(self.cloud(ctx)).given_application_credential()


class CsiSecretKind:
    """A restricted application credential for the CSI driver, kept only in a Secret."""

    kind = "kube.csi-secret"
    ANNOTATION = "gaia-platform.application-credential-id"

    def observe(self, ctx: Context, target: CsiSecretTarget) -> Any:
        secret = read_or_absent(
            ctx, lambda: kube_api(ctx).find_secret(target.secret, target.namespace))
        if secret is None or isinstance(secret, Unknown):
            return secret
        cred_id = (secret.metadata.annotations or {}).get(self.ANNOTATION)
        try:
            given = target.given_credential(ctx)
        except ConfigError as exc:
            return Unknown(str(exc))
        if given is not None:
            return {"secret": True, "credential": given[0] == cred_id}
        credentials = Keystone(target.cloud(ctx)).application_credentials()
        return {"secret": True, "credential": any(c.id == cred_id for c in credentials)}

    def decide(self, target: CsiSecretTarget, observed: Any) -> Decision:
        missing = when_missing(observed, "secret")
        if missing:
            return missing
        if not observed["credential"]:
            return Decision(Action.UPDATE, "its application credential is gone")
        return Decision(Action.NOOP, "present")

    def apply(self, ctx: Context, target: CsiSecretTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.NOOP:
            return {"secret": target.secret}
        keystone = Keystone(target.cloud(ctx))
        given = target.given_credential(ctx)
        if given is not None:
            cred_id, cred_secret = given
        else:
            # Its secret is lost with the Secret: replace the credential.
            keystone.delete_application_credential(target.app_credential)
            cred = keystone.create_application_credential(
                target.app_credential,
                f"Manila CSI driver of gaia-platform deployment {target.deployment}")
            cred_id, cred_secret = cred.id, cred.secret
        data = {
            "os-authURL": keystone.auth_url,
            "os-region": keystone.region,
            "os-applicationCredentialID": cred_id,
            "os-applicationCredentialSecret": cred_secret,
        }
        body = {
            "metadata": {"name": target.secret, "namespace": target.namespace,
                         "labels": {OWNER_KEY: target.deployment},
                         "annotations": {self.ANNOTATION: cred_id}},
            "type": "Opaque",
            "data": {k: base64.b64encode(str(v).encode()).decode() for k, v in data.items()},
        }
        kube = kube_api(ctx)
        if observed is None or isinstance(observed, Unknown):
            kube.create_secret(target.namespace, body)
        else:
            kube.replace_secret(target.secret, target.namespace, body)
        what = f"the application credential of clouds.yaml entry {target.owner.cloud}" \
            if given is not None and target.owner is not None \
            else f"application credential {target.app_credential}"
        progress(f"{what} stored in Secret {target.namespace}/{target.secret}")
        return {"secret": target.secret}


@dataclass(frozen=True)
class VolumeTarget:
    share: SharePlan
    namespace: str
    deployment: str
    access_step: str
    secret: str
    #: The step that checks the CSI driver (its result names the driver version) and the
    #: version expected when planning, before that step has run.
    driver_step: str = "kube.csi-driver"
    planned_driver_version: tuple[int, int] | None = None


class PersistentVolumeKind:
    kind = "kube.pv"

    def observe(self, ctx: Context, target: VolumeTarget) -> Any:
        # From one list call for all the deployment's volumes (kube/observed.py).
        actual = read_or_absent(
            ctx, lambda: seen.volume(ctx.kube(), target.deployment, target.share.pv_name))
        if actual is None or isinstance(actual, Unknown):
            return actual
        wanted = self.wanted(ctx, target)
        changes = storage.pv_differences(wanted, actual) if wanted else {}
        return {"pv": actual, "changes": changes}

    def wanted(self, ctx: Context, target: VolumeTarget) -> dict[str, Any] | None:
        """The PV for the share's current id and access rule (None if they are unknown)."""
        if target.access_step in ctx.results:
            access = ctx.result(target.access_step)
            share_id, access_id = access["share_id"], access["access_id"]
        else:  # planning: look them up
            from ..cloud.manila import Manila

            manila = Manila(ctx.cloud)
            share = manila.find_share(target.share.name)
            if share is None:
                return None
            rules = manila.observe_cephx(share, target.share.cephx_id)
            if not rules:
                return None
            share_id, access_id = share.id, rules[0].id
        version = target.planned_driver_version
        if target.driver_step in ctx.results:
            found = ctx.result(target.driver_step)["driver_version"]
            version = (found[0], found[1]) if found else None
        return storage.persistent_volume(
            target.share, deployment=target.deployment, namespace=target.namespace,
            share_id=share_id, access_id=access_id, secret=target.secret,
            driver_version=version)

    def decide(self, target: VolumeTarget, observed: Any) -> Decision:
        missing = when_missing(observed, "volume")
        if missing:
            return missing
        changes = dict(observed["changes"])
        capacity = changes.pop("capacity", None)
        if changes:
            return Decision(Action.UPDATE, "source changed: volume and claim are replaced "
                            "(the share is untouched)", observed["changes"])
        phase = (observed["pv"].get("status") or {}).get("phase")
        if capacity and _grows(capacity):
            # A PV's capacity may change in place (only its source is immutable): the claim
            # and the pods using it are left alone.
            return Decision(Action.UPDATE, "extend the volume in place (the claim and the "
                            "pods using it are untouched)", {"capacity": capacity})
        if capacity:
            return Decision(Action.NOOP, f"{phase} (larger than the catalogue's size: shares "
                            "are never shrunk)")
        return Decision(Action.NOOP, f"{phase}")

    def apply(self, ctx: Context, target: VolumeTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        wanted = self.wanted(ctx, target)
        kube = kube_api(ctx)
        if decision.action is Action.CREATE:
            seen.created_volume(ctx.kube(), target.deployment, kube.create_volume(wanted))
        elif decision.action is Action.UPDATE and set(decision.changes) == {"capacity"}:
            capacity = decision.changes["capacity"][1]
            kube.patch_volume(target.share.pv_name, {"spec": {"capacity": capacity}})
            progress(f"volume {target.share.pv_name} extended to {capacity['storage']}")
        elif decision.action is Action.UPDATE:
            # A PV's source is immutable: replace it and its claim.
            progress(f"replacing volume {target.share.pv_name}: {sorted(decision.changes)}")
            kube.delete_claim(target.share.pvc_name, target.namespace)
            seen.deleted_claim(ctx.kube(), target.deployment, target.namespace,
                               target.share.pvc_name)
            kube.delete_volume(target.share.pv_name, ignore_missing=False)
            seen.deleted_volume(ctx.kube(), target.deployment, target.share.pv_name)
            # The old volume has a finalizer: it is gone once the claim's removal lets go.
            def gone() -> tuple[bool, None, str]:
                from ..kube.workload import volume_going

                old = seen.volume(ctx.kube(), target.deployment, target.share.pv_name, poll=True)
                return old is None, None, "gone" if old is None else volume_going(old)

            wait_until(gone, what=f"old volume {target.share.pv_name}", timeout=120,
                       report=progress)
            seen.created_volume(ctx.kube(), target.deployment, kube.create_volume(wanted))
        if decision.action in (Action.CREATE, Action.UPDATE):
            # The PV controller marks a new volume Available once it has seen it. A claim made
            # before that waits for the controller's next periodic sync to bind (seconds).
            def seen_by_controller() -> tuple[bool, None, str]:
                volume = seen.volume(ctx.kube(), target.deployment, target.share.pv_name,
                                     poll=True)
                phase = str(((volume or {}).get("status") or {}).get("phase") or "Pending")
                return phase in ("Available", "Bound"), None, phase

            wait_until(seen_by_controller, what=f"volume {target.share.pv_name}", timeout=120,
                       report=progress)
        return {"pv": target.share.pv_name}


def _grows(capacity: list[Any]) -> bool:
    have, want = ((c or {}).get("storage", "0") for c in capacity)
    return storage.quantity_bytes(str(want)) > storage.quantity_bytes(str(have))


#: Seconds after a claim was made at which it is touched if still pending.
NUDGE_AT = (0.5, 3.0)
BIND_REQUESTED = "gaia-platform.bind-requested"


class PersistentVolumeClaimKind:
    kind = "kube.pvc"

    def observe(self, ctx: Context, target: VolumeTarget) -> Any:
        # From one list call for all the deployment's claims (kube/observed.py).
        return read_or_absent(ctx, lambda: seen.claim(
            ctx.kube(), target.deployment, target.namespace, target.share.pvc_name))

    def decide(self, target: VolumeTarget, observed: Any) -> Decision:
        missing = when_missing(observed, "claim")
        if missing:
            return missing
        return Decision(Action.NOOP, f"{(observed.get('status') or {}).get('phase')}")

    def apply(self, ctx: Context, target: VolumeTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        kube = kube_api(ctx)
        if decision.action is Action.CREATE:
            seen.created_claim(ctx.kube(), target.deployment, target.namespace,
                               kube.create_claim(
                                   target.namespace,
                                   storage.persistent_volume_claim(
                                       target.share, deployment=target.deployment,
                                       namespace=target.namespace)))

        def bound() -> tuple[bool, str, str]:
            from ..kube import workload

            # Every waiting claim shares one list call per round (kube/observed.py).
            claim = seen.claim(ctx.kube(), target.deployment, target.namespace,
                               target.share.pvc_name, poll=True)
            if claim is None:
                raise CloudError(f"The claim {target.namespace}/{target.share.pvc_name} "
                                 "disappeared while waiting for it to bind.")
            phase = str((claim.get("status") or {}).get("phase"))
            if phase == "Bound":
                return True, phase, phase
            # Not bound yet: what says why (the volume, the claim's events), from the shared
            # listings too, so a few hundred waiting claims do not read them one by one.
            volume = seen.volume(ctx.kube(), target.deployment, target.share.pv_name)
            events = seen.claim_events(ctx.kube(), target.deployment, target.namespace,
                                       target.share.pvc_name)
            explained = workload.explain_claim(claim, volume, events)
            if explained.hopeless:
                raise CloudError(explained.hopeless)
            if not explained.ready:
                nudge()
            return explained.ready, phase, explained.status

        made = time.monotonic()
        nudges = list(NUDGE_AT)

        def nudge() -> None:
            # The PV controller binds a claim when it hears of it; if it heard before its cache
            # held the volume, or the bind met a conflict, it tries again only at its periodic
            # sync (--pvclaimbinder-sync-period, 15 s by default: kube-controller-manager
            # reference). Any change to the claim makes it look again now, so a claim still
            # pending half a second after it was made is touched (an annotation), at most twice:
            # a claim merely queued behind many others gains nothing from more.
            if not nudges or time.monotonic() - made < nudges[0]:
                return
            nudges.pop(0)
            kube.patch_claim(
                target.share.pvc_name, target.namespace,
                {"metadata": {"annotations": {BIND_REQUESTED: f"{time.time():.0f}"}}})

        phase = wait_until(bound, what=f"claim {target.share.pvc_name}", timeout=300,
                           report=progress)
        return {"pvc": target.share.pvc_name, "phase": phase}
