"""The CephFS shares and this deployment's cephx access rule on each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cloud.manila import PURPOSE_KEY, Manila, record_key
from ..desired import SharePlan
from ..errors import CloudError
from ..plan import Action, Decision
from ..waiting import wait_until
from .base import Context, Node, Progress, Unknown

SHARE_TIMEOUT = 900.0
ACCESS_TIMEOUT = 600.0


def _reasons(manila: Manila, share_id: str) -> str:
    messages = manila.user_messages(share_id)
    return (": Manila says: " + " / ".join(messages)) if messages else ""


@dataclass(frozen=True)
class Duplicated:
    """A share and the provably empty duplicates of it that an interrupted run made."""

    share: Any
    extras: tuple[Any, ...]


@dataclass(frozen=True)
class ShareTarget:
    share: SharePlan


class ShareKind:
    kind = "manila.share"

    def observe(self, ctx: Context, target: ShareTarget) -> Any:
        share, extras = Manila(ctx.cloud).find_share_and_extras(target.share.name)
        if extras:
            return Duplicated(share, tuple(extras))
        return share

    def decide(self, target: ShareTarget, observed: Any) -> Decision:
        wanted = target.share.share.size_gb
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"create unless present ({observed.why})")
        if isinstance(observed, Duplicated):
            ids = ", ".join(s.id for s in observed.extras)
            return Decision(Action.UPDATE, f"remove {len(observed.extras)} duplicate(s) an "
                            f"interrupted run made ({ids}: ours, never mounted)")
        if observed is None:
            note = " (a data share is created empty: load its catalogue)" \
                if target.share.share.purpose == "data" else ""
            return Decision(Action.CREATE, f"missing{note}", {"size_gb": [None, wanted]})
        if observed.status == "error":
            return Decision(Action.CHECK, "in state error: needs an operator (never replaced "
                            "automatically, it may hold data)")
        if observed.size < wanted:
            return Decision(Action.UPDATE, f"extend from {observed.size} to {wanted} GB",
                            {"size_gb": [observed.size, wanted]})
        note = f" (larger than the catalogue's {wanted} GB; never shrunk)" \
            if observed.size > wanted else ""
        return Decision(Action.NOOP, f"{observed.status}, {observed.size} GB{note}")

    def apply(self, ctx: Context, target: ShareTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        manila = Manila(ctx.cloud)
        plan = target.share
        if isinstance(observed, Duplicated):
            for extra in observed.extras:
                manila.delete_share(extra.id)
                progress(f"removed duplicate share {extra.id} ({plan.name}) left by an "
                         "interrupted run")
            observed = observed.share
            decision = self.decide(target, observed)
        if decision.action is Action.CHECK:
            raise CloudError(f"Manila share {plan.name} is in state error"
                             f"{_reasons(manila, observed.id)}. Ask the cloud's operators to "
                             "repair it (openstack share show; openstack share message list); "
                             "it is never replaced automatically because it may hold data.")
        if decision.action is Action.CREATE:
            observed = manila.create_share(
                name=plan.name, size=plan.share.size_gb, share_type=plan.share_type,
                description=plan.share.description, availability_zone=plan.availability_zone,
                metadata={PURPOSE_KEY: plan.share.purpose},
            )
        elif decision.action is Action.UPDATE:
            manila.extend(observed.id, plan.share.size_gb)
        share_id = observed.id

        def available() -> tuple[bool, Any, str]:
            share = manila.get_share(share_id)
            if share.status in ("error", "extending_error"):
                raise CloudError(
                    f"Manila share {plan.name} went to {share.status}"
                    f"{_reasons(manila, share_id)}. "
                    + ("Nothing is stored on it yet: delete it (openstack share delete "
                       f"{share_id}) and re-run, with another size or share type if Manila "
                       "says so." if share.status == "error" else
                       "Ask the cloud's operators to reset its state, then re-run."))
            return share.status == "available", share, str(share.status)

        share = wait_until(available, what=f"share {plan.name}", timeout=SHARE_TIMEOUT,
                           report=progress)
        return {"share_id": share.id, "size": share.size}


def rule_applied(rule: Any) -> tuple[bool, str]:
    """Whether a cephx rule is usable, and Manila's state of it: a rule is queued_to_apply,
    applying, then active, and its cephx key appears once Ceph has made it (access_key None
    till then, as Arcus answered in wfau/gaia-dmp notes/stv/20211203-create-test-share.txt).
    The CSI driver needs both."""
    if rule.state == "active" and not rule.access_key:
        return False, "active, cephx key not issued yet"
    return rule.state == "active", str(rule.state)


def rule_denied(rules: list[Any], rule_id: str) -> tuple[bool, str]:
    """Whether a denied rule is gone, and Manila's state of it while it is not
    (queued_to_deny, denying)."""
    left = [r for r in rules if r.id == rule_id]
    return (not left), (str(left[0].state) if left else "gone")


@dataclass(frozen=True)
class AccessTarget:
    share: SharePlan
    share_step: str


class AccessKind:
    kind = "manila.access"

    def _share_id(self, ctx: Context, target: AccessTarget) -> str | None:
        if target.share_step in ctx.results:
            return str(ctx.result(target.share_step)["share_id"])
        share = Manila(ctx.cloud).find_share(target.share.name)
        return share.id if share else None

    def observe(self, ctx: Context, target: AccessTarget) -> Any:
        share_id = self._share_id(ctx, target)
        if share_id is None:
            return Unknown("the share does not exist yet")
        manila = Manila(ctx.cloud)
        share = manila.find_share(target.share.name)
        # The share listing vouches for the rule when it holds our record of it and Manila
        # says every rule on the share is applied; otherwise the rules are read (per share).
        recorded = manila.recorded_rule(share, target.share.cephx_id) \
            if share is not None and share.id == share_id else None
        rules = [recorded] if recorded is not None \
            else manila.cephx_rules(share_id, target.share.cephx_id)
        record = (getattr(share, "metadata", None) or {}).get(record_key(
            target.share.cephx_id)) if share is not None and share.id == share_id else None
        return {"share_id": share_id, "rule": rules[0] if rules else None,
                "record": record, "from_record": recorded is not None}

    def decide(self, target: AccessTarget, observed: Any) -> Decision:
        level = target.share.access_level
        if isinstance(observed, Unknown):
            return Decision(Action.CREATE, f"cephx {target.share.cephx_id} {level} "
                            f"({observed.why})")
        rule = observed["rule"]
        if rule is None:
            return Decision(Action.CREATE, f"cephx {target.share.cephx_id} {level}")
        if rule.access_level != level or rule.state == "error":
            return Decision(Action.UPDATE, f"rule is {rule.access_level}/{rule.state}",
                            {"access_level": [rule.access_level, level],
                             "state": [rule.state, "active"]})
        wanted = f"{level}:{rule.id}"
        if observed.get("record") != wanted:
            # A rule made before records were kept, or by a run interrupted before it wrote
            # one: recorded once, so later runs need not read this share's rules.
            return Decision(Action.UPDATE, f"cephx {target.share.cephx_id} {level} "
                            f"{rule.state}; record it in the share's metadata",
                            {"record": [observed.get("record"), wanted]})
        seen = " (recorded; --refresh reads the rule)" if observed.get("from_record") else ""
        return Decision(Action.NOOP, f"cephx {target.share.cephx_id} {level} {rule.state}{seen}")

    def apply(self, ctx: Context, target: AccessTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        manila = Manila(ctx.cloud)
        share_id = observed["share_id"] if not isinstance(observed, Unknown) \
            else self._share_id(ctx, target)
        if share_id is None:
            raise CloudError(f"internal: share {target.share.name} has no id")
        rule = None if isinstance(observed, Unknown) else observed["rule"]
        if decision.action is Action.NOOP and rule is not None and observed["from_record"]:
            # The listing vouched for it (recorded active, every rule on the share applied).
            return {"share_id": share_id, "access_id": rule.id}
        if decision.action is Action.UPDATE and set(decision.changes) != {"record"} \
                and rule is not None:
            old_id = rule.id
            manila.deny(share_id, old_id)

            def denied() -> tuple[bool, None, str]:
                gone, state = rule_denied(manila.access_rules(share_id), old_id)
                return gone, None, state

            wait_until(denied, what=f"old access rule on {target.share.name}",
                       timeout=ACCESS_TIMEOUT, report=progress)
            rule = None
        if rule is None:
            rule = manila.allow_cephx(share_id, target.share.cephx_id, target.share.access_level)
        rule_id = rule.id

        def active() -> tuple[bool, Any, str]:
            current = [r for r in manila.access_rules(share_id) if r.id == rule_id]
            if not current:
                raise CloudError(f"The access rule on {target.share.name} disappeared.")
            if current[0].state == "error":
                raise CloudError(f"Manila could not apply cephx access {target.share.cephx_id} "
                                 f"to share {target.share.name} (rule state error).")
            usable, state = rule_applied(current[0])
            return usable, current[0], state

        wait_until(active, what=f"access to {target.share.name}", timeout=ACCESS_TIMEOUT,
                   report=progress)
        if decision.action is not Action.NOOP:
            # Recorded once active, so the next run sees the rule in the share listing.
            manila.record_rule(share_id, target.share.cephx_id, target.share.access_level,
                               rule_id)
        # The export path is asked for by whoever mounts the share (Manila.export_path): one
        # call per share that a re-run of the main route does not need.
        return {"share_id": share_id, "access_id": rule_id}


def read_external(ctx: Context, plan: SharePlan) -> dict[str, Any]:
    """A share another project owns, and the access rule the deployment mounts it with, read
    with that project's credentials. Read-only: nothing there is created, changed or deleted."""
    from ..cloud.connection import NoCredentials

    owner = plan.project_owner
    assert owner is not None
    try:
        conn = ctx.owner_cloud(owner.access())
    except NoCredentials as exc:
        return {"problem": f"no credentials for project {owner.project}: {exc}; add a "
                           f"clouds.yaml entry named {owner.cloud!r} for it"}
    # The entry's token says which project it is for: another project's shares of the same
    # name must not be mistaken for the owner's.
    scoped = conn.session.auth.get_access(conn.session).project_name
    if scoped != owner.project:
        return {"problem": f"clouds.yaml entry {owner.cloud!r} is for project {scoped}, not "
                           f"{owner.project}; give owner.cloud an entry for {owner.project}"}
    manila = Manila(conn)
    share = manila.find_share(plan.name)
    if share is None:
        return {"problem": f"project {owner.project} has no share {plan.name!r}"}
    found: dict[str, Any] = {"exists": True, "share_id": share.id, "status": share.status,
                             "size_gb": share.size}
    if share.status != "available":
        found["problem"] = f"share {plan.name} in project {owner.project} is {share.status}"
        return found
    rules = manila.cephx_rules(share.id, owner.access_rule)
    if not rules:
        found["problem"] = (f"share {plan.name} in project {owner.project} has no cephx "
                            f"access rule {owner.access_rule!r}; its owner must grant it "
                            f"(openstack share access create {plan.name} cephx "
                            f"{owner.access_rule} --access-level {plan.access_level})")
        return found
    rule = rules[0]
    found["access_id"] = rule.id
    found["access_rule"] = {"cephx_id": owner.access_rule, "access_level": rule.access_level,
                            "state": rule.state}
    if rule.state != "active" or not rule.access_key:
        found["problem"] = f"access rule {owner.access_rule} on {plan.name} is {rule.state}"
    elif plan.access_level == "ro" and rule.access_level != "ro":
        # Mounted read-only either way (PV readOnly), but say so: the catalogue asked for ro.
        found["note"] = f"rule {owner.access_rule} is {rule.access_level}; mounted read-only"
    return found


