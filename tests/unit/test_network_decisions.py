"""The network kinds decide from what Neutron answered (api-ref network v2 samples, see
recorded.py): what is missing is made, a subnet with another range is not touched, a route
already there is left alone. The main route and the Yarn fallback use the same kinds."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from gaia_platform import profile
from gaia_platform.desired import NetworkPlan, desired_state
from gaia_platform.plan import Action
from gaia_platform.steps.base import Node, Unknown
from gaia_platform.steps.network import (
    CephfsRouteKind,
    CephfsRouterKind,
    CephfsRouterRouteKind,
    CephfsTarget,
    NetTarget,
    RouterKind,
    SubnetKind,
    network_nodes,
)
from gaia_platform.yarn.layout import yarn_plan
from tests.unit.recorded import router_answer, subnet_answer

CAMBRIDGE = desired_state(profile.load("cambridge"))
YARN = yarn_plan(profile.load("cambridge"))
ROUTE = CAMBRIDGE.cephfs_route
assert ROUTE is not None


def test_a_missing_subnet_is_made_with_the_dhcp_pool_the_plan_says() -> None:
    decision = SubnetKind().decide(NetTarget(CAMBRIDGE.network, "cambridge"), None)
    assert decision.action is Action.CREATE
    assert decision.reason == "10.10.0.0/16, DHCP 10.10.0.10-10.10.255.251"


def test_a_subnet_with_another_range_is_left_alone_naming_the_field_to_change() -> None:
    main = SubnetKind().decide(NetTarget(CAMBRIDGE.network, "cambridge"),
                               subnet_answer(CAMBRIDGE.network.subnet, "10.11.0.0/16"))
    yarn = SubnetKind().decide(NetTarget(YARN.network_plan, "cambridge"),
                               subnet_answer(YARN.subnet, "10.21.0.0/24"))
    assert (main.action, yarn.action) == (Action.CHECK, Action.CHECK)
    assert "exists with 10.11.0.0/16" in main.reason and "(network.cidr)" in main.reason
    assert "exists with 10.21.0.0/24" in yarn.reason and "(yarn.cidr)" in yarn.reason
    assert "run platform yarn-fallback-delete to change it" in yarn.reason


def test_a_subnet_as_planned_is_a_no_op() -> None:
    decision = SubnetKind().decide(NetTarget(CAMBRIDGE.network, "cambridge"),
                                   subnet_answer(CAMBRIDGE.network.subnet, "10.10.0.0/16"))
    assert decision.action is Action.NOOP


@pytest.mark.parametrize(("plan", "fixed"), [
    (CAMBRIDGE.network, [ROUTE.interface_ip]),
    (YARN.network_plan, [YARN.cephfs_route.interface_ip if YARN.cephfs_route else "",
                         *(vm.address for vm in YARN.vms)]),
], ids=["main", "yarn"])
def test_fixed_addresses_stay_out_of_the_dhcp_pool(plan: NetworkPlan, fixed: list[str]) -> None:
    """The CephFS router's interface (and the Yarn VMs' addresses) are fixed: DHCP must never
    hand them to another port (Neutron would then refuse ours with 409)."""
    low, high = (ipaddress.ip_address(a) for a in plan.pool)
    network = ipaddress.ip_network(plan.cidr)
    for address in map(ipaddress.ip_address, fixed):
        assert address in network and not low <= address <= high, address
    assert ipaddress.ip_address(plan.gateway_ip) < low


def test_a_router_without_its_subnet_attached_gets_it_attached() -> None:
    target = NetTarget(CAMBRIDGE.network, "cambridge")
    router = router_answer(CAMBRIDGE.network.router)
    assert RouterKind().decide(target, None).action is Action.CREATE
    assert RouterKind().decide(target, {"router": router, "attached": False}).action \
        is Action.UPDATE
    assert RouterKind().decide(target, {"router": router, "attached": True}).action \
        is Action.NOOP


def test_the_cephfs_router_is_made_with_its_fixed_address() -> None:
    target = CephfsTarget(ROUTE, CAMBRIDGE.network.subnet, CAMBRIDGE.network.router,
                          "cambridge")
    decision = CephfsRouterKind().decide(target, Unknown("no credentials"))
    assert decision.action is Action.CREATE
    assert "10.10.255.253" in decision.reason and "no credentials" in decision.reason


def test_the_static_route_is_added_only_when_the_router_lacks_it() -> None:
    target = CephfsTarget(ROUTE, CAMBRIDGE.network.subnet, CAMBRIDGE.network.router,
                          "cambridge")
    ours = {"destination": "10.4.200.0/24", "nexthop": "10.10.255.253"}
    other = {"destination": "192.168.0.0/24", "nexthop": "10.10.0.5"}
    kind = CephfsRouteKind()
    # What observe reads from Neutron's router answer: its routes.
    with_it = list(router_answer(CAMBRIDGE.network.router, [other, ours]).routes)
    without = list(router_answer(CAMBRIDGE.network.router, [other]).routes)
    assert kind.decide(target, with_it).action is Action.NOOP
    assert kind.decide(target, without).action is Action.CREATE
    assert kind.decide(target, None).action is Action.CREATE
    assert kind.decide(target, with_it).reason == \
        "10.4.200.0/24 via 10.10.255.253 on gaia-cambridge-router"
    # The CephFS router's own route goes through the provider network's gateway instead.
    own = CephfsRouterRouteKind().decide(target, with_it)
    assert own.action is Action.CREATE and "via 10.9.0.1 on gaia-cambridge-cephfs-router" \
        in own.reason


def test_both_routes_build_the_same_network_steps_under_their_own_prefix() -> None:
    main, main_ready = network_nodes("network", CAMBRIDGE.network, ROUTE, "cambridge",
                                     "preflight")
    yarn, yarn_ready = network_nodes("yarn", YARN.network_plan, YARN.cephfs_route,
                                     "cambridge", "yarn.preflight", tuple(YARN.tags))
    def shape(nodes: list[Node[Any]]) -> list[tuple[str, tuple[str, ...], str]]:
        def unprefixed(step: str) -> str:
            return step.split(".", 1)[-1]

        return [(unprefixed(n.id), tuple(map(unprefixed, n.depends_on)),
                 type(n.kind).__name__) for n in nodes]

    assert shape(main) == shape(yarn)
    assert [n.id for n in main] == [
        "network.network", "network.subnet", "network.router", "network.cephfs-router",
        "network.cephfs-route", "network.cephfs-router-route"]
    assert main_ready == ("network.cephfs-route", "network.cephfs-router-route")
    assert yarn_ready == ("yarn.cephfs-route", "yarn.cephfs-router-route")
    # The network carries the deployment's tag only; the rest the fallback's stack tag too.
    assert yarn[0].target.tag_list() == ["gaia-platform.deployment=cambridge"]
    assert yarn[1].target.tag_list() == YARN.tags
