"""What should exist for a deployment: computed from the profile and catalogue alone (pure).

Every resource gets a deterministic name from the deployment's name, so that a re-run finds
what an earlier (perhaps interrupted) run made instead of making it again.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .profile import Deployment, Share, ShareOwner, User, home_path, user_path

#: Label/metadata key that marks a resource as made by this tool for one deployment.
OWNER_KEY = "gaia-platform.deployment"
CSI_DRIVER = "cephfs.manila.csi.openstack.org"


@dataclass(frozen=True)
class NetworkPlan:
    """A network of the deployment's own: subnet, and a router to the outside."""

    network: str
    subnet: str
    cidr: str
    router: str
    external_network: str
    dns_nameservers: tuple[str, ...]
    gateway_ip: str
    #: The DHCP pool (first, last address); what is outside it is for fixed addresses.
    pool: tuple[str, str]
    #: The profile fields naming the external network and the range (for messages).
    external_field: str = "cluster.external_network"
    cidr_field: str = "network.cidr"
    #: The command that removes the network, so that it can be made with another range.
    delete_command: str = "platform delete"


@dataclass(frozen=True)
class CephfsRoutePlan:
    router: str
    provider_network: str
    monitors_cidr: str
    #: The CephFS router's address on the deployment's subnet: the static route's next hop.
    interface_ip: str
    #: The CephFS router's own route to the monitors (None: they are on the provider network).
    monitors_gateway: str | None = None


@dataclass(frozen=True)
class TemplatePlan:
    name: str
    image: str
    external_network: str
    master_flavor: str
    worker_flavor: str
    network_driver: str
    keypair: str
    labels: dict[str, str]
    #: Magnum refuses master_count > 1 without it (magnum/api/attr_validator.py,
    #: validate_master_count); the Cluster API driver builds an API load balancer anyway
    #: (magnum_capi_helm/driver.py: apiServer.enableLoadBalancer True).
    master_lb_enabled: bool = False


@dataclass(frozen=True)
class ClusterPlan:
    name: str
    master_count: int
    node_count: int
    labels: dict[str, str]
    create_timeout: int
    stall_minutes: float = 20


@dataclass(frozen=True)
class SharePlan:
    share: Share
    share_type: str
    availability_zone: str | None
    #: cephx client id of this deployment's access rule (unique per deployment and share).
    cephx_id: str
    access_level: str
    pv_name: str
    pvc_name: str
    #: The person whose storage this is (users catalogue): mounted only into their pods.
    owner: str | None = None

    @property
    def name(self) -> str:
        return self.share.name

    @property
    def project_owner(self) -> ShareOwner | None:
        """Set for a share another project owns: read and mounted, never changed."""
        return self.share.owner


@dataclass(frozen=True)
class UserPlan:
    """One person: their Zeppelin login and the share plans that are theirs alone."""

    name: str
    role: str
    #: Names of their shares in DesiredState.shares (home, user, extra data shares).
    shares: tuple[str, ...]


@dataclass(frozen=True)
class DesiredState:
    deployment: str
    namespace: str
    network: NetworkPlan
    cephfs_route: CephfsRoutePlan | None
    #: None when the cluster is made elsewhere (cluster.provider: existing).
    template: TemplatePlan | None
    cluster: ClusterPlan | None
    shares: tuple[SharePlan, ...]
    csi_secret: str
    csi_app_credential: str
    #: The users catalogue's people; empty without one (the single ``admin`` account).
    users: tuple[UserPlan, ...] = ()
    #: What plan should tell the user before any change (labels the driver ignores).
    warnings: tuple[str, ...] = ()

    def owner_secret(self, owner: ShareOwner) -> str:
        """The CSI Secret for shares of another project: the node plugin reads the share and
        its rules with the PV's secret, so it must hold that project's credentials."""
        return f"{self.csi_secret}-{owner.cloud.lower().replace('_', '-')}"[:63]


def prefix(deployment: Deployment) -> str:
    return f"gaia-{deployment.profile.name}"