@dataclass(frozen=True)
class ExternalTarget:
    share: SharePlan


class ExternalShareKind:
    """A data share owned by another project: checked, never changed (plan shows a check)."""

    kind = "manila.external"

    def observe(self, ctx: Context, target: ExternalTarget) -> Any:
        return read_external(ctx, target.share)

    def decide(self, target: ExternalTarget, observed: Any) -> Decision:
        owner = target.share.project_owner
        assert owner is not None
        where = f"in project {owner.project} (clouds.yaml entry {owner.cloud}), rule " \
                f"{owner.access_rule}; never changed by deploy"
        if isinstance(observed, Unknown):
            return Decision(Action.CHECK, f"must exist {where} ({observed.why})")
        if "problem" in observed:
            return Decision(Action.CHECK, f"FAILED: {observed['problem']}")
        note = f"; {observed['note']}" if "note" in observed else ""
        return Decision(Action.CHECK, f"{observed['status']}, {observed['size_gb']} GB "
                        f"{where}{note}")

    def apply(self, ctx: Context, target: ExternalTarget, observed: Any, decision: Decision,
              progress: Progress) -> Any:
        if isinstance(observed, Unknown) or "problem" in observed:
            why = observed.why if isinstance(observed, Unknown) else observed["problem"]
            owner = target.share.project_owner
            raise CloudError(f"Data share {target.share.name} (catalogue entry with owner "
                             f"{owner.project if owner else '?'}) "
                             f"cannot be mounted: {why}. Nothing was changed in that "
                             "project; fix it there or in the catalogue, then re-run deploy.")
        return {"share_id": observed["share_id"], "access_id": observed["access_id"],
                "size": observed["size_gb"]}


def share_nodes(share: SharePlan, access_step: str, after: str, *, with_share: bool = True
                ) -> list[Node[Any]]:
    """The share (made when missing; ``with_share`` False when another node already makes
    it) and this deployment's access rule on it."""
    share_step = f"manila.share/{share.name}"
    nodes: list[Node[Any]] = []
    if with_share:
        nodes.append(Node(share_step, ShareKind(), share.name, ShareTarget(share), (after,)))
    nodes.append(Node(access_step, AccessKind(), share.cephx_id,
                      AccessTarget(share, share_step), (share_step,)))
    return nodes


def external_nodes(shares: tuple[SharePlan, ...], prefix: str) -> list[Node[Any]]:
    """One read-only check per share another project owns (``<prefix>/<share>``), however
    many people's volumes it backs. They come before preflight: when one is missing (or its
    rule is), preflight does not pass and nothing is made."""
    return list({s.name: Node(f"{prefix}/{s.name}", ExternalShareKind(), s.name,
                              ExternalTarget(s))
                 for s in shares if s.project_owner is not None}.values())
