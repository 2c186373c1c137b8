"""The VMs: a preflight of what they need, the servers themselves, workers beyond the profile's
count, and the gateway's floating IP (the fallback's only public address).

A server is immutable once booted: when what it should boot with changes (flavor, image,
configuration; compared through a digest kept in its metadata) or it is in ERROR, it is
replaced. Its user-data, with the cephx keys of its mounts, is rendered only at creation and
handed to Nova, never logged or recorded.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from ..cloud.manila import Manila
from ..desired import OWNER_KEY
from ..errors import CloudError, ConfigError
from ..plan import Action, Decision
from ..steps.base import Context, Progress, Unknown
from ..steps.network import find_external
from ..waiting import wait_until
from . import cloudinit
from .layout import ROLE_KEY, STACK, STACK_KEY, VmPlan, YarnPlan
from .network import NETWORK_STEP
from .sizing import Flavor, Sizing, compute

CONFIG_KEY = "gaia-platform.config"
SERVER_TIMEOUT = 1800.0
DELETE_TIMEOUT = 900.0


def find_server(ctx: Context, name: str) -> Any:
    found = [s for s in ctx.cloud.compute.servers(name=f"^{re.escape(name)}$")
             if s.name == name]
    if len(found) > 1:
        raise CloudError(f"There are {len(found)} servers named {name!r}; delete the extra "
                         "ones (openstack server list --name ...) and re-run.")
    return found[0] if found else None


def our_servers(ctx: Context, plan: YarnPlan) -> list[Any]:
    """Every server tagged as this deployment's Yarn fallback."""
    return list(ctx.cloud.compute.servers(tags=",".join(plan.tags)))


def flavor_facts(ctx: Context, name: str) -> Flavor | None:
    flavor = ctx.cloud.compute.find_flavor(name, ignore_missing=True)
    return None if flavor is None else Flavor(name, flavor.vcpus, flavor.ram)


def sizing_for(plan: YarnPlan, worker: Flavor) -> Sizing:
    return compute(plan.spec, worker, plan.profile_file)


# -- preflight ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreflightTarget:
    plan: YarnPlan
    provider_network: str | None


