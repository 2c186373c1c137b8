"""The Kubernetes kinds decide from what the API answered (objects as the kubernetes client
builds them from the apiserver's JSON): the namespace's Pod Security level follows the
Zeppelin release, a login Secret missing someone's password hash gets it, and nothing is
decided about a cluster that is not there yet."""

from __future__ import annotations

import base64

from kubernetes import client

from gaia_platform.plan import Action
from gaia_platform.steps.base import Unknown
from gaia_platform.steps.kube import (
    POD_SECURITY_ENFORCE,
    CsiDriverKind,
    CsiDriverTarget,
    NamespaceKind,
    NamespaceTarget,
)
from gaia_platform.steps.zeppelin import AuthTarget, ZeppelinAuthKind


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
