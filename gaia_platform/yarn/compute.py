"""The VMs: a preflight of what they need, the servers themselves, workers beyond the profile's
count, and the gateway's floating IP (the fallback's only public address).

A server is immutable once booted: when what it should boot with changes (flavor, image,
configuration; compared through a digest kept in its metadata) or it is in ERROR, it is
replaced. Its user-data, with the cephx keys of its mounts, is rendered only at creation and
handed to Nova, never logged or recorded.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ..cloud.glance import Glance
from ..cloud.manila import Manila
from ..cloud.neutron import Neutron
from ..cloud.nova import Nova, fault
from ..desired import OWNER_KEY
from ..errors import CloudError, ConfigError
from ..plan import Action, Decision
from ..steps import checks
from ..steps.base import Context, Progress, Unknown
from ..steps.network import find_external
from . import cloudinit
from .layout import ROLE_KEY, STACK, STACK_KEY, VmPlan, YarnPlan
from .network import NETWORK_STEP
from .sizing import Flavor, Sizing, compute

CONFIG_KEY = "gaia-platform.config"
SERVER_TIMEOUT = 1800.0
DELETE_TIMEOUT = 900.0


def find_server(ctx: Context, name: str) -> Any:
    return Nova(ctx.cloud).find_server(name)


def our_servers(ctx: Context, plan: YarnPlan) -> list[Any]:
    """Every server tagged as this deployment's Yarn fallback."""
    return Nova(ctx.cloud).servers(plan.tags)


def flavor_facts(ctx: Context, name: str) -> Flavor | None:
    flavor = Nova(ctx.cloud).find_flavor(name)
    return None if flavor is None else Flavor(name, flavor.vcpus, flavor.ram)


def sizing_for(plan: YarnPlan, worker: Flavor) -> Sizing:
    return compute(plan.spec, worker, plan.profile_file)


# -- preflight ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreflightTarget:
    plan: YarnPlan
    provider_network: str | None
    monitors_gateway: str | None = None


