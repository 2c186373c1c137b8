"""What the Yarn fallback consists of, from the profile and catalogue alone (pure).

Every VM gets a fixed address in the lower half of the fallback's subnet (outside the DHCP
pool, which is the upper half), so that every node's /etc/hosts can name every other node,
including workers added later, without asking the cloud.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import zlib
from dataclasses import dataclass
from typing import Literal

from ..desired import (
    OWNER_KEY,
    CephfsRoutePlan,
    NetworkPlan,
    SharePlan,
    cephfs_route_plan,
    desired_state,
    home_share_name,
    prefix,
    user_share_name,
)
from ..errors import ConfigError
from ..profile import Deployment, YarnSpec

#: Server metadata / tag key naming the part of a deployment a resource belongs to.
STACK_KEY = "gaia-platform.stack"
STACK = "yarn-fallback"
ROLE_KEY = "gaia-platform.role"
#: Worker address slots: profile.YarnSpec.worker_count is capped at this.
MAX_WORKERS = 100
GATEWAY_OFFSET, MASTER_OFFSET, FIRST_WORKER_OFFSET = 10, 11, 20
SHUFFLE_PORT = 7337


@dataclass(frozen=True)
class Rule:
    """One ingress rule. ``remote_group`` True means "from members of the same group"."""

    protocol: str | None
    port: int | None
    remote_ip_prefix: str | None
    remote_group: bool
    why: str

    def describe(self) -> str:
        what = "all traffic" if self.protocol is None else f"{self.protocol}/{self.port}"
        source = "the group's own members" if self.remote_group else self.remote_ip_prefix
        return f"{what} from {source}"


@dataclass(frozen=True)
class GroupPlan:
    """A security group: only these ingress rules, nothing else let in."""

    name: str
    description: str
    rules: tuple[Rule, ...]

    @property
    def step(self) -> str:
        """Its step id: ``yarn.security-group/gateway`` or ``.../internal``."""
        return f"yarn.security-group/{self.name.rsplit('-', 1)[-1]}"


Role = Literal["gateway", "master", "worker"]


@dataclass(frozen=True)
class VmPlan:
    """One server: its role, flavor, fixed address, groups and mounts."""

    role: Role
    name: str
    flavor: str
    address: str
    security_groups: tuple[str, ...]
    #: Names of the shares this VM mounts (data read-only, the rest read-write).
    mounts: tuple[str, ...]


@dataclass(frozen=True)
class YarnUser:
    """A person of the users catalogue on the fallback: a Linux account (the same uid on every
    node, so that files on CephFS mean the same owner everywhere), a Zeppelin account and a
    Yarn limit of their own."""

    name: str
    role: str
    uid: int
    #: Their home and user shares (names in YarnPlan.shares), mounted on the gateway and the
    #: workers and owned by them.
    shares: tuple[str, ...]
    max_apps: int


@dataclass(frozen=True)
class YarnPlan:
    deployment: str
    prefix: str
    spec: YarnSpec
    image: str
    keypair: str
    network: str
    subnet: str
    cidr: str
    gateway_ip: str
    pool: tuple[str, str]
    router: str
    external_network: str
    dns_nameservers: tuple[str, ...]
    cephfs_route: CephfsRoutePlan | None
    groups: tuple[GroupPlan, ...]
    vms: tuple[VmPlan, ...]
    #: This deployment's cephx id and access level on each share (not the main route's).
    shares: tuple[SharePlan, ...]
    #: Every name a node may have (all worker slots), for /etc/hosts.
    hosts: tuple[tuple[str, str], ...]
    profile_file: str
    #: The users catalogue's people (empty without one: then the profile's zeppelin_users).
    users: tuple[YarnUser, ...] = ()

    @property
    def zeppelin_accounts(self) -> tuple[tuple[str, str], ...]:
        """(name, role) of every Zeppelin login: the catalogue's people, else the profile's
        yarn.zeppelin_users (the first of them admin)."""
        if self.users:
            return tuple((user.name, user.role) for user in self.users)
        names = self.spec.zeppelin_users
        return tuple((name, "admin" if i == 0 else "user") for i, name in enumerate(names))

    @property
    def network_plan(self) -> NetworkPlan:
        return NetworkPlan(
            network=self.network, subnet=self.subnet, cidr=self.cidr, router=self.router,
            external_network=self.external_network, dns_nameservers=self.dns_nameservers,
            # DHCP hands out the upper half only: the VMs' fixed addresses are below it.
            gateway_ip=self.gateway_ip, pool=self.pool,
            external_field="yarn.external_network" if self.spec.external_network
            else "cluster.external_network", cidr_field="yarn.cidr",
            delete_command="platform yarn-fallback-delete")

    @property
    def tags(self) -> list[str]:
        return [f"{OWNER_KEY}={self.deployment}", f"{STACK_KEY}={STACK}"]

    @property
    def gateway(self) -> VmPlan:
        return self.vms[0]

    @property
    def master(self) -> VmPlan:
        return self.vms[1]

    @property
    def workers(self) -> tuple[VmPlan, ...]:
        return self.vms[2:]

    @property
    def floating_ip_description(self) -> str:
        return f"{self.gateway.name}: the Yarn fallback's only public address"

    def share(self, name: str) -> SharePlan:
        return next(s for s in self.shares if s.name == name)

    @property
    def scratch_share(self) -> SharePlan:
        """The read-write share every node mounts: a user share, else the notebooks share."""
        shares = [s for s in self.shares if s.name in self.workers[0].mounts
                  and s.share.purpose != "data"]
        return shares[0]

    @property
    def notebooks_share(self) -> SharePlan:
        return next(s for s in self.shares if s.share.purpose == "notebooks")


def worker_name(base: str, index: int) -> str:
    return f"{base}-worker-{index:02d}"


def yarn_spec(deployment: Deployment) -> YarnSpec:
    if deployment.profile.yarn is None:
        raise ConfigError(f"The profile {deployment.profile_path} has no 'yarn' section: add "
                          "one (image, keypair, gateway_flavor, master_flavor, worker_flavor, "
                          "worker_count; see openstack/clouds/sandbox.yaml) to use the "
                          "Yarn fallback.")
    return deployment.profile.yarn


def yarn_plan(deployment: Deployment) -> YarnPlan:
    profile = deployment.profile
    spec = yarn_spec(deployment)
    base = f"{prefix(deployment)}-yarn"
    net = ipaddress.ip_network(spec.cidr)
    first = net.network_address

    def at(offset: int) -> str:
        return str(first + offset)

    gateway_group, internal_group = f"{base}-gateway", f"{base}-internal"
    gateway_rules = [Rule("tcp", 443, spec.https_cidr, False, "Zeppelin over HTTPS")]
    if spec.ssh_cidr:
        gateway_rules.append(Rule("tcp", 22, spec.ssh_cidr, False, "SSH to the gateway"))
    groups = (
        GroupPlan(gateway_group, "Yarn fallback gateway: Zeppelin over HTTPS",
                  tuple(gateway_rules)),
        GroupPlan(internal_group, "Yarn fallback: all traffic between its own VMs",
                  (Rule(None, None, None, True, "Yarn, Spark and shuffle traffic"),)),
    )
    catalogue = deployment.catalogue.shares
    everything = tuple(s.name for s in catalogue)
    # Executors read the data and write results (and Spark stages its files there, so every
    # node needs it); notebooks are only the gateway's business.
    scratch = next((s for s in catalogue if s.purpose == "user"),
                   next(s for s in catalogue if s.purpose == "notebooks"))
    worker_mounts = tuple(s.name for s in catalogue if s.purpose == "data" or s is scratch)
    desired = desired_state(deployment)
    # Drivers run on the gateway and executors on the workers: both see each person's shares
    # (an extra data share listed by several people is mounted once).
    owned = tuple(dict.fromkeys(s.name for s in desired.shares if s.owner))
    everything += owned
    worker_mounts += owned
    vms = [
        VmPlan("gateway", f"{base}-gateway", spec.gateway_flavor, at(GATEWAY_OFFSET),
               (gateway_group, internal_group), everything),
        VmPlan("master", f"{base}-master", spec.master_flavor, at(MASTER_OFFSET),
               (internal_group,), ()),
    ]
    vms += [
        VmPlan("worker", worker_name(base, index), spec.worker_flavor,
               at(FIRST_WORKER_OFFSET + index - 1), (internal_group,), worker_mounts)
        for index in range(1, spec.worker_count + 1)
    ]
    hosts = [(vms[0].address, vms[0].name), (vms[1].address, vms[1].name)]
    hosts += [(at(FIRST_WORKER_OFFSET + index - 1), worker_name(base, index))
              for index in range(1, MAX_WORKERS + 1)]
    route = cephfs_route_plan(deployment, base, net)
    unique = {plan.name: plan for plan in reversed(desired.shares)}  # the first of a name
    shares = tuple(
        # A share another project owns is mounted with its owner's rule, as the cluster does.
        plan if plan.project_owner else dataclasses.replace(plan, cephx_id=f"{base}-{plan.name}",
                            # Read-only cephx rules work for CephFS mounts on VMs (aglais
                            # mounted data ro with ceph-fuse); only the CSI route needed rw.
                            access_level="ro" if plan.share.purpose == "data" else "rw")
        for plan in desired.shares if unique[plan.name] is plan
    )
    return YarnPlan(
        deployment=profile.name, prefix=base, spec=spec, image=spec.image,
        keypair=spec.keypair, network=f"{base}-network", subnet=f"{base}-subnet",
        cidr=str(net), gateway_ip=at(1),
        pool=(at(net.num_addresses // 2), str(net.broadcast_address - 4)),
        router=f"{base}-router",
        external_network=spec.external_network or _cluster_external(deployment),
        dns_nameservers=tuple(profile.network.dns_nameservers), cephfs_route=route,
        groups=groups, vms=tuple(vms), shares=shares, hosts=tuple(hosts),
        profile_file=str(deployment.profile_path), users=yarn_users(deployment, spec),
    )


#: Linux uids of the catalogue's people: FIRST_UID + a hash of the name, so that a person
#: keeps their uid (and their files their owner) whoever else is added or removed.
FIRST_UID, UID_SPAN = 20000, 40000


def user_uid(name: str) -> int:
    return FIRST_UID + zlib.crc32(name.encode()) % UID_SPAN


def yarn_users(deployment: Deployment, spec: YarnSpec) -> tuple[YarnUser, ...]:
    if deployment.users is None:
        return ()
    people = []
    taken: dict[int, str] = {}
    for user in deployment.users.users:
        uid = user_uid(user.name)
        if uid in taken:
            raise ConfigError(f"{deployment.users_path}: users {taken[uid]!r} and {user.name!r} "
                              f"would get the same Linux uid {uid} on the Yarn fallback; "
                              "rename one of them.")
        taken[uid] = user.name
        people.append(YarnUser(
            user.name, user.role, uid,
            (home_share_name(deployment, user.name), user_share_name(deployment, user.name)),
            user.yarn_max_apps or spec.scheduler.max_apps_per_user))
    return tuple(people)


def _cluster_external(deployment: Deployment) -> str:
    spec = deployment.profile.magnum
    if spec is None:
        raise ConfigError(f"{deployment.profile_path}: yarn.external_network is required when "
                          "cluster.provider is existing (there is no cluster.external_network "
                          "to default to). Set it and re-run.")
    return spec.external_network
