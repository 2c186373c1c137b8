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
from .reachability import LoadBalancerNeeds, describe, octavia_problems

#: The image's os_distro values Magnum's Cluster API driver serves (magnum_capi_helm/driver.py,
#: ``provides``): Magnum picks the driver by (server_type, os_distro, coe).
CAPI_OS_DISTROS = ("ubuntu", "flatcar")


@dataclass(frozen=True)
class ClusterNeeds:
    """What a Magnum-made cluster needs from the cloud."""

    master_flavor: str
    worker_flavor: str
    master_count: int
    max_workers: int
    image: str
    #: The version the profile expects the image to give (None: whatever it gives).
    kubernetes_version: str | None
    keypair: str
    external_network: str
    provider_network: str | None
    #: The CephFS router's own next hop toward the monitors (on the provider network).
    monitors_gateway: str | None


@dataclass(frozen=True)
class PreflightTarget:
    profile_file: str
    #: None when the cluster is made elsewhere (cluster.provider: existing).
    cluster: ClusterNeeds | None
    share_type: str
    #: (name, size in GB) of every share this deployment makes in its own project; only the
    #: missing ones, and the growth of smaller ones, count against the quota.
    own_shares: tuple[tuple[str, int], ...]
    #: What the profile alone shows to be missing (no cloud needed): plan shows it offline.
    profile_problems: tuple[str, ...] = ()
    load_balancer: LoadBalancerNeeds | None = None


def image_version(image: Any) -> str | None:
    """The Kubernetes version the Cluster API driver will install from this image: its
    ``kube_version`` property (magnum_capi_helm/driver.py _get_kube_version)."""
    if image is None:
        return None
    props = getattr(image, "properties", None) or {}
    value = props.get("kube_version") or getattr(image, "kube_version", None)
    return str(value) if value else None


