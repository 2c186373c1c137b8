"""The Kubernetes kinds decide from what the API answered (objects as the kubernetes client
builds them from the apiserver's JSON): the namespace's Pod Security level follows the
Zeppelin release, a login Secret missing someone's password hash gets it, and nothing is
decided about a cluster that is not there yet."""

from __future__ import annotations

import base64
import copy
from typing import Any

from kubernetes import client

from gaia_platform import profile
from gaia_platform.desired import desired_state
from gaia_platform.kube import storage
from gaia_platform.plan import Action, Decision
from gaia_platform.steps.base import Unknown
from gaia_platform.steps.kube import (
    POD_SECURITY_ENFORCE,
    CsiDriverKind,
    CsiDriverTarget,
    NamespaceKind,
    NamespaceTarget,
    PersistentVolumeKind,
    VolumeTarget,
)
from gaia_platform.steps.zeppelin import AuthTarget, ZeppelinAuthKind

DESIRED = desired_state(profile.load("cambridge"))


def _namespace(labels: dict[str, str]) -> client.V1Namespace:
    """GET /api/v1/namespaces/{name}."""
    return client.V1Namespace(metadata=client.V1ObjectMeta(name="gaia", labels=labels),
                              status=client.V1NamespaceStatus(phase="Active"))


def test_the_namespace_enforces_the_level_the_zeppelin_pods_meet() -> None:
    target = NamespaceTarget("gaia", "sandbox", pod_security="baseline")
    kind = NamespaceKind()
    stricter = kind.decide(target, _namespace({POD_SECURITY_ENFORCE: "restricted"}))
    assert stricter.action is Action.UPDATE
    assert stricter.changes == {POD_SECURITY_ENFORCE: ["restricted", "baseline"]}
    assert kind.decide(target, _namespace({POD_SECURITY_ENFORCE: "baseline"})).action \
        is Action.NOOP
    made = kind.decide(target, None)
    assert made.action is Action.CREATE and made.changes == {
        POD_SECURITY_ENFORCE: [None, "baseline"]}


def test_a_missing_csi_driver_stops_deploy_only_when_it_may_not_be_installed() -> None:
    kind = CsiDriverKind()
    never = CsiDriverTarget("cephfs.manila.csi.openstack.org", "never", None, None)
    auto = CsiDriverTarget("cephfs.manila.csi.openstack.org", "auto", "csi.manila", (1, 32))
    assert kind.decide(never, None).reason == "MISSING, and the profile says install: never"
    assert kind.decide(auto, None).reason == "installed by the step before"
    assert kind.decide(auto, Unknown("no kubeconfig yet")).reason == \
        "must be installed (no kubeconfig yet)"


def _secret(data: dict[str, str]) -> client.V1Secret:
    """GET /api/v1/namespaces/{ns}/secrets/{name}: values base64-encoded."""
    return client.V1Secret(data={k: base64.b64encode(v.encode()).decode()
                                 for k, v in data.items()}, type="Opaque")


def test_a_login_without_its_password_hash_gets_one() -> None:
    target = AuthTarget("zeppelin-auth", "gaia", "admin", "sandbox", ("admin", "carol"))
    kind = ZeppelinAuthKind()
    hashed = "$shiro1$SHA-256$500000$c2FsdA==$aGFzaA=="
    complete = _secret({"admin": "a", "admin.shiro1": hashed, "carol": "c",
                        "carol.shiro1": hashed})
    assert kind.decide(target, complete).action is Action.NOOP
    no_hash = _secret({"admin": "a", "admin.shiro1": hashed, "carol": "c"})
    decision = kind.decide(target, no_hash)
    assert decision.action is Action.UPDATE and decision.changes == {"users": ["carol"]}
    assert kind.decide(target, None).action is Action.CREATE


def _volume_answer(wanted: dict[str, Any], storage_size: str, handle: str) -> dict[str, Any]:
    """GET /api/v1/persistentvolumes/{name} as the apiserver answers for what we made: the
    quantity canonicalised, defaults and status added."""
    answer = copy.deepcopy(wanted)
    answer["spec"]["capacity"] = {"storage": storage_size}
    answer["spec"]["csi"]["volumeHandle"] = handle
    if not wanted["spec"]["csi"]["readOnly"]:
        del answer["spec"]["csi"]["readOnly"]  # the API leaves out a false readOnly
    answer["metadata"].update(uid="9f1c", resourceVersion="4711")
    answer["status"] = {"phase": "Bound"}
    return answer


def _volume_decision(storage_size: str, handle: str = "share-1") -> Decision:
    share = next(s for s in DESIRED.shares if s.share.size_gb == 1024)
    wanted = storage.persistent_volume(share, deployment="cambridge", namespace="gaia",
                                       share_id="share-1", access_id="rule-1",
                                       secret="manila-csi-credentials", driver_version=(1, 32))
    actual = _volume_answer(wanted, storage_size, handle)
    target = VolumeTarget(share, "gaia", "cambridge", "manila.access/x", "csi")
    return PersistentVolumeKind().decide(
        target, {"pv": actual, "changes": storage.pv_differences(wanted, actual)})


def test_a_volume_grows_in_place_and_is_replaced_only_for_another_share() -> None:
    # 1024Gi comes back from the API as 1Ti: the same size.
    assert _volume_decision("1Ti").action is Action.NOOP
    grow = _volume_decision("512Gi")
    assert grow.action is Action.UPDATE and set(grow.changes) == {"capacity"}
    larger = _volume_decision("2Ti")
    assert larger.action is Action.NOOP and "never shrunk" in larger.reason
    moved = _volume_decision("1Ti", handle="share-0")
    assert moved.action is Action.UPDATE and "csi.volumeHandle" in moved.changes
    assert moved.reason.startswith("source changed")
