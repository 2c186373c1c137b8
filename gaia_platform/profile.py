"""Cloud profiles and the share catalogue: parsed, validated, every error naming file and field."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from . import zeppelin_versions
from .errors import ConfigError

PROFILE_DIR = Path(__file__).resolve().parent.parent / "openstack" / "clouds"
DNS_LABEL = r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"

Name = Annotated[str, Field(pattern=DNS_LABEL)]


class Strict(BaseModel):
    # strict: a YAML value of the wrong type is an error, not coerced (1 is not true,
    # "10" is not 10): what looked like a boolean must be one.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class OpenStackAccess(Strict):
    #: The clouds.yaml entry to use, as OS_CLOUD would name it.
    cloud: str
    #: An explicit clouds.yaml; otherwise the usual search (OS_CLIENT_CONFIG_FILE, ./,
    #: ~/.config/openstack/, /etc/openstack/). ``~`` and ``$VARS`` are expanded.
    clouds_yaml: str | None = None
    region: str | None = None


class Autoscaling(Strict):
    min_nodes: int = Field(ge=1)
    max_nodes: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.max_nodes < self.min_nodes:
            raise ValueError("max_nodes must be at least min_nodes")
        return self


#: Magnum labels read as integers (magnum_capi_helm/driver.py _get_label_int; Magnum's API
#: for boot_volume_size).
INTEGER_LABELS = ("boot_volume_size", "etcd_blockdevice_size", "etcd_volume_size",
                  "min_node_count", "max_node_count")


class ClusterSpec(Strict):
    """A cluster made by Magnum (its Cluster API driver, magnum-capi-helm)."""

    provider: Literal["magnum"] = "magnum"
    #: The Glance image. With the Cluster API driver it fixes the Kubernetes version (its
    #: ``kube_version`` property) and must carry ``os_distro`` (preflight checks both).
    image: str
    #: Optional: the Kubernetes version the image must give. The Cluster API driver ignores
    #: ``kube_tag`` and takes the version from the image (magnum_capi_helm/driver.py,
    #: _get_kube_version), so this is only checked, never sent.
    kubernetes_version: str | None = Field(default=None, pattern=r"^v\d+\.\d+\.\d+$")
    network_driver: Literal["calico", "flannel", "cilium"] = "calico"
    master_flavor: str
    master_count: Literal[1, 3, 5] = 1
    worker_flavor: str
    worker_count: int = Field(ge=1, le=500)
    autoscaling: Autoscaling | None = None
    keypair: str
    external_network: str
    #: Extra Magnum labels, merged over the template's (``merge_labels``).
    labels: dict[str, str] = {}
    create_timeout_minutes: int = Field(default=60, ge=10, le=600)
    #: A create that shows no progress (status, reason, node counts, nodegroups) for this long
    #: is reported as stalled: the Cluster API driver rarely reports *_FAILED.
    stall_minutes: float = Field(default=20, gt=0, le=600)

    @field_validator("kubernetes_version")
    @classmethod
    def _has_admission_policies(cls, value: str | None) -> str | None:
        if value is None:  # written as null: the image alone decides, as when left out
            return value
        major, minor = (int(part) for part in value[1:].split(".")[:2])
        if (major, minor) < (1, 30):
            raise ValueError("must be v1.30 or later: the charts contain notebook code with "
                             "ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1)")
        return value

    @field_validator("labels")
    @classmethod
    def _whole_numbers(cls, labels: dict[str, str]) -> dict[str, str]:
        # Labels read as integers. For a value that is none, Magnum's API answers 500 (not 400)
        # to boot_volume_size (magnum 5a492d6 attr_validator.py validate_flavor_root_volume_size
        # calls oslo.utils validate_integer, whose ValueError wsme makes a server fault), and
        # the Cluster API driver quietly uses its default for all of them
        # (magnum_capi_helm/driver.py _get_label_int).
        bad = [name for name in INTEGER_LABELS
               if name in labels and not labels[name].strip().isdigit()]
        if bad:
            raise ValueError(f"{', '.join(bad)} must be whole numbers (gigabytes or node "
                             "counts), written as strings like \"20\"")
        return labels

    @model_validator(mode="after")
    def _count_in_bounds(self) -> ClusterSpec:
        if self.autoscaling and not (
            self.autoscaling.min_nodes <= self.worker_count <= self.autoscaling.max_nodes
        ):
            raise ValueError("worker_count must lie between autoscaling.min_nodes and max_nodes")
        return self


class ExistingCluster(Strict):
    """A cluster made elsewhere (plain Cluster API, as gaia-dmp did on Arcus, or any other
    way): deploy uses its kubeconfig and makes no network or Magnum resource."""

    provider: Literal["existing"]
    #: The kubeconfig of the cluster; ``~`` and ``$VARS`` are expanded.
    kubeconfig: str
    #: The kubeconfig context to use (default: its current context).
    context: str | None = None


def _cluster_provider(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("provider", "magnum"))
    return str(getattr(value, "provider", "magnum"))


def _ipv4_network(value: str) -> str:
    """A CIDR the cloud will accept: the pattern lets 999.999.999.999/99 through."""
    import ipaddress

    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError as exc:
        raise ValueError(f"not an IPv4 network ({exc})") from None
    return str(network)


class CephfsRouter(Strict):
    #: The provider network the Ceph monitors sit on (Arcus/cumulus: not reachable otherwise).
    provider_network: str
    #: Where the monitors are; routed from the cluster's subnet through the CephFS router.
    monitors_cidr: str = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")
    #: Where the CephFS router itself sends the monitors' range: an address on the provider
    #: network (Arcus: that network's gateway, gaia-dmp cephfs-router.sh). None: the monitors
    #: are on the provider network itself and no route is needed.
    monitors_gateway: str | None = Field(default=None, pattern=r"^\d+\.\d+\.\d+\.\d+$")

    @field_validator("monitors_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        return _ipv4_network(value)


class ChartSource(Strict):
    """A Helm chart: ``repository`` + ``name`` + ``version`` (an upstream chart, pinned), or
    ``path``: a chart directory, relative to the profile file or to this checkout (the
    sandbox's stand-ins)."""

    repository: str | None = Field(default=None, pattern=r"^(https|oci)://\S+$")
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str | None = Field(default=None, pattern=r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
    path: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ChartSource:
        remote = (self.repository, self.name, self.version)
        if self.path is not None:
            if any(remote):
                raise ValueError("give either path, or repository + name + version, not both")
        elif not all(remote):
            raise ValueError("give repository, name and version (a pinned chart), or path")
        return self


# The upstream charts deploy installs. Versions are pinned; sources:
# - openstack-manila-csi 2.34.2 ships driver v1.34.1 (kubernetes/cloud-provider-openstack tag
#   openstack-manila-csi-2.34.2, charts/manila-csi-plugin/Chart.yaml appVersion); repository
#   from that chart's README. The 2.34 line matches Kubernetes 1.34 (CPO docs: use the release
#   matching the cluster's minor version).
# - ceph-csi-cephfs 3.15.1 (ceph/csi-charts docs/cephfs/ceph-csi-cephfs-3.15.1.tgz,
#   Chart.yaml version = appVersion 3.15.1); includes ceph/ceph-csi#5753 (fsName on the
#   monitor-list mount path manila uses).
MANILA_CSI_CHART = ChartSource(repository="https://kubernetes.github.io/cloud-provider-openstack",
                               name="openstack-manila-csi", version="2.34.2")
CEPHFS_CSI_CHART = ChartSource(repository="https://ceph.github.io/csi-charts",
                               name="ceph-csi-cephfs", version="3.15.1")


class CsiSpec(Strict):
    #: auto: install both charts when the cluster has no such CSIDriver (a driver someone else
    #: installed is used as it is); always: install (and upgrade) them whatever is there;
    #: never: only check, and stop with instructions when the driver is absent.
    install: Literal["auto", "always", "never"] = "auto"
    manila_chart: ChartSource = MANILA_CSI_CHART
    cephfs_chart: ChartSource = CEPHFS_CSI_CHART


class Network(Strict):
    #: The deployment's own network, so that routes to CephFS can be added to it.
    cidr: str = Field(default="10.10.0.0/16", pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")
    dns_nameservers: list[str] = []

    @field_validator("cidr")
    @classmethod
    def _room_for_nodes(cls, value: str) -> str:
        network = _ipv4_network(value)
        # The subnet's pool starts 10 addresses in and ends 4 before the top (steps/network.py).
        if int(network.split("/")[1]) > 27:
            raise ValueError("must be a /27 or larger: nodes and the CephFS router need room")
        return network

    @field_validator("dns_nameservers")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for server in value:
            try:
                ipaddress.ip_address(server)
            except ValueError:
                raise ValueError(f"{server!r} is not an IP address") from None
        return value


class Cephfs(Strict):
    share_type: str = "cephfsnativetype"
    availability_zone: str | None = None
    #: ro: data shares get read-only cephx rules (and readOnly mounts). aglais fell back to rw
    #: rules because ReadOnlyMany failed with its CSI version; ``rw`` reproduces that.
    data_access_level: Literal["ro", "rw"] = "ro"
    router: CephfsRouter | None = None
    #: The Manila CSI driver (CEPHFS protocol) and the ceph-csi CephFS node plugin it forwards
    #: mounts to; installed by deploy when the cluster lacks them (see CsiSpec).
    csi: CsiSpec = CsiSpec()


#: Namespaces the cluster itself uses: a deployment there would mix its pods, RBAC and
#: Pod Security level with the system's.
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class KubernetesSpec(Strict):
    namespace: Name = "gaia"

    @field_validator("namespace")
    @classmethod
    def _not_a_system_namespace(cls, value: str) -> str:
        if value in SYSTEM_NAMESPACES or value.startswith("kube-"):
            raise ValueError(f"{value!r} is a namespace of the cluster itself; choose one of "
                             "the deployment's own (e.g. gaia)")
        return value
    #: The Zeppelin release the notebook service runs: one the charts support
    #: (charts/zeppelin/versions.yaml, the one list).
    zeppelin_version: str = zeppelin_versions.DEFAULT
    #: The Spark image of drivers and executors (``repository:tag``); empty: the chart's
    #: default for the Zeppelin version. Required for 0.9.0: no Spark < 3.1 image exists
    #: upstream any more; images/spark-py/build.sh builds one.
    spark_image: str | None = Field(default=None, pattern=r"^[a-z0-9][^\s]*$")
    #: An interpreter (a person's Spark driver, and so its executors) idle this long is
    #: stopped (Zeppelin's TimeoutLifecycleManager); it starts again at the next paragraph.
    interpreter_idle_minutes: int = Field(default=60, ge=1, le=10080)

    @field_validator("zeppelin_version")
    @classmethod
    def _a_supported_zeppelin(cls, value: str) -> str:
        if value not in zeppelin_versions.SUPPORTED:
            raise ValueError(f"Zeppelin {value!r} is not supported; choose one of "
                             f"{', '.join(zeppelin_versions.SUPPORTED)}")
        return value


# The web entry point's upstream charts, pinned:
# - traefik 41.3.0 (Traefik v3.7.11): traefik/traefik-helm-chart tag v41.3.0, repository from
#   its README ("helm repo add traefik https://traefik.github.io/charts"). Chosen over
#   ingress-nginx, which kubernetes retired in March 2026 (no releases or security fixes).
# - cert-manager v1.21.1: cert-manager/cert-manager tag v1.21.1,
#   deploy/charts/cert-manager; repository https://charts.jetstack.io (cert-manager docs).
TRAEFIK_CHART = ChartSource(repository="https://traefik.github.io/charts", name="traefik",
                            version="41.3.0")
CERT_MANAGER_CHART = ChartSource(repository="https://charts.jetstack.io", name="cert-manager",
                                 version="v1.21.1")
HOST = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


class IngressController(Strict):
    #: auto: install the chart when the cluster has no IngressClass named ``class_name``;
    #: always: install it whatever is there; never: the class must exist.
    install: Literal["auto", "always", "never"] = "auto"
    #: The IngressClass the Zeppelin Ingress names (the installed controller creates it).
    class_name: Name = "traefik"
    chart: ChartSource = TRAEFIK_CHART


class Acme(Strict):
    """A certificate from an ACME CA (Let's Encrypt by default) through cert-manager."""

    #: The account's contact address (optional for Let's Encrypt: expiry notices go there).
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    server: str = Field(default="https://acme-v02.api.letsencrypt.org/directory",
                        pattern=r"^https://\S+$")
    #: auto: install cert-manager when the cluster has none (no Issuer CRD); never: it must
    #: be there already.
    install: Literal["auto", "always", "never"] = "auto"
    chart: ChartSource = CERT_MANAGER_CHART


class Tls(Strict):
    #: An existing ``kubernetes.io/tls`` Secret in the deployment's namespace (a certificate
    #: from your own CA); deploy checks it is there.
    secret: Name | None = None
    acme: Acme | None = None

    @model_validator(mode="after")
    def _one(self) -> Tls:
        if (self.secret is None) == (self.acme is None):
            raise ValueError("give exactly one of secret (an existing TLS Secret) or acme")
        return self


class Web(Strict):
    """Where astronomers open the notebooks: https://<host>/ through an ingress controller
    whose Service is a LoadBalancer (on OpenStack: an Octavia load balancer)."""

    host: str = Field(pattern=HOST, max_length=253)
    ingress: IngressController = IngressController()
    tls: Tls


CIDR = r"^\d+\.\d+\.\d+\.\d+/\d+$"
VERSION = r"^\d+\.\d+\.\d+$"


class YarnSoftware(Strict):
    """What the Yarn VMs install at boot (Apache release tarballs, checked against their
    published SHA-512)."""

    #: The Ubuntu package that provides Java; Hadoop 3.4, Spark 3.5 and Zeppelin 0.12 all
    #: run on Java 11.
    java_package: str = "openjdk-11-jre-headless"
    hadoop_version: str = Field(default="3.4.2", pattern=VERSION)
    spark_version: str = Field(default="3.5.5", pattern=VERSION)
    #: The Spark build: spark-<version>-bin-<this>.tgz.
    spark_build: str = Field(default="hadoop3", pattern=r"^[a-z0-9.-]+$")
    zeppelin_version: str = Field(default="0.12.0", pattern=VERSION)
    #: Where the release tarballs come from (the Apache archive keeps every version).
    mirror: str = Field(default="https://archive.apache.org/dist", pattern=r"^https?://\S+$")


class YarnSpark(Strict):
    executor_cores: int = Field(default=2, ge=1, le=64)
    #: Default: as much as fits when each worker runs vcpus/executor_cores executors.
    executor_memory_mb: int | None = Field(default=None, ge=512)
    #: Every user's Spark driver runs on the gateway: the gateway needs this much per user.
    driver_memory_mb: int = Field(default=2048, ge=512)
    #: Per user (each user has one Spark application); default: no cap beyond Yarn's limits.
    max_executors: int | None = Field(default=None, ge=1)


class YarnScheduler(Strict):
    """The Yarn queue that keeps one user from starving the others (what aglais hit)."""

    #: Each active user is guaranteed this share of the cluster (20: five users at once).
    min_user_share_percent: int = Field(default=20, ge=1, le=100)
    #: The share of the cluster that application masters may hold together.
    max_am_share: float = Field(default=0.5, gt=0, le=1)
    max_apps_per_user: int = Field(default=2, ge=1)
    #: Take containers back from a user above their share when another user waits.
    preemption: bool = True


class YarnSpec(Strict):
    """The Spark-on-Yarn fallback on plain VMs (`platform yarn-fallback`)."""

    image: str
    keypair: str
    gateway_flavor: str
    master_flavor: str
    worker_flavor: str
    worker_count: int = Field(ge=1, le=100)
    #: Default: cluster.external_network.
    external_network: str | None = None
    #: The fallback's own network; a /24 or larger (VMs take fixed addresses in its lower half).
    cidr: str = Field(default="10.20.0.0/24", pattern=CIDR)
    #: Who may reach Zeppelin (HTTPS, port 443 on the gateway's floating IP).
    https_cidr: str = Field(default="0.0.0.0/0", pattern=CIDR)
    #: SSH to the gateway from this range; none when unset.
    ssh_cidr: str | None = Field(default=None, pattern=CIDR)
    #: Zeppelin accounts when the profile has no users catalogue (else its people); passwords
    #: are generated on the gateway at first boot.
    zeppelin_users: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]] = Field(
        default=["admin"], min_length=1)
    software: YarnSoftware = YarnSoftware()
    spark: YarnSpark = YarnSpark()
    scheduler: YarnScheduler = YarnScheduler()

    @field_validator("https_cidr", "ssh_cidr")
    @classmethod
    def _valid_cidr(cls, value: str | None) -> str | None:
        return None if value is None else _ipv4_network(value)

    @field_validator("cidr")
    @classmethod
    def _big_enough(cls, value: str) -> str:
        import ipaddress

        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ValueError(f"not a network: {exc}") from None
        if network.version != 4 or network.prefixlen > 24:
            raise ValueError("must be an IPv4 network of /24 or larger")
        return str(network)


class Profile(Strict):
    #: The deployment's name: every resource it makes is named ``gaia-<name>-...``.
    name: Name
    description: str = ""
    #: The local sandbox: deploy starts it when it is not running.
    sandbox: bool = False
    openstack: OpenStackAccess
    cluster: Annotated[
        Annotated[ClusterSpec, Tag("magnum")] | Annotated[ExistingCluster, Tag("existing")],
        Discriminator(_cluster_provider),
    ]
    network: Network = Network()
    cephfs: Cephfs = Cephfs()
    kubernetes: KubernetesSpec = KubernetesSpec()
    #: The public HTTPS address; without it the notebooks are reached by port-forward.
    web: Web | None = None
    #: The Spark-on-Yarn fallback on plain VMs; optional.
    yarn: YarnSpec | None = None
    #: The share catalogue, relative to this profile file.
    shares: str = "../../manila/shares.yaml"
    #: The users catalogue, beside the share catalogue (relative to its folder). Without it,
    #: or while it lists nobody, the deployment has one ``admin`` account and only the share
    #: catalogue's storage (no per-user storage). `platform users add` creates the file.
    users: str | None = None

    @property
    def magnum(self) -> ClusterSpec | None:
        """The Magnum cluster spec, or None when the cluster is made elsewhere."""
        return self.cluster if isinstance(self.cluster, ClusterSpec) else None


def absolute_mount_path(value: str) -> str:
    if not value.startswith("/") or value.rstrip("/") in ("", "/"):
        raise ValueError("must be an absolute path below /")
    if re.search(r"(^|/)\.\.?(/|$)", value):
        raise ValueError("must not contain . or .. components")
    # The charts take no whitespace or commas (values.schema.json absolutePath; Spark splits
    # its volume options on commas), and // would be a second name for a path.
    if not re.fullmatch(r"(/[A-Za-z0-9._@+-]+)+/?", value):
        raise ValueError("may hold only letters, digits and . _ @ + - between single "
                         "slashes (no spaces, commas or //)")
    path = value.rstrip("/")
    for reserved in RESERVED_PATHS:
        if path == reserved or path.startswith(reserved + "/") \
                or reserved.startswith(path + "/"):
            raise ValueError(f"must not be {reserved}, inside it or above it: the pods need "
                             "it (system directories, the service-account token, Zeppelin's "
                             "and Spark's own directories)")
    return path


#: Paths in interpreter, executor and server pods that a share must not cover or shadow: the
#: system's, the service-account token's (/var/run/secrets/kubernetes.io/serviceaccount),
#: and the charts' own mounts (charts/zeppelin templates: /tmp, /spark, /etc/spark-executor,
#: /opt/zeppelin, /run/zeppelin, /mnt/notebook-storage; Spark's images use /opt/spark and
#: /var/data for scratch).
RESERVED_PATHS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
                  "/proc", "/root", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var",
                  "/opt/zeppelin", "/opt/spark", "/spark", "/mnt/notebook-storage")


