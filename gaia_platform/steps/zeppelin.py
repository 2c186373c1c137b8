"""The notebook service: Zeppelin's login Secret and the two Helm releases."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..desired import OWNER_KEY
from ..helm.charts import ChartRef
from ..plan import Action, Decision
from ..users.passwords import encoded, new_password, password_of, users_with_password
from .base import Context, Progress, Unknown
from .kube import core_api, read_or_absent, when_missing


@dataclass(frozen=True)
class AuthTarget:
    secret: str
    namespace: str
    user: str
    deployment: str
    #: Everyone who logs in (users catalogue); empty: ``user`` alone.
    users: tuple[str, ...] = ()

    @property
    def everyone(self) -> tuple[str, ...]:
        return self.users or (self.user,)


class ZeppelinAuthKind:
    """No default password: one is generated once per user and kept only in a Kubernetes
    Secret. An existing password is never replaced here (``platform users reset-password``
    does that, and shows the new one)."""

    kind = "kube.zeppelin-auth"

    def observe(self, ctx: Context, target: AuthTarget) -> Any:
        return read_or_absent(
            ctx, lambda: core_api(ctx).read_namespaced_secret(target.secret, target.namespace))

    def decide(self, target: AuthTarget, observed: Any) -> Decision:
        missing = when_missing(observed, "login secret")
        if missing:
            return Decision(missing.action, f"{missing.reason}: a password will be generated")
        lacking = [user for user in target.everyone
                   if user not in users_with_password(observed)]
        if lacking:
            return Decision(Action.UPDATE, f"no password (or no password hash) for user(s) "
                            f"{', '.join(lacking)}", {"users": lacking})
        return Decision(Action.NOOP, "present")

    def apply(self, ctx: Context, target: AuthTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.NOOP:
            return {"secret": target.secret}
        have = set() if observed is None or isinstance(observed, Unknown) \
            else users_with_password(observed)
        # A password kept from before its hash was (a deployment older than the hashes)
        # keeps working: only its hash is added.
        kept = {user: password_of(observed, user) for user in target.everyone
                if user not in have} if observed is not None and \
            not isinstance(observed, Unknown) else {}
        passwords = {user: kept.get(user) or new_password() for user in target.everyone
                     if user not in have}
        body = {
            "metadata": {"name": target.secret, "namespace": target.namespace,
                         "labels": {OWNER_KEY: target.deployment}},
            "type": "Opaque",
            "data": encoded(passwords),
        }
        core = core_api(ctx)
        if decision.action is Action.CREATE:
            core.create_namespaced_secret(target.namespace, body)
        else:
            core.patch_namespaced_secret(target.secret, target.namespace,
                                         {"data": body["data"]})
        for user in (u for u in passwords if not kept.get(u)):
            progress(f"generated the Zeppelin password of user {user}; show it once with "
                     f"`platform users reset-password {user}` (which replaces it), or read it "
                     f"with: kubectl -n {target.namespace} get secret {target.secret} "
                     f"-o jsonpath='{{.data.{user}}}' | base64 -d")
        return {"secret": target.secret}


@dataclass(frozen=True)
class ReleaseTarget:
    name: str
    chart: ChartRef
    namespace: str
    values: dict[str, Any]
    #: Releases in their own namespace (the CSI drivers') create it at install.
    create_namespace: bool = False
    #: Fill networkPolicy.apiServer from the cluster (the zeppelin chart's egress policies).
    api_server_egress: bool = False


def api_server_addresses(slices: list[Any]) -> dict[str, Any] | None:
    """networkPolicy.apiServer for the zeppelin chart from the `kubernetes` Service's
    EndpointSlices: the API servers' own addresses and ports, which is what egress policies
    see once the Service address is translated (a policy on the Service IP would match
    nothing). None when the cluster publishes none (the sandbox does not), leaving the chart's
    default: any address but the metadata service."""
    cidrs: set[str] = set()
    ports: set[int] = set()
    for item in slices:
        for endpoint in item.endpoints or []:
            for address in endpoint.addresses or []:
                cidrs.add(f"{address}/32" if ":" not in address else f"{address}/128")
        for port in item.ports or []:
            if port.port:
                ports.add(int(port.port))
    if not cidrs or not ports:
        return None
    return {"cidrs": sorted(cidrs), "ports": sorted(ports)}


def _values(ctx: Context, target: ReleaseTarget) -> dict[str, Any]:
    if not target.api_server_egress:
        return target.values
    from kubernetes import client

    slices = client.DiscoveryV1Api(ctx.kube()).list_namespaced_endpoint_slice(
        "default", label_selector="kubernetes.io/service-name=kubernetes").items
    found = api_server_addresses(slices)
    if found is None:
        return target.values
    values = copy.deepcopy(target.values)
    values.setdefault("networkPolicy", {})["apiServer"] = found
    return values


class HelmReleaseKind:
    kind = "helm.release"

    def observe(self, ctx: Context, target: ReleaseTarget) -> Any:
        if not ctx.kubeconfig_path.is_file():
            return Unknown("no kubeconfig yet")
        from ..kube.helm import Helm

        helm = Helm(ctx.kubeconfig_path)
        current = helm.current(target.name, target.namespace)
        if current is None:
            return None
        values = _values(ctx, target)
        wanted = helm.render(target.name, target.chart, values, target.namespace)
        return {"current": current, "wanted": wanted, "values": values}

    def decide(self, target: ReleaseTarget, observed: Any) -> Decision:
        missing = when_missing(observed, "release")
        if missing:
            return missing
        current, wanted = observed["current"], observed["wanted"]
        if current["status"].startswith("pending-"):
            return Decision(Action.UPDATE, f"revision {current['revision']} is "
                            f"{current['status']} (an interrupted run): roll back or remove "
                            "it, then install")
        if current["status"] != "deployed":
            return Decision(Action.UPDATE, f"revision {current['revision']} is "
                            f"{current['status']}")
        changes: dict[str, Any] = {}
        if (current["chart"], current["version"]) != (wanted["chart"], wanted["version"]):
            changes["chart"] = [f"{current['chart']}-{current['version']}",
                                f"{wanted['chart']}-{wanted['version']}"]
        if current["values"] != observed["values"]:
            changes["values"] = "changed"
        if current["resources"] != wanted["resources"]:
            changed = sorted({f"{k}/{n}" for k, n, _ in
                              set(current["resources"]) ^ set(wanted["resources"])})
            changes["resources"] = changed
        if changes:
            return Decision(Action.UPDATE, f"upgrade revision {current['revision']}", changes)
        return Decision(Action.NOOP, f"revision {current['revision']} deployed")

    def apply(self, ctx: Context, target: ReleaseTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.NOOP:
            return {"release": target.name, "revision": observed["current"]["revision"]}
        from ..kube.helm import Helm

        revision = Helm(ctx.kubeconfig_path).install_or_upgrade(
            target.name, target.chart, _values(ctx, target), target.namespace,
            create_namespace=target.create_namespace, progress=progress)
        progress(f"release {target.name} at revision {revision}")
        return {"release": target.name, "revision": revision}


@dataclass(frozen=True)
class ServerTarget:
    deployment_name: str
    namespace: str


class ZeppelinServerKind:
    """Waits for the Zeppelin server's pod to run: the end of a deploy users can see."""

    kind = "kube.zeppelin-server"
    TIMEOUT = 900.0  # first image pulls on a new cluster are slow

    def observe(self, ctx: Context, target: ServerTarget) -> Any:
        from kubernetes import client

        return read_or_absent(ctx, lambda: client.AppsV1Api(ctx.kube())
                                  .read_namespaced_deployment(target.deployment_name,
                                                              target.namespace))

    def decide(self, target: ServerTarget, observed: Any) -> Decision:
        if observed is None or isinstance(observed, Unknown):
            return Decision(Action.CHECK, "wait for the server pod to run")
        ready = observed.status.ready_replicas or 0
        return Decision(Action.CHECK, f"{ready}/{observed.spec.replicas} ready")

    def apply(self, ctx: Context, target: ServerTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        from ..errors import CloudError
        from ..kube import workload
        from ..waiting import wait_until

        def running() -> tuple[bool, None, str]:
            explained = workload.explain(*workload.observe(ctx.kube(), target.namespace,
                                                           target.deployment_name))
            if explained.hopeless:
                raise CloudError(f"Zeppelin server {target.deployment_name} will not become "
                                 f"ready: {explained.hopeless}")
            return explained.ready, None, explained.status

        wait_until(running, what=f"Zeppelin server {target.deployment_name}",
                   timeout=self.TIMEOUT, report=progress)
        return {"deployment": target.deployment_name}
