"""Security groups: only what the fallback needs, and nothing else let in.

The gateway group lets HTTPS (and, if the profile says so, SSH) in from the configured ranges;
the internal group lets its own members talk to each other freely (Yarn, Spark, the shuffle
service). Egress keeps Neutron's defaults. Ingress rules the plan does not name are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cloud.keystone import Keystone
from ..cloud.neutron import Neutron
from ..plan import Action, Decision
from ..steps.base import Context, Progress, Unknown
from .layout import GroupPlan, Rule

ANY_V4 = "0.0.0.0/0"
Key = tuple[str | None, int | None, int | None, str | None, bool]


@dataclass(frozen=True)
class GroupTarget:
    group: GroupPlan
    tags: tuple[str, ...]


def wanted_key(rule: Rule) -> Key:
    prefix = None if rule.remote_ip_prefix in (None, ANY_V4) else rule.remote_ip_prefix
    return (rule.protocol, rule.port, rule.port, prefix, rule.remote_group)


def observed_key(rule: Any, group_id: str) -> Key:
    prefix = rule.remote_ip_prefix
    protocol = rule.protocol
    if protocol in ("any", "6"):
        protocol = None if protocol == "any" else "tcp"
    return (protocol, rule.port_range_min, rule.port_range_max,
            None if prefix in (None, ANY_V4) else prefix, rule.remote_group_id == group_id)


def find_group(ctx: Context, name: str) -> Any:
    return Neutron(ctx.cloud).find_security_group(name, Keystone(ctx.cloud).project_id)


class SecurityGroupKind:
    kind = "yarn.security-group"

    def observe(self, ctx: Context, target: GroupTarget) -> Any:
        group = find_group(ctx, target.group.name)
        if group is None:
            return None
        return {"group": group, "rules": Neutron(ctx.cloud).ingress_rules(group.id)}

    def _diff(self, target: GroupTarget, observed: dict[str, Any]
              ) -> tuple[list[Rule], list[Any]]:
        group_id = observed["group"].id
        have = {observed_key(r, group_id): r for r in observed["rules"]}
        wanted = {wanted_key(rule): rule for rule in target.group.rules}
        missing = [rule for key, rule in wanted.items() if key not in have]
        extra = [rule for key, rule in have.items() if key not in wanted]
        return missing, extra

    def decide(self, target: GroupTarget, observed: Any) -> Decision:
        rules = "; ".join(rule.describe() for rule in target.group.rules)
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"in: {rules} ({observed.why})")
        if observed is None:
            return Decision(Action.CREATE, f"in: {rules}")
        missing, extra = self._diff(target, observed)
        if missing or extra:
            changes: dict[str, Any] = {}
            if missing:
                changes["add"] = [rule.describe() for rule in missing]
            if extra:
                changes["remove"] = [f"{r.protocol or 'any'} {r.port_range_min}-"
                                     f"{r.port_range_max} from "
                                     f"{r.remote_ip_prefix or r.remote_group_id}" for r in extra]
            return Decision(Action.UPDATE, "ingress rules differ from the plan", changes)
        return Decision(Action.NOOP, f"in: {rules}")

    def apply(self, ctx: Context, target: GroupTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        neutron = Neutron(ctx.cloud)
        if observed is None or isinstance(observed, Unknown):
            group = neutron.create_security_group(target.group.name, target.group.description,
                                                  list(target.tags))
            # A new group comes with only Neutron's egress rules: nothing is let in yet.
            observed = {"group": group, "rules": []}
        group = observed["group"]
        missing, extra = self._diff(target, observed)
        for rule in extra:
            neutron.delete_security_group_rule(rule)
        for wanted in missing:
            attrs: dict[str, Any] = {"security_group_id": group.id, "direction": "ingress",
                                     "ether_type": "IPv4",
                                     "description": f"gaia-platform: {wanted.why}"}
            if wanted.protocol is not None:
                attrs.update(protocol=wanted.protocol, port_range_min=wanted.port,
                             port_range_max=wanted.port)
            if wanted.remote_group:
                attrs["remote_group_id"] = group.id
            else:
                attrs["remote_ip_prefix"] = wanted.remote_ip_prefix
            neutron.create_security_group_rule(**attrs)
        return {"group_id": group.id}