class ShareOwner(Strict):
    """The project that owns a share the deployment only mounts (Arcus: the Gaia catalogues
    live in project iris-gaia-data). Deploy reads the share and the named access rule with
    that project's credentials and never creates, changes or deletes anything there."""

    #: The owning project's name (shown in plan and messages).
    project: str
    #: The clouds.yaml entry with credentials for that project.
    cloud: str
    clouds_yaml: str | None = None
    region: str | None = None
    #: The ``access_to`` of the existing cephx rule to mount with (gaia-dmp made
    #: ``<share>-ro`` and ``<share>-rw``, deployments/openstack/bin/create-ceph-share.sh).
    access_rule: str = Field(pattern=r"^[A-Za-z0-9._-]{1,255}$")

    def access(self) -> OpenStackAccess:
        return OpenStackAccess(cloud=self.cloud, clouds_yaml=self.clouds_yaml, region=self.region)


class Share(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    description: str = ""
    size_gb: int = Field(ge=1)
    access: Literal["ro", "rw"]
    mount_path: str
    purpose: Literal["data", "user", "notebooks"]
    #: Set when another project owns the share: deploy only checks and mounts it.
    owner: ShareOwner | None = None

    @field_validator("mount_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return absolute_mount_path(value)

    @model_validator(mode="after")
    def _data_is_read_only(self) -> Share:
        if self.purpose == "data" and self.access != "ro":
            raise ValueError("data shares are mounted read-only: set access: ro")
        if self.purpose != "data" and self.access != "rw":
            raise ValueError(f"{self.purpose} shares need access: rw")
        if self.owner is not None and self.purpose != "data":
            raise ValueError("only data shares may be owned by another project (owner)")
        return self


class Catalogue(Strict):
    shares: list[Share] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        for attribute in ("name", "mount_path"):
            seen: set[str] = set()
            for share in self.shares:
                value = getattr(share, attribute)
                if value in seen:
                    raise ValueError(f"two shares have {attribute} {value!r}")
                seen.add(value)
        paths = sorted(share.mount_path for share in self.shares)
        for outer, inner in itertools.pairwise(paths):
            if inner.startswith(outer + "/"):
                raise ValueError(f"mount path {inner} is inside {outer}")
        if sum(share.purpose == "notebooks" for share in self.shares) != 1:
            raise ValueError("exactly one share must have purpose: notebooks")
        return self


#: A person's account name: a Zeppelin login, a Linux account on the Yarn fallback and part of
#: Kubernetes and Manila names (claims, ConfigMap keys, shares), so a DNS label of at most 32
#: characters (useradd's limit) starting with a letter.
USER_NAME = r"^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$"


class UserDataShare(Strict):
    """A data share only this person sees, read-only (found by name, created empty if
    missing, like the catalogue's data shares)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    size_gb: int = Field(ge=1)
    mount_path: str
    description: str = ""

    @field_validator("mount_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return absolute_mount_path(value)


class User(Strict):
    name: Annotated[str, Field(pattern=USER_NAME)]
    #: admin: sees every note and manages interpreters; user: their own notes only.
    role: Literal["user", "admin"] = "user"
    #: The home share, mounted read-write at /home/<name> (only into this person's pods).
    home_gb: int = Field(default=10, ge=1)
    #: The user share (working data), mounted read-write at /user/<name>.
    user_gb: int = Field(default=1024, ge=1)
    data_shares: list[UserDataShare] = []
    #: Yarn fallback: how many applications (Spark sessions) this person may run at once;
    #: default: the profile's yarn.scheduler.max_apps_per_user.
    yarn_max_apps: int | None = Field(default=None, ge=1)


class UsersCatalogue(Strict):
    users: list[User] = []

    @model_validator(mode="after")
    def _unique(self) -> UsersCatalogue:
        seen: set[str] = set()
        for user in self.users:
            if user.name in seen:
                raise ValueError(f"two users are named {user.name!r}")
            seen.add(user.name)
        if self.users and not any(user.role == "admin" for user in self.users):
            raise ValueError("no user has role: admin (someone must manage the service)")
        return self

    def find(self, name: str) -> User | None:
        return next((user for user in self.users if user.name == name), None)


def home_path(user: str) -> str:
    return f"/home/{user}"


def user_path(user: str) -> str:
    return f"/user/{user}"


class Deployment(Strict):
    """A profile with its catalogue: everything a plan is computed from."""

    profile: Profile
    catalogue: Catalogue
    profile_path: Path
    catalogue_path: Path
    #: The users catalogue, when the profile names one (else: the single ``admin`` account).
    users: UsersCatalogue | None = None
    users_path: Path | None = None


def expand_home(text: str, what: str) -> Path:
    """``text`` as a path with ``~`` or ``~user`` expanded; an unknown user is bad input."""
    try:
        return Path(text).expanduser()
    except RuntimeError as exc:  # pathlib: "Could not determine home directory."
        raise ConfigError(f"{what} is {text[:80]!r}, whose ~ names no user with a home "
                          "directory here; give the path without ~ or with an existing "
                          "user's.") from exc


def resolve_profile_path(cloud: str) -> Path:
    """``--cloud`` takes a profile name (openstack/clouds/<name>.yaml) or a path to a file."""
    if not cloud or len(cloud) > 1024 or "\x00" in cloud:
        raise ConfigError("--cloud must be a profile name or the path of a profile file "
                          f"(at most 1024 characters; got {len(cloud)}).")
    candidate = expand_home(cloud, "--cloud")
    if candidate.suffix in (".yaml", ".yml") or "/" in cloud:
        try:
            exists = candidate.is_file()
        except OSError as exc:  # e.g. a path component longer than the file system allows
            raise ConfigError(f"--cloud {cloud[:80]!r}: {exc.strerror or exc}.") from exc
        if not exists:
            raise ConfigError(f"Profile file {candidate} does not exist. Give --cloud a profile "
                              f"name from {PROFILE_DIR} or the path of a profile file.")
        return candidate.resolve()
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", cloud):
        raise ConfigError(f"--cloud {cloud[:80]!r} is neither a profile name (letters, digits, "
                          f". _ -; see {PROFILE_DIR}) nor the path of a .yaml profile file.")
    named = PROFILE_DIR / f"{cloud}.yaml"
    if not named.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))) or "none"
        raise ConfigError(f"No profile named {cloud!r} in {PROFILE_DIR} (known: {known}). "
                          "Give --cloud one of those names or the path of a profile file.")
    return named


#: libyaml's parser when PyYAML was built with it: a catalogue of 500 shares parses in a tenth
#: of the pure-Python time (same safe subset of YAML, same errors and marks).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_LOADER):  # type: ignore[misc]
    """PyYAML's safe loader, except that a key given twice in one mapping is an error (PyYAML
    keeps the last one silently, so a typo'd override would go unnoticed)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *anchor` brings defaults that the mapping's own keys may override
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: the constructor below reports it
            break
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"found the key {key!r} twice", key_node.start_mark)
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)

