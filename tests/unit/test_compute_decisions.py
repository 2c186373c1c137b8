"""The Yarn fallback's servers, security groups and floating IP decide from what Nova and
Neutron answered (recorded.py): a server in ERROR or booted with another configuration is
replaced, extra rules and floating IPs go, what is as planned is left alone."""

from __future__ import annotations

from gaia_platform import profile
from gaia_platform.plan import Action
from gaia_platform.yarn.compute import (
    CONFIG_KEY,
    ExtraWorkersKind,
    FloatingIpKind,
    ServerKind,
    ServerTarget,
    expected_digest,
)
from gaia_platform.yarn.layout import ROLE_KEY, yarn_plan
from gaia_platform.yarn.security import GroupTarget, SecurityGroupKind
from gaia_platform.yarn.sizing import Flavor
from tests.unit.recorded import floating_ip_answer, rule_answer, server_answer

PLAN = yarn_plan(profile.load("sandbox"))
WORKER = Flavor("gaia.vm.4vcpu", 4, 8192)
GATEWAY = PLAN.gateway
TARGET = ServerTarget(PLAN, GATEWAY, (), ())


def _decide(server: object) -> tuple[Action, str]:
    decision = ServerKind().decide(TARGET, {"server": server, "worker": WORKER})
    return decision.action, decision.reason


def test_a_server_booted_as_planned_is_left_alone() -> None:
    digest = expected_digest(PLAN, GATEWAY, WORKER)
    action, reason = _decide(server_answer(GATEWAY.name, "ACTIVE",
                                           metadata={CONFIG_KEY: digest}))
    assert action is Action.NOOP and reason.startswith("ACTIVE, gateway")


def test_a_server_booted_with_another_configuration_is_replaced() -> None:
    action, reason = _decide(server_answer(GATEWAY.name, "ACTIVE",
                                           metadata={CONFIG_KEY: "an older digest"}))
    assert action is Action.UPDATE and reason.startswith("replace: what it boots with")


def test_a_server_in_error_is_replaced_and_novas_fault_is_quoted() -> None:
    # Nova's "fault" of a server in ERROR (api-ref compute, "Show server details").
    action, reason = _decide(server_answer(GATEWAY.name, "ERROR", fault={
        "code": 500, "message": "No valid host was found. There are not enough hosts "
        "available.", "created": "2026-11-30T20:00:00Z"}))
    assert action is Action.UPDATE
    assert reason == "replace: in ERROR (No valid host was found. There are not enough " \
        "hosts available.)"
    assert _decide(None)[0] is Action.CREATE


def test_workers_beyond_the_count_are_deleted() -> None:
    extra = [server_answer(f"{PLAN.prefix}-worker-03", "ACTIVE",
                           metadata={ROLE_KEY: "worker"})]
    decision = ExtraWorkersKind().decide(PLAN, extra)
    assert decision.action is Action.DELETE
    assert decision.reason == "beyond yarn.worker_count: gaia-sandbox-yarn-worker-03"
    assert ExtraWorkersKind().decide(PLAN, []).action is Action.NOOP


def test_one_floating_ip_on_the_gateway_and_no_other() -> None:
    kind = FloatingIpKind()
    on_gateway = floating_ip_answer("203.0.113.10", "port-gw")
    spare = floating_ip_answer("203.0.113.11", None)
    assert kind.decide(PLAN, {"port": "port-gw", "attached": [on_gateway], "spare": []}) \
        .action is Action.NOOP
    release = kind.decide(PLAN, {"port": "port-gw", "attached": [on_gateway],
                                 "spare": [spare]})
    assert release.action is Action.UPDATE and release.reason == \
        "release extra floating IPs: 203.0.113.11"
    adopt = kind.decide(PLAN, {"port": "port-gw", "attached": [], "spare": [spare]})
    assert adopt.action is Action.UPDATE and adopt.reason.startswith("associate 203.0.113.11")
    assert kind.decide(PLAN, {"port": "port-gw", "attached": [], "spare": []}).action \
        is Action.CREATE


def test_ingress_rules_not_in_the_plan_are_removed_and_missing_ones_added() -> None:
    gateway_group = PLAN.groups[0]
    target = GroupTarget(gateway_group, tuple(PLAN.tags))
    group = type("Group", (), {"id": "sg-1"})()
    https = rule_answer("sg-1", "tcp", 443, "0.0.0.0/0")
    ssh_from_anywhere = rule_answer("sg-1", "tcp", 22, "0.0.0.0/0")
    kind = SecurityGroupKind()
    assert kind.decide(target, {"group": group, "rules": [https]}).action is Action.NOOP
    extra = kind.decide(target, {"group": group, "rules": [https, ssh_from_anywhere]})
    assert extra.action is Action.UPDATE
    assert extra.changes == {"remove": ["tcp 22-22 from 0.0.0.0/0"]}
    missing = kind.decide(target, {"group": group, "rules": []})
    assert missing.changes == {"add": ["tcp/443 from 0.0.0.0/0"]}
