"""How plans and deploy results look in a terminal."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from .apply import Event, Report
from .console import stderr, stdout
from .plan import Plan

ACTION_STYLE = {"create": "green", "update": "yellow", "delete": "red", "no-op": "dim",
                "check": "cyan"}


def plan_table(plan: Plan) -> None:
    title = f"plan for deployment {plan.deployment!r} on cloud {plan.cloud!r}"
    if not plan.observed:
        title += " (not observed: no credentials)"
    table = Table(title=escape(title), title_justify="left", box=None, header_style="bold")
    for column in ("action", "step", "name", "why"):
        table.add_column(column, overflow="fold")
    for step in plan.steps:
        action = step.decision.action.value
        style = ACTION_STYLE.get(action, "")
        table.add_row(f"[{style}]{action}[/{style}]", escape(step.id), escape(step.name),
                      escape(step.decision.reason))
    stdout.print(table)
    for note in plan.notes:
        stdout.print(f"[yellow]note:[/yellow] {escape(note)}")
    changes = len(plan.changes)
    stdout.print(f"{changes} change(s), {len(plan.steps) - changes} step(s) without change.")


def event_line(event: Event) -> None:
    if event.phase == "started":
        return
    style = {"done": "green", "failed": "red", "skipped": "yellow"}.get(event.phase, "dim")
    detail = f" ({event.action})" if event.action else ""
    stderr.print(f"[{style}]{event.phase:>8}[/{style}] {escape(event.step)}{escape(detail)}: "
                 f"{escape(event.message)}", soft_wrap=True)


def deploy_summary(report: Report) -> None:
    changed = report.changed
    if report.failed:
        stdout.print(f"[red]{len(report.failed)} step(s) failed[/red], "
                     f"{sum(o.status == 'skipped' for o in report.outcomes)} skipped; "
                     "fix the cause and re-run the same command to resume.")
    elif changed:
        # The step ids are many (one per share and kind): `-o json` lists them.
        stdout.print(f"[green]deployed[/green] in {report.seconds:.0f}s: {len(changed)} "
                     "change(s) (--output json lists every step).")
    else:
        stdout.print(f"[green]nothing changed[/green]: the deployment is up to date "
                     f"(checked in {report.seconds:.0f}s).")


def access_lines(zeppelin: dict[str, Any] | None) -> None:
    """Where the notebooks are and how to log in: the last lines of a deploy."""
    if not zeppelin:
        stdout.print("Zeppelin: not reachable yet (the server is not deployed); "
                     "`platform status` shows it once it is.")
        return
    stdout.print(f"Zeppelin: [bold]{escape(str(zeppelin['url']))}[/bold]")
    if zeppelin.get("command"):
        stdout.print(escape(f"  first run: {zeppelin['command']}"))
    if zeppelin["via"] == "ingress":
        address, host = zeppelin.get("load_balancer"), zeppelin["host"]
        resolved = zeppelin.get("resolves_to")
        now = "" if "resolves_to" not in zeppelin else (
            f" (it does not resolve yet: create an A record {host} -> "
            f"{address or 'that address'})" if resolved is None
            else " (it does)" if address in resolved
            else f" (it resolves to {', '.join(resolved)} now: change its A record)")
        if address:
            stdout.print(escape(f"  DNS: {host} must resolve to the load balancer "
                                f"{address}{now}"))
        else:
            stdout.print(escape("  the load balancer has no address yet; `platform status` "
                                f"shows it once it has: then point {host} at it{now}."))
    stdout.print(escape(f"  log in as {zeppelin['user']}; the password: "
                        f"{zeppelin['password_command']}"), soft_wrap=True)


def status_table(report: dict[str, Any]) -> None:
    cluster = report["cluster"]
    if cluster is None and report.get("kubernetes_reachable"):
        stdout.print(f"deployment {escape(repr(report['deployment']))}: a cluster made "
                     "elsewhere, its Kubernetes API answering")
    elif cluster is None:
        stdout.print(f"deployment {escape(repr(report['deployment']))}: no cluster "
                     "(run platform deploy)")
    else:
        reason = f" ({cluster['status_reason']})" if cluster.get("status_reason") else ""
        stdout.print(f"cluster {escape(str(cluster['name']))}: "
                     f"[bold]{escape(str(cluster['status']))}[/bold]{escape(reason)}, "
                     f"{cluster['master_count']} master(s), {cluster['node_count']} worker(s), "
                     f"API {escape(str(cluster['api_address']))}")
    table = Table(box=None, header_style="bold")
    for column in ("share", "purpose", "status", "size GB", "access", "PV", "PVC", "mount"):
        table.add_column(column)
    for share in report["shares"]:
        rule = share.get("access_rule") or {}
        access = f"{rule.get('access_level')} {rule.get('state')}" if rule else "-"
        table.add_row(*(escape(str(cell)) for cell in (
            share["name"], share["purpose"], share.get("status") or "missing",
            share.get("size_gb") or "-", access, share.get("pv_phase") or "-",
            share.get("pvc_phase") or "-", share["mount_path"])))
    stdout.print(table)
    for release in report.get("releases", []):
        stdout.print(escape(f"release {release['name']}: {release['chart']} revision "
                            f"{release['revision']} {release['status']}"))
    for addon in report.get("addons", []):
        stdout.print(escape(f"add-on {addon['namespace']}/{addon['name']}: {addon['chart']} "
                            f"revision {addon['revision']} {addon['status']}"))
    zeppelin = report.get("zeppelin")
    if zeppelin:
        how = f" (after: {zeppelin['command']})" if zeppelin.get("command") else ""
        stdout.print(f"Zeppelin: [bold]{escape(str(zeppelin['url']))}[/bold]{escape(how)}")
        if zeppelin.get("password_command"):
            stdout.print(escape(f"  log in as {zeppelin['user']}; the password: "
                                f"{zeppelin['password_command']}"), soft_wrap=True)


def delete_summary(result: dict[str, Any]) -> None:
    for item in result["removed"]:
        stdout.print(f"[red]removed[/red] {escape(item)}")
    if not result["removed"]:
        stdout.print("nothing to remove")
    for share in result["shares_kept"]:
        if "owner_project" in share:
            stdout.print(f"[green]untouched[/green] share {escape(share['name'])} of project "
                         f"{escape(share['owner_project'])} ({share['purpose']})")
            continue
        stdout.print(f"[green]kept[/green] share {escape(share['name'])} ({share['purpose']}, "
                     f"{share['size_gb']} GB, id {share['id']})")
    for name in result["shares_deleted"]:
        stdout.print(f"[red]deleted share[/red] {escape(name)} and its data")
    for item in result.get("left", []):
        stdout.print(f"[yellow]left[/yellow] {escape(item)}")
    if result.get("left"):
        stdout.print("Re-run the same delete to finish: it picks up where this one stopped.")