#: Profiles and catalogues are small: anything bigger is not one.
MAX_FILE_BYTES = 1_000_000


def _read_yaml(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{path} is {len(raw)} bytes: too big for a profile or share "
                          "catalogue. Check that --cloud (or the profile's 'shares') names "
                          "the right file.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded): "
                          "save it as UTF-8 and re-run.") from exc
    if "\x00" in text:
        raise ConfigError(f"{path} holds binary data (a NUL character), not YAML: check that "
                          "--cloud (or the profile's 'shares') names the right file.")
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except RecursionError as exc:
        raise ConfigError(f"{path} nests too deeply to be a profile or share catalogue.") \
            from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}: "
                          f"{getattr(exc, 'problem', exc)}. Fix the file and re-run.") from exc


def _explain(path: Path, error: ValidationError) -> ConfigError:
    lines = []
    for problem in error.errors():
        loc = list(problem["loc"])
        if len(loc) > 1 and loc[0] == "cluster" and loc[1] in ("magnum", "existing"):
            del loc[1]  # the union's tag, not a field the user wrote
        field = ".".join(str(part) for part in loc) or "(top level)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown field (check its spelling against the documented fields)"
        lines.append(f"{field}: {message}")
    return ConfigError(f"{path} has {len(lines)} invalid field(s): " + "; ".join(lines)
                       + ". Fix the file and re-run.")


