"""What one emulator instance needs to know, read from ``emulator.json`` in its directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Seconds each slow operation takes on a real cloud, before the time scale applies. Values are
# in the range operators see on Arcus-like clouds (Magnum ~10 min, shares ~10 s).
BASE_DURATIONS: dict[str, float] = {
    "magnum.cluster.create": 600.0,
    "magnum.cluster.update": 180.0,
    "magnum.cluster.delete": 120.0,
    "magnum.nodegroup.create": 300.0,
    "magnum.nodegroup.update": 120.0,
    "magnum.nodegroup.delete": 120.0,
    "manila.share.create": 10.0,
    "manila.share.extend": 10.0,
    "manila.share.shrink": 10.0,
    "manila.share.delete": 5.0,
    "manila.access.apply": 4.0,
    "manila.access.deny": 2.0,
    "nova.server.build": 30.0,
    "nova.server.delete": 5.0,
    "nova.server.reboot": 20.0,
}


#: The roles every emulated user holds in its project: Keystone's default member and reader,
#: and Octavia's own load-balancer_member, without which Octavia's default policy refuses
#: every load-balancer call (octavia/common/policies, "Octavia Policies" in its docs).
DEFAULT_ROLES = ("member", "reader", "load-balancer_member")


@dataclass
class Credentials:
    """One user with its project and application credential, as the emulated Keystone knows
    them (the deployment's project, and others such as the one owning the data shares)."""

    username: str
    password: str
    project_name: str
    project_id: str
    user_id: str
    app_cred_id: str
    app_cred_secret: str
    domain_id: str = "default"
    domain_name: str = "Default"
    region: str = "RegionOne"
    app_cred_name: str = "gaia-sandbox"
    roles: list[str] = field(default_factory=lambda: list(DEFAULT_ROLES))


@dataclass
class KubeTarget:
    """The control plane that emulated Magnum clusters stand for.

    ``ca_cert``/``ca_key`` sign CSRs sent to Magnum's certificates API; ``admin_cert``/``admin_key``
    let the emulator register the cluster's nodes with the apiserver.
    """

    api_address: str
    ca_cert: str
    ca_key: str
    admin_cert: str
    admin_key: str


@dataclass
class EmulatorConfig:
    port: int
    credentials: Credentials
    time_scale: float = 0.005
    kube: KubeTarget | None = None
    #: Further projects, each with its own user and application credential (Arcus keeps the
    #: Gaia data shares in project iris-gaia-data, apart from the deployments' projects).
    other_projects: list[Credentials] = field(default_factory=list)
    #: Service types left out of the Keystone catalogue: a cloud without that service.
    catalog_absent: list[str] = field(default_factory=list)
    # CephFS monitors quoted in export locations (a three-mon Ceph cluster, as on Arcus).
    ceph_monitors: list[str] = field(
        default_factory=lambda: ["10.4.200.9:6789", "10.4.200.13:6789", "10.4.200.17:6789"]
    )
    quotas: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            "compute": {"instances": 20, "cores": 160, "ram": 655360, "key_pairs": 100},
            "network": {"floatingip": 10, "router": 10, "network": 20, "security_group": 20},
            "sharev2": {"shares": 50, "gigabytes": 20000},
        }
    )

    def accounts(self) -> list[Credentials]:
        return [self.credentials, *self.other_projects]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def duration(self, operation: str) -> float:
        return BASE_DURATIONS[operation] * self.time_scale

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EmulatorConfig:
        data = dict(data)
        data["credentials"] = Credentials(**data["credentials"])
        data["other_projects"] = [Credentials(**c) for c in data.get("other_projects", [])]
        if data.get("kube"):
            data["kube"] = KubeTarget(**data["kube"])
        return cls(**data)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2))
        path.chmod(0o600)

    @classmethod
    def read(cls, path: Path) -> EmulatorConfig:
        return cls.from_json(json.loads(path.read_text()))
