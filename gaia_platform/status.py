"""``platform status``: read from the real resources, never from a cached file."""

from __future__ import annotations

import concurrent.futures as futures
from typing import Any

from .cloud.magnum import Magnum
from .cloud.manila import Manila
from .desired import SharePlan
from .kube import kubeconfig as kubeconfigs
from .report import access_rule
from .steps.base import Context

#: Shares whose access rules are read at once (Manila lists rules one share at a time).
STATUS_PARALLEL = 16


def collect(ctx: Context) -> dict[str, Any]:
    desired = ctx.desired
    pool = futures.ThreadPoolExecutor(max_workers=STATUS_PARALLEL)
    manila = Manila(ctx.cloud)
    # The share listing (rules included, from their records) while Magnum is asked.
    listed = pool.submit(manila.seen.shares.all)
    magnum = Magnum(ctx.cloud)
    cluster = magnum.find_cluster(desired.cluster.name) if desired.cluster else None
    cluster_json: dict[str, Any] | None = None
    kube_ok = False
    if cluster is not None:
        cluster_json = {
            "name": cluster["name"], "uuid": cluster["uuid"], "status": cluster["status"],
            "status_reason": cluster.get("status_reason"),
            "health_status": cluster.get("health_status"),
            "node_count": cluster.get("node_count"), "master_count": cluster.get("master_count"),
            "api_address": cluster.get("api_address"),
            "kubeconfig": str(ctx.kubeconfig_path) if ctx.kubeconfig_path.is_file() else None,
        }
        if cluster["status"].endswith("_COMPLETE") and cluster.get("api_address"):
            kube_ok, _ = kubeconfigs.still_valid(ctx.kubeconfig_path, cluster["api_address"],
                                                 magnum.ca(cluster["uuid"]))
    if desired.cluster is None and ctx.kubeconfig_path.is_file():
        kube_ok = _answers(ctx)  # a cluster made elsewhere: its kubeconfig is all we have
    # One helm process lists every release: started first, it overlaps the Manila reads.
    helm_later = pool.submit(lambda: _helm_releases(ctx) if kube_ok else {})
    releases_later = pool.submit(lambda: _releases(ctx, helm_later.result()))
    addons_later = pool.submit(lambda: _addons(ctx, helm_later.result()))
    zeppelin_later = pool.submit(lambda: _zeppelin(ctx) if kube_ok else None)
    phases = pool.submit(lambda: _volumes(ctx) if kube_ok else {})
    listed.result()  # its failure is the cloud's answer: reported as such

    def share_entry(plan: SharePlan) -> dict[str, Any]:
        # The share from the run's one share listing, its rule from the record there.
        # A share another project owns is read with that project's credentials instead.
        share = manila.find_share(plan.name) if plan.project_owner is None else None
        entry: dict[str, Any] = {"name": plan.name, "purpose": plan.share.purpose,
                                 "mount_path": plan.share.mount_path,
                                 "catalogue_size_gb": plan.share.size_gb, "exists": False,
                                 # whose storage it is (users catalogue); null: everyone's
                                 "owner": plan.owner}
        if plan.project_owner is not None:  # read with its owning project's credentials
            from .steps.manila import read_external

            entry["owner_project"] = plan.project_owner.project
            found = read_external(ctx, plan)
            found.pop("access_id", None)
            if "share_id" in found:
                found["id"] = found.pop("share_id")
            entry.update(found)
        if share is not None:
            entry.update(exists=True, id=share.id, status=share.status, size_gb=share.size,
                         access_rules_status=getattr(share, "access_rules_status", None),
                         access_rule=access_rule(manila, share, plan.cephx_id))
        return entry

    with pool:
        shares = list(pool.map(share_entry, desired.shares))
        volumes = phases.result()
        releases, zeppelin = releases_later.result(), zeppelin_later.result()
        addons = addons_later.result()
    for entry in shares:
        entry["pv_phase"], entry["pvc_phase"] = volumes.get(entry["name"], (None, None))
    return {
        "deployment": desired.deployment,
        "cloud": ctx.deployment.profile.openstack.cloud,
        "cluster": cluster_json,
        "namespace": desired.namespace,
        "shares": shares,
        "kubernetes_reachable": kube_ok,
        "releases": releases,
        "addons": addons,
        "zeppelin": zeppelin,
    }


def _answers(ctx: Context) -> bool:
    from .kube.api import answers

    return answers(ctx.kube())


