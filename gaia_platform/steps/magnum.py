"""The Magnum cluster template, the cluster, and the kubeconfig made through Magnum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cloud.magnum import Magnum, failure_text
from ..desired import ClusterPlan, TemplatePlan
from ..errors import CloudError
from ..kube import kubeconfig
from ..plan import Action, Decision
from ..waiting import wait_until
from .base import Context, Progress, Unknown


@dataclass(frozen=True)
class TemplateTarget:
    plan: TemplatePlan
    fixed_network: str
    fixed_subnet: str

    def body(self) -> dict[str, Any]:
        p = self.plan
        return {
            "name": p.name, "coe": "kubernetes", "image_id": p.image,
            "external_network_id": p.external_network, "fixed_network": self.fixed_network,
            "fixed_subnet": self.fixed_subnet, "flavor_id": p.worker_flavor,
            "master_flavor_id": p.master_flavor, "network_driver": p.network_driver,
            "keypair_id": p.keypair, "labels": p.labels, "tls_disabled": False,
            "public": False, "floating_ip_enabled": False,
            # Required for master_count > 1 (attr_validator.py validate_master_count).
            "master_lb_enabled": p.master_lb_enabled,
        }


class ClusterTemplateKind:
    kind = "magnum.template"

    def observe(self, ctx: Context, target: TemplateTarget) -> Any:
        from .preflight import image_version

        image = ctx.cloud.image.find_image(target.plan.image, ignore_missing=True)
        return {"template": Magnum(ctx.cloud).find_template(target.plan.name),
                "kube_version": image_version(image)}

    def _version(self, target: TemplateTarget, observed: Any) -> str:
        """The Kubernetes version the cluster will run: the image's kube_version property
        (the Cluster API driver ignores kube_tag: magnum_capi_helm/driver.py)."""
        if isinstance(observed, Unknown):
            return f"Kubernetes from image {target.plan.image}'s kube_version property"
        return f"Kubernetes {observed['kube_version'] or '? (image has no kube_version)'} " \
               f"from image {target.plan.image}"

    def decide(self, target: TemplateTarget, observed: Any) -> Decision:
        version = self._version(target, observed)
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"create unless present; {version} "
                            f"({observed.why})")
        template = observed["template"]
        if template is None:
            return Decision(Action.CREATE, f"missing; {version}")
        wanted = target.body()
        changes = {key: [template.get(key), value] for key, value in wanted.items()
                   if key != "name" and template.get(key) != value}
        if changes:
            return Decision(Action.UPDATE, f"differs from the profile; {version}", changes)
        return Decision(Action.NOOP, f"up to date; {version}")

    def apply(self, ctx: Context, target: TemplateTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        magnum = Magnum(ctx.cloud)
        template: dict[str, Any] = {} if isinstance(observed, Unknown) \
            else observed["template"] or {}
        if decision.action is Action.CREATE:
            return {"uuid": magnum.create_template(target.body())["uuid"]}
        if decision.action is Action.UPDATE:
            patch = [{"op": "replace", "path": f"/{key}", "value": new}
                     for key, (_, new) in decision.changes.items()]
            try:
                magnum.update_template(template["uuid"], patch)
            except CloudError as exc:
                raise CloudError(
                    f"Magnum refused to change cluster template {target.plan.name} ({exc}). "
                    "A template in use by a cluster cannot change; run `platform delete` and "
                    "deploy again to rebuild the cluster with the new settings."
                ) from exc
        return {"uuid": template["uuid"]}


@dataclass(frozen=True)
class ClusterTarget:
    plan: ClusterPlan
    template_step: str
    keypair: str
    master_flavor: str
    worker_flavor: str
    autoscaling: tuple[int, int] | None


IN_PROGRESS = ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS",
               "ROLLBACK_IN_PROGRESS")


class ClusterKind:
    kind = "magnum.cluster"

    def observe(self, ctx: Context, target: ClusterTarget) -> Any:
        return Magnum(ctx.cloud).find_cluster(target.plan.name)

    def decide(self, target: ClusterTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"create unless present ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, "missing")
        status = observed["status"]
        if status in ("CREATE_FAILED", "DELETE_FAILED"):
            return Decision(Action.UPDATE, f"{status}: {failure_text(observed)}; will be "
                            "deleted and created again", {"status": [status, "CREATE_COMPLETE"]})
        if status in IN_PROGRESS:
            return Decision(Action.NOOP, f"{status}: wait for it")
        nodes = observed.get("node_count")
        wanted = target.plan.node_count
        if target.autoscaling:
            low, high = target.autoscaling
            # The autoscaler owns node_count within the bounds: do not fight it.
            if low <= nodes <= high:
                return Decision(Action.NOOP, f"{status}, {nodes} workers (autoscaled)")
        if nodes != wanted:
            return Decision(Action.UPDATE, f"resize from {nodes} to {wanted} workers",
                            {"node_count": [nodes, wanted]})
        return Decision(Action.NOOP, f"{status}, {nodes} workers")

    def apply(self, ctx: Context, target: ClusterTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        magnum = Magnum(ctx.cloud)
        uuid: str | None = observed["uuid"] if observed else None
        if uuid and decision.action is Action.UPDATE and "status" in decision.changes:
            progress(f"deleting failed cluster {target.plan.name}: {failure_text(observed)}")
            magnum.delete_cluster(uuid)
            self._wait_gone(magnum, uuid, target, progress)
            uuid = None
        if uuid is None:
            template = ctx.result(target.template_step)["uuid"]
            uuid = magnum.create_cluster({
                "name": target.plan.name, "cluster_template_id": template,
                "keypair": target.keypair, "master_count": target.plan.master_count,
                "node_count": target.plan.node_count, "master_flavor_id": target.master_flavor,
                "flavor_id": target.worker_flavor, "labels": target.plan.labels,
                # Without merge_labels Magnum *replaces* the template's labels with these.
                "merge_labels": True, "create_timeout": target.plan.create_timeout,
            })
            progress(f"Magnum accepted cluster {target.plan.name} ({uuid})")
        expect_nodes = None
        if decision.action is Action.UPDATE and "node_count" in decision.changes:
            magnum.resize(uuid, target.plan.node_count)
            progress(f"resizing {target.plan.name} to {target.plan.node_count} workers")
            # Magnum may still report the old *_COMPLETE for a moment after accepting it.
            expect_nodes = target.plan.node_count
        cluster = self._wait_ready(ctx, magnum, uuid, target, progress, expect_nodes)
        return {"uuid": uuid, "name": cluster["name"], "api_address": cluster["api_address"]}

    def _wait_ready(self, ctx: Context, magnum: Magnum, uuid: str, target: ClusterTarget,
                    progress: Progress, expect_nodes: int | None = None) -> dict[str, Any]:
        from .clusterwait import wait_for_cluster

        def read() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            cluster = magnum.get_cluster(uuid)
            status = cluster["status"]
            if status.endswith("_FAILED"):
                raise CloudError(f"Magnum cluster {target.plan.name} is {status}: "
                                 f"{failure_text(cluster)}. Re-run deploy to replace it.")
            if status.endswith("_COMPLETE"):
                return cluster, []
            return cluster, magnum.nodegroups(uuid)

        def done(cluster: dict[str, Any]) -> bool:
            sized = expect_nodes is None or cluster.get("node_count") == expect_nodes
            return str(cluster["status"]).endswith("_COMPLETE") and sized

        # Waits for Magnum to build (or resize) the cluster: its status is still
        # *_IN_PROGRESS until every nodegroup is ready.
        return wait_for_cluster(
            read, uuid=uuid, what=f"cluster {target.plan.name}", done=done,
            timeout=target.plan.create_timeout * 60 + 120,
            stall_after=target.plan.stall_minutes * 60,
            record_path=ctx.state_dir / "cluster-wait.json", report=progress,
            expect_nodes=expect_nodes)

    def _wait_gone(self, magnum: Magnum, uuid: str, target: ClusterTarget,
                   progress: Progress) -> None:
        from ..cloud.rest import NotFound
        from .clusterwait import deletion_text

        def probe() -> tuple[bool, None, str]:
            try:
                cluster = magnum.get_cluster(uuid)
            except NotFound:
                return True, None, "gone"
            if cluster["status"] == "DELETE_FAILED":
                raise CloudError(f"Magnum could not delete cluster {target.plan.name}: "
                                 f"{failure_text(cluster)}")
            return False, None, deletion_text(cluster)

        wait_until(probe, what=f"deleting cluster {target.plan.name}", timeout=3600,
                   report=progress)


@dataclass(frozen=True)
class KubeconfigTarget:
    cluster_name: str
    cluster_step: str


class KubeconfigKind:
    kind = "kube.kubeconfig"

    def observe(self, ctx: Context, target: KubeconfigTarget) -> Any:
        magnum = Magnum(ctx.cloud)
        cluster = magnum.find_cluster(target.cluster_name)
        if cluster is None or not cluster["status"].endswith("_COMPLETE"):
            return Unknown("the cluster is not ready yet")
        ca = magnum.ca(cluster["uuid"])
        valid, why = kubeconfig.still_valid(ctx.kubeconfig_path, cluster["api_address"], ca)
        return {"valid": valid, "why": why, "cluster": cluster, "ca": ca}

    def decide(self, target: KubeconfigTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"sign a client certificate ({observed.why})")
        if observed["valid"]:
            return Decision(Action.NOOP, observed["why"])
        return Decision(Action.CREATE, observed["why"])

    def apply(self, ctx: Context, target: KubeconfigTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.NOOP:
            return {"path": str(ctx.kubeconfig_path)}
        magnum = Magnum(ctx.cloud)
        cluster = magnum.get_cluster(ctx.result(target.cluster_step)["uuid"])
        key_pem, csr = kubeconfig.new_key_and_csr()
        cert = magnum.sign(cluster["uuid"], csr)
        ca = magnum.ca(cluster["uuid"])
        kubeconfig.write(ctx.kubeconfig_path, cluster["name"], cluster["api_address"], ca,
                         cert, key_pem)
        progress(f"kubeconfig written to {ctx.kubeconfig_path}")
        return {"path": str(ctx.kubeconfig_path)}