class PreflightKind:
    kind = "yarn.preflight"

    def observe(self, ctx: Context, target: PreflightTarget) -> Any:
        plan, conn = target.plan, ctx.cloud
        problems: list[str] = []
        flavors: dict[str, Flavor | None] = {}
        for field, name in (("yarn.gateway_flavor", plan.spec.gateway_flavor),
                            ("yarn.master_flavor", plan.spec.master_flavor),
                            ("yarn.worker_flavor", plan.spec.worker_flavor)):
            flavors[name] = flavor_facts(ctx, name)
            if flavors[name] is None:
                problems.append(f"{field}: no flavor {name!r}")
        if conn.image.find_image(plan.image, ignore_missing=True) is None:
            problems.append(f"yarn.image: no image {plan.image!r}")
        if conn.compute.find_keypair(plan.keypair, ignore_missing=True) is None:
            problems.append(f"yarn.keypair: no keypair {plan.keypair!r} (create it with "
                            "`openstack keypair create --public-key ~/.ssh/id_rsa.pub NAME`)")
        external = conn.network.find_network(plan.external_network)
        field = "yarn.external_network" if plan.spec.external_network \
            else "cluster.external_network"
        if external is None:
            problems.append(f"{field}: no network {plan.external_network!r}")
        elif not external.is_router_external:
            problems.append(f"{field}: {plan.external_network!r} is not an external network")
        if target.provider_network and conn.network.find_network(target.provider_network) \
                is None:
            problems.append(f"cephfs.router.provider_network: no network "
                            f"{target.provider_network!r}")
        worker = flavors[plan.spec.worker_flavor]
        if worker is not None:
            try:
                sizing_for(plan, worker)
            except ConfigError as exc:
                problems.append(str(exc))
        existing = {s.name for s in our_servers(ctx, plan)}
        new = [vm for vm in plan.vms if vm.name not in existing]
        problems += self._quota(ctx, new, flavors)
        return problems

    def _quota(self, ctx: Context, new: list[VmPlan], flavors: dict[str, Flavor | None]
               ) -> list[str]:
        sizes = [flavors[vm.flavor] for vm in new]
        known = [size for size in sizes if size is not None]
        if not new or len(known) < len(sizes):
            return []
        limits = ctx.cloud.compute.get_limits().absolute
        need = {"instances": len(new), "cores": sum(f.vcpus for f in known),
                "RAM (MB)": sum(f.ram_mb for f in known)}
        problems = []
        for label, limit, used in (
            ("instances", limits.instances, limits.instances_used),
            ("cores", limits.total_cores, limits.total_cores_used),
            ("RAM (MB)", limits.total_ram, limits.total_ram_used),
        ):
            if limit is not None and limit >= 0 and used is not None and \
                    need[label] > limit - used:
                problems.append(f"compute quota: the Yarn VMs need {need[label]} more "
                                f"{label}, {limit - used} left of {limit}")
        return problems

    def decide(self, target: PreflightTarget, observed: Any) -> Decision:
        what = "flavors, image, keypair, networks, executor sizing, quota"
        if isinstance(observed, Unknown):
            return Decision(Action.CHECK, f"{what} ({observed.why})")
        if observed:
            return Decision(Action.CHECK, "FAILED: " + "; ".join(observed))
        return Decision(Action.CHECK, f"{what} ok")

    def apply(self, ctx: Context, target: PreflightTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if observed:
            raise ConfigError(
                f"Preflight found {len(observed)} problem(s) with the cloud for the Yarn "
                f"fallback of {target.plan.profile_file}: " + "; ".join(observed)
                + ". Fix the profile field or the cloud, then re-run; nothing was created.")
        return {"ok": True}


# -- servers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServerTarget:
    plan: YarnPlan
    vm: VmPlan
    #: Step ids of this deployment's access rules on the shares the VM mounts.
    access_steps: tuple[str, ...]
    groups_steps: tuple[str, ...]


def expected_digest(plan: YarnPlan, vm: VmPlan, worker: Flavor) -> str:
    return cloudinit.digest(plan, vm, sizing_for(plan, worker),
                            cloudinit.planned_mounts(plan, vm))


def _fault(server: Any) -> str:
    fault = getattr(server, "fault", None) or {}
    return str(fault.get("message") or "no fault recorded")


def wait_active(ctx: Context, server_id: str, name: str, progress: Progress) -> Any:
    def active() -> tuple[bool, Any, str]:
        server = ctx.cloud.compute.get_server(server_id)
        if server.status == "ERROR":
            raise CloudError(f"Server {name} went to ERROR: {_fault(server)}. Re-run to "
                             "replace it.")
        return server.status == "ACTIVE", server, str(server.status)

    return wait_until(active, what=f"server {name}", timeout=SERVER_TIMEOUT, report=progress)


def delete_and_wait(ctx: Context, server: Any, progress: Progress) -> None:
    ctx.cloud.compute.delete_server(server, ignore_missing=True)

    def gone() -> tuple[bool, None, str]:
        current = ctx.cloud.compute.find_server(server.id, ignore_missing=True)
        return current is None, None, "deleting" if current else "gone"

    wait_until(gone, what=f"deleting server {server.name}", timeout=DELETE_TIMEOUT,
               report=progress)


class ServerKind:
    kind = "yarn.server"

    def observe(self, ctx: Context, target: ServerTarget) -> Any:
        return {"server": find_server(ctx, target.vm.name),
                "worker": flavor_facts(ctx, target.plan.spec.worker_flavor)}

    def decide(self, target: ServerTarget, observed: Any) -> Decision:
        vm = target.vm
        what = f"{vm.role}, {vm.flavor}, {vm.address}"
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{what} ({observed.why})")
        server = observed["server"]
        if server is None:
            return Decision(Action.CREATE, what)
        if server.status == "ERROR":
            return Decision(Action.UPDATE, f"replace: in ERROR ({_fault(server)})",
                            {"status": ["ERROR", "ACTIVE"]})
        worker = observed["worker"]
        if worker is not None:
            wanted = expected_digest(target.plan, vm, worker)
            have = (server.metadata or {}).get(CONFIG_KEY)
            if have != wanted:
                return Decision(Action.UPDATE, "replace: what it boots with (flavor, image or "
                                "configuration) differs from the profile",
                                {CONFIG_KEY: [have, wanted]})
        return Decision(Action.NOOP, f"{server.status}, {what}")

    def apply(self, ctx: Context, target: ServerTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        vm = target.vm
        server = None if isinstance(observed, Unknown) else observed["server"]
        if decision.action is Action.UPDATE and server is not None:
            progress(f"replacing {vm.name}: {decision.reason}")
            delete_and_wait(ctx, server, progress)
            server = None
        if server is None:
            server = self._create(ctx, target)
        server = wait_active(ctx, server.id, vm.name, progress)
        return {"server_id": server.id, "address": vm.address, "status": server.status}

    def _create(self, ctx: Context, target: ServerTarget) -> Any:
        vm, plan, conn = target.vm, target.plan, ctx.cloud
        worker = flavor_facts(ctx, plan.spec.worker_flavor)
        flavor = conn.compute.find_flavor(vm.flavor, ignore_missing=True)
        image = conn.image.find_image(plan.image, ignore_missing=True)
        if worker is None or flavor is None or image is None:
            raise CloudError(f"Flavor {vm.flavor!r} or image {plan.image!r} disappeared; "
                             "re-run to check again.")
        sizing = sizing_for(plan, worker)
        user_data = cloudinit.render(plan, vm, sizing, self._mounts(ctx, target))
        encoded = base64.b64encode(user_data.encode()).decode()
        if len(encoded) > cloudinit.NOVA_USER_DATA_MAX:
            raise CloudError(f"internal: the user-data of {vm.name} is {len(encoded)} bytes, "
                             f"over Nova's {cloudinit.NOVA_USER_DATA_MAX}.")
        return conn.compute.create_server(
            name=vm.name, flavor_id=flavor.id, image_id=image.id, key_name=plan.keypair,
            networks=[{"uuid": ctx.result(NETWORK_STEP)["network_id"],
                       "fixed_ip": vm.address}],
            security_groups=[{"name": name} for name in vm.security_groups],
            user_data=encoded, tags=plan.tags,
            metadata={OWNER_KEY: plan.deployment, STACK_KEY: STACK, ROLE_KEY: vm.role,
                      CONFIG_KEY: expected_digest(plan, vm, worker)},
        )

    def _mounts(self, ctx: Context, target: ServerTarget) -> list[cloudinit.Mount]:
        mounts = []
        for name, step in zip(target.vm.mounts, target.access_steps, strict=True):
            access = ctx.result(step)
            owner = target.plan.share(name).project_owner
            # Another project's share is read with that project's credentials.
            manila = Manila(ctx.owner_cloud(owner.access()) if owner else ctx.cloud)
            rules = [r for r in manila.access_rules(access["share_id"])
                     if r.id == access["access_id"]]
            if not rules or not rules[0].access_key:
                raise CloudError(f"The cephx access rule on share {name} has no key yet; "
                                 "re-run to wait for it.")
            share = target.plan.share(name)
            monitors, path = cloudinit.split_export(manila.export_path(access["share_id"]))
            mounts.append(cloudinit.Mount(name, share.share.mount_path, share.access_level,
                                          share.cephx_id, monitors, path, rules[0].access_key))
        return mounts


@dataclass(frozen=True)
class ExtraTarget:
    plan: YarnPlan


class ExtraWorkersKind:
    """Workers beyond yarn.worker_count (the profile was scaled down): deleted."""

    kind = "yarn.extra-workers"

    def observe(self, ctx: Context, target: ExtraTarget) -> Any:
        planned = {vm.name for vm in target.plan.vms}
        return sorted((s for s in our_servers(ctx, target.plan)
                       if s.name not in planned
                       and (s.metadata or {}).get(ROLE_KEY) == "worker"),
                      key=lambda s: str(s.name))

    def decide(self, target: ExtraTarget, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.NOOP, f"none expected ({observed.why})")
        if observed:
            return Decision(Action.DELETE, "beyond yarn.worker_count: "
                            + ", ".join(s.name for s in observed))
        return Decision(Action.NOOP, f"none beyond yarn.worker_count "
                        f"({target.plan.spec.worker_count})")

    def apply(self, ctx: Context, target: ExtraTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.DELETE:
            for server in observed:
                delete_and_wait(ctx, server, progress)
        return {"deleted": [s.name for s in observed or []]}


# -- floating IP -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FloatingTarget:
    plan: YarnPlan
    gateway_step: str


class FloatingIpKind:
    kind = "yarn.floating-ip"

    def observe(self, ctx: Context, target: FloatingTarget) -> Any:
        network = ctx.cloud.network
        gateway = find_server(ctx, target.plan.gateway.name)
        ports = list(network.ports(device_id=gateway.id)) if gateway is not None else []
        port_ids = {p.id for p in ports}
        tagged = list(network.ips(tags=",".join(target.plan.tags)))
        attached = [ip for port in ports for ip in network.ips(port_id=port.id)]
        ours = {ip.id: ip for ip in tagged + attached}
        return {"port": ports[0] if ports else None,
                "attached": [ip for ip in ours.values() if ip.port_id in port_ids],
                "spare": [ip for ip in ours.values() if ip.port_id not in port_ids]}

    def decide(self, target: FloatingTarget, observed: Any) -> Decision:
        where = f"on {target.plan.gateway.name} from {target.plan.external_network}"
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"{where} ({observed.why})")
        attached, spare = observed["attached"], observed["spare"]
        if attached and not spare and len(attached) == 1:
            return Decision(Action.NOOP, f"{attached[0].floating_ip_address} {where}")
        if attached:
            return Decision(Action.UPDATE, "release extra floating IPs: " + ", ".join(
                ip.floating_ip_address for ip in [*attached[1:], *spare]))
        if spare:
            return Decision(Action.UPDATE, f"associate {spare[0].floating_ip_address} {where}")
        return Decision(Action.CREATE, where)

    def apply(self, ctx: Context, target: FloatingTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        network, plan = ctx.cloud.network, target.plan
        port = observed["port"]
        if port is None:
            raise CloudError(f"The gateway {plan.gateway.name} has no network port yet; "
                             "re-run.")
        keep = observed["attached"][0] if observed["attached"] else None
        spare = [*observed["attached"][1:], *observed["spare"]]
        if keep is None and spare:
            keep = network.update_ip(spare.pop(0), port_id=port.id)
        for extra in spare:
            network.delete_ip(extra, ignore_missing=True)
        if keep is None:
            external = find_external(ctx, plan.external_network, "yarn.external_network")
            keep = network.create_ip(floating_network_id=external.id, port_id=port.id,
                                     description=plan.floating_ip_description)
            network.set_tags(keep, plan.tags)
        return {"address": keep.floating_ip_address}