def _volumes(ctx: Context) -> dict[str, tuple[str | None, str | None]]:
    """Each share's volume and claim phase, from one list call each (by label selector)."""
    from .kube import observed

    desired = ctx.desired
    result: dict[str, tuple[str | None, str | None]] = {}
    for plan in desired.shares:
        pv = observed.volume(ctx.kube(), desired.deployment, plan.pv_name)
        pvc = observed.claim(ctx.kube(), desired.deployment, desired.namespace, plan.pvc_name)
        result[plan.name] = (
            (pv.get("status") or {}).get("phase") if pv else None,
            (pvc.get("status") or {}).get("phase") if pvc else None,
        )
    return result


def _helm_releases(ctx: Context) -> dict[tuple[str, str], dict[str, Any]]:
    """Every release of the cluster by (name, namespace), from one helm run."""
    from .kube.helm import Helm

    return {(str(r["name"]), str(r["namespace"])): r
            for r in Helm(ctx.kubeconfig_path).releases()}


def _summary(found: dict[str, Any]) -> dict[str, Any]:
    # helm list prints the revision as a string and the chart as "<name>-<version>".
    return {"revision": int(found["revision"]), "status": found["status"],
            "chart": found["chart"]}


def _releases(ctx: Context, helm: dict[tuple[str, str], dict[str, Any]]
              ) -> list[dict[str, Any]]:
    from .helm import values

    names = (values.EXECUTOR_RELEASE, values.ZEPPELIN_RELEASE)
    return [{"name": name, **_summary(helm[(name, ctx.desired.namespace)])}
            for name in names if (name, ctx.desired.namespace) in helm]


def _addons(ctx: Context, helm: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    """The add-on releases deploy installs when a cluster lacks them (steps/addons.py), as
    far as they are there: each chart's name and version say what is installed."""
    from .helm import csi, web

    releases = (csi.CEPHFS_RELEASE, csi.MANILA_RELEASE, web.INGRESS_RELEASE,
                web.CERT_MANAGER_RELEASE, (web.ISSUER_RELEASE, ctx.desired.namespace))
    return [{"name": name, "namespace": namespace, **_summary(helm[(name, namespace)])}
            for name, namespace in releases if (name, namespace) in helm]


def zeppelin_access(ctx: Context) -> dict[str, Any] | None:
    """Where users reach the notebooks and how to get the password (None when the cluster or
    the server is not there)."""
    if not ctx.kubeconfig_path.is_file():
        return None
    return _zeppelin(ctx)


def _zeppelin(ctx: Context) -> dict[str, Any] | None:
    """Where users reach the notebooks: the Ingress host, else a port-forward. Read as the
    API's JSON (kube/api.py read_json): the typed client's models cost more than this."""
    from .helm import values
    from .kube.api import read_json

    names = values.Names()
    namespace = ctx.desired.namespace
    api = ctx.kube()
    service = read_json(api, f"/api/v1/namespaces/{namespace}/services/{names.server}")
    if service is None:
        return None
    # The password is generated into a Secret (steps/zeppelin.py) and never printed.
    login = {"user": values.ADMIN_USER,
             "password_command": f"kubectl --kubeconfig {ctx.kubeconfig_path} -n {namespace} "
                                 f"get secret {values.AUTH_SECRET} -o "
                                 f"jsonpath='{{.data.{values.ADMIN_USER}}}' | base64 -d"}
    ingresses = (read_json(api, f"/apis/networking.k8s.io/v1/namespaces/{namespace}/"
                           "ingresses") or {}).get("items") or []
    for ingress in ingresses:
        spec = ingress.get("spec") or {}
        for rule in spec.get("rules") or []:
            backends = [((p.get("backend") or {}).get("service") or {}).get("name")
                        for p in (rule.get("http") or {}).get("paths") or []]
            if rule.get("host") and names.server in backends:
                scheme = "https" if spec.get("tls") else "http"
                # The controller copies its LoadBalancer Service's address here (Traefik's
                # publishedService); empty until Octavia has made the load balancer.
                balancer = ((ingress.get("status") or {}).get("loadBalancer") or {}
                            ).get("ingress") or []
                address = next((b.get("ip") or b.get("hostname") for b in balancer
                                if b.get("ip") or b.get("hostname")), None)
                return {"url": f"{scheme}://{rule['host']}/", "via": "ingress",
                        "host": rule["host"], "load_balancer": address, **login}
    ports = (service.get("spec") or {}).get("ports") or []
    port = next((p.get("port") for p in ports if p.get("name") == "http"), 80)
    return {"url": "http://localhost:8080/", "via": "port-forward",
            "command": f"kubectl --kubeconfig {ctx.kubeconfig_path} -n {namespace} "
                       f"port-forward service/{names.server} 8080:{port}", **login}