def desired_state(deployment: Deployment) -> DesiredState:
    profile = deployment.profile
    base = prefix(deployment)
    spec = profile.magnum
    template: TemplatePlan | None = None
    cluster: ClusterPlan | None = None
    warnings: list[str] = []
    if spec is not None:
        from .capi_labels import unknown_labels

        # Only what the profile says: the Cluster API driver ignores kube_tag (the image's
        # kube_version decides) and has no manila_csi_enabled add-on (capi_labels.py).
        labels = dict(spec.labels)
        warnings += unknown_labels(labels)
        cluster_labels = dict(labels)
        if spec.autoscaling:
            cluster_labels.update(
                auto_scaling_enabled="true",
                min_node_count=str(spec.autoscaling.min_nodes),
                max_node_count=str(spec.autoscaling.max_nodes),
            )
        template = TemplatePlan(
            name=f"{base}-template", image=spec.image, external_network=spec.external_network,
            master_flavor=spec.master_flavor, worker_flavor=spec.worker_flavor,
            network_driver=spec.network_driver, keypair=spec.keypair, labels=labels,
            master_lb_enabled=spec.master_count > 1,
        )
        cluster = ClusterPlan(
            name=base, master_count=spec.master_count, node_count=spec.worker_count,
            labels=cluster_labels, create_timeout=spec.create_timeout_minutes,
            stall_minutes=spec.stall_minutes,
        )
    subnet = ipaddress.ip_network(profile.network.cidr, strict=False)
    route = cephfs_route_plan(deployment, base, subnet)
    shares = tuple(
        SharePlan(
            share=share,
            share_type=profile.cephfs.share_type,
            availability_zone=profile.cephfs.availability_zone,
            # A share owned elsewhere is mounted with its owner's rule, at that rule's level.
            cephx_id=share.owner.access_rule if share.owner else f"{base}-{share.name}",
            access_level=profile.cephfs.data_access_level if share.purpose == "data" else "rw",
            pv_name=f"{base}-{share.name}",
            pvc_name=share.name,
        )
        for share in deployment.catalogue.shares
    )
    users: list[UserPlan] = []
    for user in deployment.users.users if deployment.users else []:
        owned = user_shares(deployment, user)
        users.append(UserPlan(user.name, user.role, tuple(plan.name for plan in owned)))
        shares += owned
    return DesiredState(
        deployment=profile.name,
        namespace=profile.kubernetes.namespace,
        network=NetworkPlan(
            network=f"{base}-network", subnet=f"{base}-subnet", cidr=str(subnet),
            router=f"{base}-router", external_network=spec.external_network if spec else "",
            dns_nameservers=tuple(profile.network.dns_nameservers),
            gateway_ip=str(subnet.network_address + 1),
            # The top few addresses stay out of DHCP: the CephFS router's interface uses one.
            pool=(str(subnet.network_address + 10), str(subnet.broadcast_address - 4)),
        ),
        cephfs_route=route if spec else None,
        template=template,
        cluster=cluster,
        shares=shares,
        csi_secret="manila-csi-credentials",
        csi_app_credential=f"{base}-manila-csi",
        warnings=tuple(warnings),
        users=tuple(users),
    )


def cephfs_route_plan(deployment: Deployment, base: str,
                      subnet: ipaddress.IPv4Network | ipaddress.IPv6Network
                      ) -> CephfsRoutePlan | None:
    """The route to the Ceph monitors from a subnet of ours (None where the profile has no
    cephfs.router): the CephFS router's interface takes a fixed address near the top of the
    subnet, outside the DHCP pool."""
    router = deployment.profile.cephfs.router
    if router is None:
        return None
    return CephfsRoutePlan(
        router=f"{base}-cephfs-router", provider_network=router.provider_network,
        monitors_cidr=router.monitors_cidr,
        interface_ip=str(subnet.network_address + subnet.num_addresses - 3),
        monitors_gateway=router.monitors_gateway)


def home_share_name(deployment: Deployment, user: str) -> str:
    """``<deployment>-home-<user>``, as gaia-dmp named them (create-user-tools.sh)."""
    return f"{deployment.profile.name}-home-{user}"


def user_share_name(deployment: Deployment, user: str) -> str:
    return f"{deployment.profile.name}-user-{user}"


def user_shares(deployment: Deployment, user: User) -> tuple[SharePlan, ...]:
    """A person's shares: home and user storage (read-write) and their own data shares
    (read-only), each with its own cephx rule, volume and claim."""
    profile = deployment.profile
    base = prefix(deployment)
    shares = [
        Share(name=home_share_name(deployment, user.name), size_gb=user.home_gb,
              access="rw", mount_path=home_path(user.name), purpose="user",
              description=f"home of {user.name}"),
        Share(name=user_share_name(deployment, user.name), size_gb=user.user_gb,
              access="rw", mount_path=user_path(user.name), purpose="user",
              description=f"working space of {user.name}"),
    ]
    plans = [
        SharePlan(share=share, share_type=profile.cephfs.share_type,
                  availability_zone=profile.cephfs.availability_zone,
                  cephx_id=f"{base}-{share.name}", access_level="rw",
                  pv_name=f"{base}-{share.name}", pvc_name=share.name, owner=user.name)
        for share in shares
    ]
    for extra in user.data_shares:
        share = Share(name=extra.name, size_gb=extra.size_gb, access="ro",
                      mount_path=extra.mount_path, purpose="data",
                      description=extra.description)
        # The same Manila share may be another person's too: rule, volume and claim are
        # this person's own.
        own = f"{user.name}-{extra.name}".lower()
        plans.append(SharePlan(
            share=share, share_type=profile.cephfs.share_type,
            availability_zone=profile.cephfs.availability_zone,
            cephx_id=f"{base}-{own}", access_level=profile.cephfs.data_access_level,
            pv_name=f"{base}-{own}", pvc_name=own, owner=user.name))
    return tuple(plans)
