"""Preflight decides from what Nova, Glance and Neutron answered (recorded.py): every missing
thing is named with its profile field, and the quota is checked only for what is still to be
made. The main route and the Yarn fallback share these checks (steps/checks.py)."""

from __future__ import annotations

import pytest

from gaia_platform import profile
from gaia_platform.cloud.nova import Nova
from gaia_platform.errors import ConfigError
from gaia_platform.plan import Action
from gaia_platform.steps import checks
from gaia_platform.steps.base import Unknown
from gaia_platform.steps.preflight import ClusterNeeds, _image_problems
from gaia_platform.yarn.compute import PreflightKind, PreflightTarget
from gaia_platform.yarn.layout import yarn_plan
from tests.unit.recorded import (
    LIMITS,
    UNLIMITED,
    RecordedCloud,
    flavor_answer,
    image_answer,
    network_answer,
    server_answer,
    subnet_answer,
)

#: The sandbox's flavors (gaia_platform/sandbox/emulator/nova/flavors.py).
FLAVORS = (flavor_answer("gaia.vm.2vcpu", 2, 4096), flavor_answer("gaia.vm.4vcpu", 4, 8192))
YARN = yarn_plan(profile.load("sandbox"))


def _cloud(**overrides: object) -> RecordedCloud:
    answers: dict[str, object] = {
        "flavors": FLAVORS, "images": (image_answer("ubuntu-jammy"),),
        "keypairs": ("gaia-sandbox",),
        "networks": (network_answer("public", external=True), network_answer("cephfs")),
        "subnets": (subnet_answer("cephfs-subnet", "10.9.0.0/16", "cephfs"),),
        "absolute": LIMITS}
    answers.update(overrides)
    return RecordedCloud(**answers)  # type: ignore[arg-type]


class Ctx:
    """The part of a run's context preflight reads: the cloud."""

    def __init__(self, cloud: RecordedCloud) -> None:
        self.cloud = cloud


def _yarn_preflight(cloud: RecordedCloud) -> list[str]:
    target = PreflightTarget(YARN, "cephfs", None)
    return PreflightKind().observe(Ctx(cloud), target)  # type: ignore[arg-type]


def test_the_quota_left_is_read_from_novas_absolute_limits() -> None:
    limits = Nova(_cloud()).limits()
    assert (limits.instances, limits.cores, limits.ram_mb) == (8, 4, 43008)
    need = checks.ComputeNeed.of([(4, 8192), (4, 8192)])
    assert checks.compute_quota(limits, need, "the cluster may need") == [
        "compute quota: the cluster may need 8 cores, 4 left of 20"]
    # -1 is "no limit" (api-ref compute, "Show rate and absolute limits").
    assert checks.compute_quota(Nova(_cloud(absolute=UNLIMITED)).limits(), need, "x") == []


def test_yarn_preflight_counts_only_the_servers_still_to_make() -> None:
    # 4 cores left: all four VMs (4 + 2 + 4 + 4 cores) do not fit ...
    problems = _yarn_preflight(_cloud())
    assert problems == ["compute quota: the Yarn VMs need 14 cores, 4 left of 20"]
    # ... but with the gateway, the master and one worker there, the last worker does.
    made = tuple(server_answer(vm.name, "ACTIVE") for vm in YARN.vms[:3])
    assert _yarn_preflight(_cloud(servers=made)) == []


def test_yarn_preflight_names_every_missing_thing_by_its_field() -> None:
    problems = _yarn_preflight(_cloud(flavors=FLAVORS[:1], images=(), keypairs=(),
                                      networks=(network_answer("public"),)))
    assert problems == [
        "yarn.gateway_flavor: no flavor 'gaia.vm.4vcpu'",
        "yarn.worker_flavor: no flavor 'gaia.vm.4vcpu'",
        "yarn.image: no image 'ubuntu-jammy'",
        "yarn.keypair: no keypair 'gaia-sandbox' (" + checks.KEYPAIR_HINT + ")",
        "cluster.external_network: 'public' is not an external network",
        "cephfs.router.provider_network: no network 'cephfs'",
    ]


def test_the_monitors_gateway_must_lie_on_the_provider_networks_subnets() -> None:
    cloud = _cloud()
    assert checks.provider_network(cloud, "cephfs", "10.9.0.1") == []
    assert checks.provider_network(cloud, "cephfs", "10.99.0.1") == [
        "cephfs.router.monitors_gateway: 10.99.0.1 is not on network 'cephfs' (10.9.0.0/16)"]


NEEDS = ClusterNeeds(master_flavor="m", worker_flavor="w", master_count=1, max_workers=2,
                     image="capi-ubuntu", kubernetes_version="1.31.4", keypair="k",
                     external_network="public", provider_network=None, monitors_gateway=None)


@pytest.mark.parametrize(("properties", "problem"), [
    ({"os_distro": "ubuntu", "kube_version": "v1.31.4"}, None),
    ({"kube_version": "v1.31.4"}, "has no os_distro property"),
    ({"os_distro": "fedora-coreos", "kube_version": "v1.31.4"}, "has os_distro "
     "'fedora-coreos'; Magnum's Cluster API driver serves only ubuntu or flatcar"),
    ({"os_distro": "ubuntu"}, "has no kube_version property"),
    ({"os_distro": "flatcar", "kube_version": "v1.30.2"},
     "the profile says 1.31.4 but image 'capi-ubuntu' gives v1.30.2"),
])
def test_the_cluster_image_is_checked_as_magnums_cluster_api_driver_reads_it(
    properties: dict[str, str], problem: str | None
) -> None:
    problems = _image_problems(image_answer("capi-ubuntu", **properties), NEEDS)
    assert len(problems) == (0 if problem is None else 1)
    assert problem is None or problem in problems[0]


def test_the_decision_shows_problems_and_stops_before_anything_is_made() -> None:
    assert checks.decision([], "flavors").reason == "flavors ok"
    failed = checks.decision(["a: no flavor 'x'", "b: no image 'y'"], "flavors")
    assert failed.action is Action.CHECK
    assert failed.reason == "FAILED: a: no flavor 'x'; b: no image 'y'"
    # Without credentials, what the profile alone shows is still shown.
    offline = checks.decision(Unknown("no credentials"), "flavors", ("spark_image unset",))
    assert offline.reason == "FAILED: spark_image unset; flavors (no credentials)"
    with pytest.raises(ConfigError) as stopped:
        checks.stop_on(["a: no flavor 'x'", "b: no image 'y'"], "the profile p.yaml")
    assert stopped.value.exit_code == 2
    assert "2 problem(s) with the cloud for the profile p.yaml: a: no flavor 'x'; b: no " \
        "image 'y'. Fix" in str(stopped.value)
    assert checks.stop_on([], "p") == {"ok": True}