def load(cloud: str) -> Deployment:
    profile_path = resolve_profile_path(cloud)
    raw = _read_yaml(profile_path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{profile_path} must be a YAML mapping of profile fields.")
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        raise _explain(profile_path, exc) from exc
    try:
        catalogue_path = (profile_path.parent / profile.shares).resolve()
        raw_catalogue = _read_yaml(catalogue_path)
    except (ConfigError, OSError, ValueError) as exc:
        raise ConfigError(f"{profile_path}: field 'shares' must name the share catalogue "
                          f"file: {exc}") from exc
    if not isinstance(raw_catalogue, dict):
        raise ConfigError(f"{catalogue_path} (the share catalogue named by 'shares' in "
                          f"{profile_path}) must be a YAML mapping with a 'shares' list.")
    try:
        catalogue = Catalogue.model_validate(raw_catalogue)
    except ValidationError as exc:
        raise _explain(catalogue_path, exc) from exc
    users_path = users = None
    if profile.users is not None:
        users_path = (catalogue_path.parent / profile.users).resolve()
        users = load_users(users_path, profile_path)
        _check_user_paths(users, users_path, catalogue, catalogue_path)
    return Deployment(profile=profile, catalogue=catalogue, profile_path=profile_path,
                      catalogue_path=catalogue_path, users=users, users_path=users_path)


def load_users(path: Path, profile_path: Path) -> UsersCatalogue:
    """The users catalogue named by ``users`` in the profile (a missing file: no users yet)."""
    if not path.exists():
        return UsersCatalogue()
    raw = _read_yaml(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} (the users catalogue named by 'users' in {profile_path}) "
                          "must be a YAML mapping with a 'users' list.")
    try:
        return UsersCatalogue.model_validate(raw)
    except ValidationError as exc:
        raise _explain(path, exc) from exc


