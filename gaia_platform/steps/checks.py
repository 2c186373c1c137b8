"""What preflight asks of the cloud, shared by the main route's preflight and the Yarn
fallback's: named things that must exist (flavors, image, keypair, networks) and the quota
left for what is still to be made. Each problem names the profile field to fix."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ..cloud.glance import Glance
from ..cloud.neutron import Neutron
from ..cloud.nova import ComputeLimits, Nova
from ..errors import ConfigError
from ..plan import Action, Decision
from .base import Unknown

KEYPAIR_HINT = "create it with `openstack keypair create --public-key ~/.ssh/id_rsa.pub NAME`"


def flavors(cloud: Any, fields: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Each field's flavor (None where missing) and a problem for every missing one."""
    nova = Nova(cloud)
    found = {field: nova.find_flavor(name) for field, name in fields.items()}
    return found, [f"{field}: no flavor {fields[field]!r}"
                   for field, flavor in found.items() if flavor is None]


def image(cloud: Any, field: str, name: str) -> tuple[Any, list[str]]:
    found = Glance(cloud).find_image(name)
    return found, [] if found is not None else [f"{field}: no image {name!r}"]


def keypair(cloud: Any, field: str, name: str) -> list[str]:
    if Nova(cloud).find_keypair(name) is not None:
        return []
    return [f"{field}: no keypair {name!r} ({KEYPAIR_HINT})"]


def external_network(cloud: Any, field: str, name: str) -> list[str]:
    found = Neutron(cloud).find_network(name)
    if found is None:
        return [f"{field}: no network {name!r}"]
    if not found.is_router_external:
        return [f"{field}: {name!r} is not an external network"]
    return []


def provider_network(cloud: Any, name: str | None, monitors_gateway: str | None) -> list[str]:
    """The CephFS route's provider network, and the monitors' gateway on it."""
    if not name:
        return []
    neutron = Neutron(cloud)
    provider = neutron.find_network(name)
    if provider is None:
        return [f"cephfs.router.provider_network: no network {name!r}"]
    if not monitors_gateway:
        return []
    # The gateway is a value nobody can know offline (gaia-dmp's openstack.yml says
    # 10.9.0.1): it must lie on one of the provider network's subnets.
    gateway = ipaddress.ip_address(monitors_gateway)
    subnets = neutron.subnets(provider.id)
    if any(gateway in ipaddress.ip_network(s.cidr) for s in subnets):
        return []
    cidrs = ", ".join(s.cidr for s in subnets) or "no subnet visible to this project"
    return [f"cephfs.router.monitors_gateway: {monitors_gateway} is not on network "
            f"{name!r} ({cidrs})"]


@dataclass(frozen=True)
class ComputeNeed:
    """What the servers still to be made take from the compute quota."""

    instances: int
    cores: int
    ram_mb: int

    @classmethod
    def of(cls, sizes: list[tuple[int, int]]) -> ComputeNeed:
        """One server of each size given: (vcpus, RAM in MB) of its flavor."""
        return cls(len(sizes), sum(cores for cores, _ in sizes), sum(ram for _, ram in sizes))


def compute_quota(limits: ComputeLimits, need: ComputeNeed, who: str) -> list[str]:
    """A problem for each part of the quota the need exceeds (pure). Only what is still to be
    made is passed in: what exists already holds its share of the quota."""
    problems = []
    for label, wanted, left in (("instances", need.instances, limits.instances),
                                ("cores", need.cores, limits.cores),
                                ("RAM (MB)", need.ram_mb, limits.ram_mb)):
        if wanted and left is not None and wanted > left:
            problems.append(f"compute quota: {who} {wanted} {label}, {left} left of "
                            f"{limits.of[label]}")
    return problems


def decision(observed: Any, what: str, known: tuple[str, ...] = ()) -> Decision:
    """A preflight's plan line: the problems found, or what was checked. ``known`` are the
    problems the profile shows by itself, shown even when the cloud could not be asked."""
    if isinstance(observed, Unknown):
        failed = "".join(f"FAILED: {problem}; " for problem in known)
        return Decision(Action.CHECK, f"{failed}{what} ({observed.why})")
    if observed:
        return Decision(Action.CHECK, "FAILED: " + "; ".join(observed))
    return Decision(Action.CHECK, f"{what} ok")


def stop_on(problems: list[str], where: str) -> dict[str, bool]:
    """Every problem in one error, before anything is made (exit code 2)."""
    if problems:
        raise ConfigError(
            f"Preflight found {len(problems)} problem(s) with the cloud for {where}: "
            + "; ".join(problems)
            + ". Fix the profile field or the cloud, then re-run; nothing was created.")
    return {"ok": True}