class PreflightKind:
    kind = "yarn.preflight"

    def observe(self, ctx: Context, target: PreflightTarget) -> Any:
        plan, conn = target.plan, ctx.cloud
        found, problems = checks.flavors(conn, {"yarn.gateway_flavor": plan.spec.gateway_flavor,
                                                "yarn.master_flavor": plan.spec.master_flavor,
                                                "yarn.worker_flavor": plan.spec.worker_flavor})
        flavors = {plan.spec.gateway_flavor: found["yarn.gateway_flavor"],
                   plan.spec.master_flavor: found["yarn.master_flavor"],
                   plan.spec.worker_flavor: found["yarn.worker_flavor"]}
        problems += checks.image(conn, "yarn.image", plan.image)[1]
        problems += checks.keypair(conn, "yarn.keypair", plan.keypair)
        problems += checks.external_network(conn, plan.network_plan.external_field,
                                            plan.external_network)
        problems += checks.provider_network(conn, target.provider_network,
                                            target.monitors_gateway)
        worker = flavors[plan.spec.worker_flavor]
        if worker is not None:
            try:
                sizing_for(plan, Flavor(plan.spec.worker_flavor, worker.vcpus, worker.ram))
            except ConfigError as exc:
                problems.append(str(exc))
        # Only the servers still to be made count: the others hold their quota already.
        existing = {s.name for s in Nova(conn).servers(plan.tags)}
        new = [flavors[vm.flavor] for vm in plan.vms if vm.name not in existing]
        if new and all(flavor is not None for flavor in new):
            need = checks.ComputeNeed.of([(f.vcpus, f.ram) for f in new])
            problems += checks.compute_quota(Nova(conn).limits(), need, "the Yarn VMs need")
        return problems

    def decide(self, target: PreflightTarget, observed: Any) -> Decision:
        return checks.decision(observed, "flavors, image, keypair, networks, executor sizing, "
                               "quota")

    def apply(self, ctx: Context, target: PreflightTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        return checks.stop_on(observed, f"the Yarn fallback of {target.plan.profile_file}")


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


def delete_and_wait(ctx: Context, server: Any, progress: Progress) -> None:
    Nova(ctx.cloud).delete_server(server, wait=DELETE_TIMEOUT, progress=progress)


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
            return Decision(Action.UPDATE, f"replace: in ERROR ({fault(server)})",
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
        server = Nova(ctx.cloud).wait_for_status(server.id, vm.name, timeout=SERVER_TIMEOUT,
                                                 progress=progress)
        return {"server_id": server.id, "address": vm.address, "status": server.status}

    def _create(self, ctx: Context, target: ServerTarget) -> Any:
        vm, plan, nova = target.vm, target.plan, Nova(ctx.cloud)
        worker = flavor_facts(ctx, plan.spec.worker_flavor)
        flavor = nova.find_flavor(vm.flavor)
        image = Glance(ctx.cloud).find_image(plan.image)
        if worker is None or flavor is None or image is None:
            raise CloudError(f"Flavor {vm.flavor!r} or image {plan.image!r} disappeared; "
                             "re-run to check again.")
        sizing = sizing_for(plan, worker)
        user_data = cloudinit.render(plan, vm, sizing, self._mounts(ctx, target))
        encoded = base64.b64encode(user_data.encode()).decode()
        if len(encoded) > cloudinit.NOVA_USER_DATA_MAX:
            raise CloudError(f"internal: the user-data of {vm.name} is {len(encoded)} bytes, "
                             f"over Nova's {cloudinit.NOVA_USER_DATA_MAX}.")
        return nova.create_server(
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


class ExtraWorkersKind:
    """Workers beyond yarn.worker_count (the profile was scaled down): deleted."""

    kind = "yarn.extra-workers"

    def observe(self, ctx: Context, plan: YarnPlan) -> Any:
        planned = {vm.name for vm in plan.vms}
        return sorted((s for s in our_servers(ctx, plan)
                       if s.name not in planned
                       and (s.metadata or {}).get(ROLE_KEY) == "worker"),
                      key=lambda s: str(s.name))

    def decide(self, plan: YarnPlan, observed: Any) -> Decision:
        if isinstance(observed, Unknown):
            return Decision(Action.NOOP, f"none expected ({observed.why})")
        if observed:
            return Decision(Action.DELETE, "beyond yarn.worker_count: "
                            + ", ".join(s.name for s in observed))
        return Decision(Action.NOOP, f"none beyond yarn.worker_count "
                        f"({plan.spec.worker_count})")

    def apply(self, ctx: Context, plan: YarnPlan, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if decision.action is Action.DELETE:
            for server in observed:
                delete_and_wait(ctx, server, progress)
        return {"deleted": [s.name for s in observed or []]}


# -- floating IP -------------------------------------------------------------------------------

class FloatingIpKind:
    kind = "yarn.floating-ip"

    def observe(self, ctx: Context, plan: YarnPlan) -> Any:
        neutron = Neutron(ctx.cloud)
        gateway = find_server(ctx, plan.gateway.name)
        ports = neutron.ports(device_id=gateway.id) if gateway is not None else []
        port_ids = {p.id for p in ports}
        tagged = neutron.floating_ips(tags=plan.tags)
        attached = [ip for port in ports for ip in neutron.floating_ips(port_id=port.id)]
        ours = {ip.id: ip for ip in tagged + attached}
        return {"port": ports[0] if ports else None,
                "attached": [ip for ip in ours.values() if ip.port_id in port_ids],
                "spare": [ip for ip in ours.values() if ip.port_id not in port_ids]}

    def decide(self, plan: YarnPlan, observed: Any) -> Decision:
        where = f"on {plan.gateway.name} from {plan.external_network}"
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

    def apply(self, ctx: Context, plan: YarnPlan, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        neutron = Neutron(ctx.cloud)
        port = observed["port"]
        if port is None:
            raise CloudError(f"The gateway {plan.gateway.name} has no network port yet; "
                             "re-run.")
        keep = observed["attached"][0] if observed["attached"] else None
        spare = [*observed["attached"][1:], *observed["spare"]]
        if keep is None and spare:
            keep = neutron.associate_floating_ip(spare.pop(0), port.id)
        for extra in spare:
            neutron.delete_floating_ip(extra)
        if keep is None:
            external = find_external(ctx, plan.external_network,
                                     plan.network_plan.external_field)
            keep = neutron.create_floating_ip(network_id=external.id, port_id=port.id,
                                              description=plan.floating_ip_description,
                                              tags=plan.tags)
        return {"address": keep.floating_ip_address}