def _image_problems(image: Any, needs: ClusterNeeds) -> list[str]:
    if image is None:
        return [f"cluster.image: no image {needs.image!r}"]
    problems = []
    distro = getattr(image, "os_distro", None) or (image.properties or {}).get("os_distro")
    if not distro:
        # magnum/api/attr_validator.py validate_image: OSDistroFieldNotFound (400).
        problems.append(f"cluster.image: image {needs.image!r} has no os_distro property; "
                        "Magnum refuses a cluster template without it")
    elif distro not in CAPI_OS_DISTROS:
        problems.append(f"cluster.image: image {needs.image!r} has os_distro {distro!r}; "
                        "Magnum's Cluster API driver serves only "
                        f"{' or '.join(CAPI_OS_DISTROS)}")
    version = image_version(image)
    if version is None:
        problems.append(f"cluster.image: image {needs.image!r} has no kube_version property; "
                        "the Cluster API driver takes the Kubernetes version from it")
    elif needs.kubernetes_version and version.lstrip("v") != needs.kubernetes_version.lstrip("v"):
        problems.append(f"cluster.kubernetes_version: the profile says "
                        f"{needs.kubernetes_version} but image {needs.image!r} gives {version}")
    return problems


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
        flavors: dict[str, Any] = {}
        needs = target.cluster
        if needs is not None and not conn.endpoint_for("container-infra"):
            # Not knowable offline for Arcus: gaia-dmp built its cluster with plain Cluster API.
            problems.append("cluster.provider: the cloud's catalogue has no Magnum "
                            "(container-infra) endpoint; make the cluster another way and set "
                            "cluster.provider: existing with its kubeconfig")
            needs = None
        if needs is not None:
            for field, name in (("cluster.master_flavor", needs.master_flavor),
                                ("cluster.worker_flavor", needs.worker_flavor)):
                flavor = conn.compute.find_flavor(name, ignore_missing=True)
                if flavor is None:
                    problems.append(f"{field}: no flavor {name!r}")
                flavors[field] = flavor
            problems += _image_problems(conn.image.find_image(needs.image, ignore_missing=True),
                                        needs)
            if conn.compute.find_keypair(needs.keypair, ignore_missing=True) is None:
                problems.append(f"cluster.keypair: no keypair {needs.keypair!r} (create it with "
                                "`openstack keypair create --public-key ~/.ssh/id_rsa.pub NAME`)")
            external = Neutron(conn).find_network(needs.external_network)
            if external is None:
                problems.append(f"cluster.external_network: no network "
                                f"{needs.external_network!r}")
            elif not external.is_router_external:
                problems.append(f"cluster.external_network: {needs.external_network!r} is not "
                                "an external network")
            problems += self._provider_problems(ctx, needs)
        problems += octavia_problems(conn, target.load_balancer)
        types = [t.name for t in conn.shared_file_system.share_types()]
        if target.share_type not in types:
            problems.append(f"cephfs.share_type: no share type {target.share_type!r} "
                            f"(the cloud has: {', '.join(types) or 'none'})")
        problems += self._quota_problems(ctx, target, needs, flavors)
        return [*target.profile_problems, *problems]

    def _provider_problems(self, ctx: Context, needs: ClusterNeeds) -> list[str]:
        import ipaddress

        if not needs.provider_network:
            return []
        provider = Neutron(ctx.cloud).find_network(needs.provider_network)
        if provider is None:
            return [f"cephfs.router.provider_network: no network {needs.provider_network!r}"]
        if not needs.monitors_gateway:
            return []
        # The gateway is a value nobody can know offline (gaia-dmp's openstack.yml says
        # 10.9.0.1): it must lie on one of the provider network's subnets.
        gateway = ipaddress.ip_address(needs.monitors_gateway)
        subnets = list(ctx.cloud.network.subnets(network_id=provider.id))
        if any(gateway in ipaddress.ip_network(s.cidr) for s in subnets):
            return []
        cidrs = ", ".join(s.cidr for s in subnets) or "no subnet visible to this project"
        return [f"cephfs.router.monitors_gateway: {needs.monitors_gateway} is not on network "
                f"{needs.provider_network!r} ({cidrs})"]

    def _quota_problems(self, ctx: Context, target: PreflightTarget, needs: ClusterNeeds | None,
                        flavors: dict[str, Any]) -> list[str]:
        conn = ctx.cloud
        problems = []
        master, worker = flavors.get("cluster.master_flavor"), flavors.get("cluster.worker_flavor")
        if needs is not None and master is not None and worker is not None and \
                self._cluster_missing(ctx):
            limits = conn.compute.get_limits().absolute
            instances = needs.master_count + needs.max_workers
            cores = master.vcpus * needs.master_count + worker.vcpus * needs.max_workers
            ram = master.ram * needs.master_count + worker.ram * needs.max_workers
            for label, need, limit, used in (
                ("instances", instances, limits.instances, limits.instances_used),
                ("cores", cores, limits.total_cores, limits.total_cores_used),
                ("RAM (MB)", ram, limits.total_ram, limits.total_ram_used),
            ):
                if limit is not None and limit >= 0 and used is not None and need > limit - used:
                    problems.append(f"compute quota: the cluster may need {need} {label}, "
                                    f"{limit - used} left of {limit}")
        problems += self._share_quota(ctx, target)
        return problems

    def _cluster_missing(self, ctx: Context) -> bool:
        """A cluster that exists already holds its quota: count it only while it is missing."""
        from ..cloud.magnum import Magnum

        if ctx.desired.cluster is None:
            return False
        return Magnum(ctx.cloud).find_cluster(ctx.desired.cluster.name) is None

    def _share_quota(self, ctx: Context, target: PreflightTarget) -> list[str]:
        from ..cloud.manila import Manila

        manila = Manila(ctx.cloud)
        new_shares, new_gb = 0, 0
        for name, size in target.own_shares:
            found = manila.find_share(name)
            if found is None:
                new_shares, new_gb = new_shares + 1, new_gb + size
            elif found.size < size:  # deploy extends it
                new_gb += size - found.size
        if not new_gb and not new_shares:
            return []
        limits = manila.absolute_limits()
        problems = []
        for label, need, limit_key, used_key in (
            ("GB", new_gb, "maxTotalShareGigabytes", "totalShareGigabytesUsed"),
            ("shares", new_shares, "maxTotalShares", "totalSharesUsed"),
        ):
            limit, used = limits.get(limit_key), limits.get(used_key)
            if need and limit is not None and used is not None and limit >= 0 and \
                    need > limit - used:
                problems.append(f"share quota: the shares still to make need {need} {label}, "
                                f"{limit - used} left of {limit}")
        return problems

    def decide(self, target: PreflightTarget, observed: Any) -> Decision:
        what = ("flavors, image properties, keypair, networks, share type, quotas"
                if target.cluster else "share type, share quota")
        what = ", ".join(filter(None, (what, describe(target.load_balancer))))
        if isinstance(observed, Unknown):
            known = "".join(f"FAILED: {problem}; " for problem in target.profile_problems)
            return Decision(Action.CHECK, f"{known}{what} ({observed.why})")
        if observed:
            return Decision(Action.CHECK, "FAILED: " + "; ".join(observed))
        return Decision(Action.CHECK, f"{what} ok")

    def apply(self, ctx: Context, target: PreflightTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if observed:
            raise ConfigError(
                f"Preflight found {len(observed)} problem(s) with the cloud for the profile "
                f"{target.profile_file}: " + "; ".join(observed)
                + ". Fix the profile field or the cloud, then re-run; nothing was created."
            )
        return {"ok": True}
