"""Preflight: everything the deployment needs from the cloud, checked before anything is made.
Every missing thing is reported at once, each with the profile field that names it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cloud.neutron import Neutron
from ..errors import ConfigError
from ..plan import Action, Decision
from ..profile import Deployment
from .base import Context, Progress, Unknown


@dataclass(frozen=True)
class PreflightTarget:
    profile_file: str
    master_flavor: str
    worker_flavor: str
    master_count: int
    max_workers: int
    image: str
    keypair: str
    external_network: str
    provider_network: str | None
    share_type: str
    new_share_gb: int
    #: What the profile alone shows to be missing (no cloud needed): plan shows it offline.
    profile_problems: tuple[str, ...] = ()


def profile_problems(deployment: Deployment) -> tuple[str, ...]:
    """Problems the profile shows by itself, reported by plan even without credentials."""
    from ..helm import values as chart_values

    kubernetes = deployment.profile.kubernetes
    if kubernetes.zeppelin_version in chart_values.NO_UPSTREAM_SPARK_IMAGE \
            and not kubernetes.spark_image:
        spark = chart_values.SPARK_VERSIONS[kubernetes.zeppelin_version]
        return (f"kubernetes.spark_image must be set: no Spark image for Zeppelin "
                f"{kubernetes.zeppelin_version} (Spark < 3.1) exists upstream any more. Build "
                f"one with images/spark-py/build.sh {spark}, push it to a registry the "
                "cluster can pull from, and name it there (or choose zeppelin_version "
                "0.10.1 or later)",)
    return ()


class PreflightKind:
    kind = "preflight"

    def observe(self, ctx: Context, target: PreflightTarget) -> Any:
        conn = ctx.cloud
        problems: list[str] = []
        flavors = {}
        for field, name in (("cluster.master_flavor", target.master_flavor),
                            ("cluster.worker_flavor", target.worker_flavor)):
            flavor = conn.compute.find_flavor(name, ignore_missing=True)
            if flavor is None:
                problems.append(f"{field}: no flavor {name!r}")
            flavors[field] = flavor
        if conn.image.find_image(target.image, ignore_missing=True) is None:
            problems.append(f"cluster.image: no image {target.image!r}")
        if conn.compute.find_keypair(target.keypair, ignore_missing=True) is None:
            problems.append(f"cluster.keypair: no keypair {target.keypair!r} (create it with "
                            "`openstack keypair create --public-key ~/.ssh/id_rsa.pub NAME`)")
        external = Neutron(conn).find_network(target.external_network)
        if external is None:
            problems.append(f"cluster.external_network: no network {target.external_network!r}")
        elif not external.is_router_external:
            problems.append(f"cluster.external_network: {target.external_network!r} is not an "
                            "external network")
        if target.provider_network and Neutron(conn).find_network(target.provider_network) is None:
            problems.append(f"cephfs.router.provider_network: no network "
                            f"{target.provider_network!r}")
        types = [t.name for t in conn.shared_file_system.share_types()]
        if target.share_type not in types:
            problems.append(f"cephfs.share_type: no share type {target.share_type!r} "
                            f"(the cloud has: {', '.join(types) or 'none'})")
        problems += self._quota_problems(ctx, target, flavors)
        return [*target.profile_problems, *problems]

    def _quota_problems(self, ctx: Context, target: PreflightTarget,
                        flavors: dict[str, Any]) -> list[str]:
        conn = ctx.cloud
        problems = []
        master, worker = flavors["cluster.master_flavor"], flavors["cluster.worker_flavor"]
        if master is not None and worker is not None:
            limits = conn.compute.get_limits().absolute
            instances = target.master_count + target.max_workers
            cores = master.vcpus * target.master_count + worker.vcpus * target.max_workers
            ram = master.ram * target.master_count + worker.ram * target.max_workers
            for label, need, limit, used in (
                ("instances", instances, limits.instances, limits.instances_used),
                ("cores", cores, limits.total_cores, limits.total_cores_used),
                ("RAM (MB)", ram, limits.total_ram, limits.total_ram_used),
            ):
                if limit is not None and limit >= 0 and used is not None and need > limit - used:
                    problems.append(f"compute quota: the cluster may need {need} {label}, "
                                    f"{limit - used} left of {limit}")
        if target.new_share_gb:
            absolute = conn.shared_file_system.limits()
            for limit in absolute:
                max_gb = getattr(limit, "maxTotalShareGigabytes", None)
                used_gb = getattr(limit, "totalShareGigabytesUsed", None)
                if max_gb is not None and used_gb is not None and max_gb >= 0 and \
                        target.new_share_gb > max_gb - used_gb:
                    problems.append(f"share quota: new shares need {target.new_share_gb} GB, "
                                    f"{max_gb - used_gb} GB left of {max_gb}")
        return problems

    def decide(self, target: PreflightTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            known = "".join(f"FAILED: {problem}; " for problem in target.profile_problems)
            return Decision(Action.CHECK, known + "flavors, image, keypair, networks, share "
                            f"type, quotas ({observed.why})")
        if observed:
            return Decision(Action.CHECK, "FAILED: " + "; ".join(observed))
        return Decision(Action.CHECK, "flavors, image, keypair, networks, share type, quotas ok")

    def apply(self, ctx: Context, target: PreflightTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if observed:
            raise ConfigError(
                f"Preflight found {len(observed)} problem(s) with the cloud for the profile "
                f"{target.profile_file}: " + "; ".join(observed)
                + ". Fix the profile field or the cloud, then re-run; nothing was created."
            )
        return {"ok": True}
