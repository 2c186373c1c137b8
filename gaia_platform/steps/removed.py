"""Shares that left the catalogue (removed or renamed): this deployment's claim, volume and
cephx access rule on them go; the share itself never does (data is sacred; `platform delete
--delete-data` is the only way a share is deleted).

They are found from the cluster: every PersistentVolume deploy makes carries the deployment's
owner label, the share's catalogue name, and in its CSI attributes the share's id and the
access rule's id (kube/storage.py), so nothing else has to remember what was there before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..desired import OWNER_KEY
from ..plan import Action, Decision
from .base import Context, Progress, Unknown
from .kube import kube_api


@dataclass(frozen=True)
class RemovedTarget:
    deployment: str
    namespace: str
    #: The catalogue's share names now.
    shares: tuple[str, ...]


@dataclass(frozen=True)
class Leftover:
    share: str
    pv: str
    claim: str | None
    share_id: str | None
    access_id: str | None


class RemovedSharesKind:
    kind = "kube.removed-shares"

    def observe(self, ctx: Context, target: RemovedTarget) -> Any:
        if not ctx.kubeconfig_path.is_file():
            return Unknown("no kubeconfig yet")
        volumes = kube_api(ctx).volumes(label_selector=f"{OWNER_KEY}={target.deployment}")
        leftovers = []
        for pv in volumes:
            share = (pv.metadata.labels or {}).get("gaia-platform.share")
            if share is None or share in target.shares:
                continue
            claim = pv.spec.claim_ref.name if pv.spec.claim_ref else None
            attributes = (pv.spec.csi.volume_attributes or {}) if pv.spec.csi else {}
            leftovers.append(Leftover(share, pv.metadata.name, claim,
                                      attributes.get("shareID"),
                                      attributes.get("shareAccessID")))
        return sorted(leftovers, key=lambda item: item.share)

    def decide(self, target: RemovedTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown) or not observed:
            return Decision(Action.NOOP, "every volume of this deployment is in the catalogue")
        names = ", ".join(item.share for item in observed)
        return Decision(
            Action.DELETE, f"no longer in the catalogue: {names}; this deployment's claim, "
            "volume and access rule go, the shares stay",
            {item.share: [f"claim {item.claim}, volume {item.pv}, access rule "
                          f"{item.access_id}", "removed (share kept)"] for item in observed})

    def apply(self, ctx: Context, target: RemovedTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        from ..cloud.manila import Manila

        if decision.action is not Action.DELETE:
            return {"removed": []}
        kube = kube_api(ctx)
        manila = Manila(ctx.cloud)
        for item in observed:
            # The claim first (a pod still using it keeps it until the pod goes: the
            # zeppelin release, upgraded before this step, no longer mounts it), then the
            # volume, then the cephx rule: the share and its data are left alone.
            if item.claim:
                kube.delete_claim(item.claim, target.namespace)
            kube.delete_volume(item.pv)
            if item.share_id and item.access_id:
                manila.deny(item.share_id, item.access_id)
            progress(f"share {item.share} left the catalogue: removed claim {item.claim}, "
                     f"volume {item.pv} and access rule {item.access_id}; the share is kept")
        return {"removed": [item.share for item in observed]}