def _check_user_paths(users: UsersCatalogue, users_path: Path, catalogue: Catalogue,
                      catalogue_path: Path) -> None:
    """Per-user mounts must not collide with the share catalogue's. A legacy ``user`` share
    may contain them (/user holds /user/<name>): it keeps working while people move."""
    shared = {share.mount_path: share for share in catalogue.shares}
    shared_names = {share.name for share in catalogue.shares}
    for index, user in enumerate(users.users):
        own = [("home_gb", home_path(user.name)), ("user_gb", user_path(user.name))]
        own += [(f"data_shares.{i}.mount_path", extra.mount_path)
                for i, extra in enumerate(user.data_shares)]
        paths = [path for _, path in own]
        for field_name, path in own:
            if paths.count(path) > 1:
                raise ConfigError(f"{users_path} has an invalid field: users.{index}."
                                  f"{field_name}: {path} is mounted twice for {user.name}. "
                                  "Fix the file and re-run.")
            for mount, share in shared.items():
                inside = path == mount or path.startswith(mount + "/") \
                    or mount.startswith(path + "/")
                if inside and not (share.purpose == "user" and path.startswith(mount + "/")):
                    raise ConfigError(
                        f"{users_path} has an invalid field: users.{index}.{field_name}: "
                        f"{user.name}'s mount {path} collides with share {share.name} at "
                        f"{mount} in {catalogue_path}. Move one of them and re-run.")
        for i, extra in enumerate(user.data_shares):
            if extra.name in shared_names:
                raise ConfigError(
                    f"{users_path} has an invalid field: users.{index}.data_shares.{i}.name: "
                    f"{extra.name} is already in {catalogue_path} (mounted for everyone). "
                    "List a share in one catalogue only.")
