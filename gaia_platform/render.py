"""How plans and deploy results look in a terminal."""

from __future__ import annotations

from typing import Any

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
    table = Table(title=title, title_justify="left", box=None, header_style="bold")
    for column in ("action", "step", "name", "why"):
        table.add_column(column, overflow="fold")
    for step in plan.steps:
        action = step.decision.action.value
        style = ACTION_STYLE.get(action, "")
        table.add_row(f"[{style}]{action}[/{style}]", step.id, step.name, step.decision.reason)
    stdout.print(table)
    for note in plan.notes:
        stdout.print(f"[yellow]note:[/yellow] {note}")
    changes = len(plan.changes)
    stdout.print(f"{changes} change(s), {len(plan.steps) - changes} step(s) without change.")


def event_line(event: Event) -> None:
    if event.phase == "started":
        return
    style = {"done": "green", "failed": "red", "skipped": "yellow"}.get(event.phase, "dim")
    detail = f" ({event.action})" if event.action else ""
    stderr.print(f"[{style}]{event.phase:>8}[/{style}] {event.step}{detail}: {event.message}",
                 soft_wrap=True)


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
    stdout.print(f"Zeppelin: [bold]{zeppelin['url']}[/bold]")
    if zeppelin.get("command"):
        stdout.print(f"  first run: {zeppelin['command']}")
    if zeppelin["via"] == "ingress":
        address = zeppelin.get("load_balancer")
        if address:
            stdout.print(f"  DNS: {zeppelin['host']} must resolve to the load balancer "
                         f"{address}")
        else:
            stdout.print("  the load balancer has no address yet; `platform status` shows it "
                         f"once it has: then point {zeppelin['host']} at it.")
    stdout.print(f"  log in as {zeppelin['user']}; the password: {zeppelin['password_command']}",
                 soft_wrap=True)


def status_table(report: dict[str, Any]) -> None:
    cluster = report["cluster"]
    if cluster is None and report.get("kubernetes_reachable"):
        stdout.print(f"deployment {report['deployment']!r}: a cluster made elsewhere, its "
                     "Kubernetes API answering")
    elif cluster is None:
        stdout.print(f"deployment {report['deployment']!r}: no cluster (run platform deploy)")
    else:
        reason = f" ({cluster['status_reason']})" if cluster.get("status_reason") else ""
        stdout.print(f"cluster {cluster['name']}: [bold]{cluster['status']}[/bold]{reason}, "
                     f"{cluster['master_count']} master(s), {cluster['node_count']} worker(s), "
                     f"API {cluster['api_address']}")
    table = Table(box=None, header_style="bold")
    for column in ("share", "purpose", "status", "size GB", "access", "PV", "PVC", "mount"):
        table.add_column(column)
    for share in report["shares"]:
        rule = share.get("access_rule") or {}
        access = f"{rule.get('access_level')} {rule.get('state')}" if rule else "-"
        table.add_row(share["name"], share["purpose"], share.get("status") or "missing",
                      str(share.get("size_gb") or "-"), access, share.get("pv_phase") or "-",
                      share.get("pvc_phase") or "-", share["mount_path"])
    stdout.print(table)
    for release in report.get("releases", []):
        stdout.print(f"release {release['name']}: {release['chart']} revision "
                     f"{release['revision']} {release['status']}")
    for addon in report.get("addons", []):
        stdout.print(f"add-on {addon['namespace']}/{addon['name']}: {addon['chart']} revision "
                     f"{addon['revision']} {addon['status']}")
    zeppelin = report.get("zeppelin")
    if zeppelin:
        how = f" (after: {zeppelin['command']})" if zeppelin.get("command") else ""
        stdout.print(f"Zeppelin: [bold]{zeppelin['url']}[/bold]{how}")
        if zeppelin.get("password_command"):
            stdout.print(f"  log in as {zeppelin['user']}; the password: "
                         f"{zeppelin['password_command']}", soft_wrap=True)


def delete_summary(result: dict[str, Any]) -> None:
    for item in result["removed"]:
        stdout.print(f"[red]removed[/red] {item}")
    if not result["removed"]:
        stdout.print("nothing to remove")
    for share in result["shares_kept"]:
        if "owner_project" in share:
            stdout.print(f"[green]untouched[/green] share {share['name']} of project "
                         f"{share['owner_project']} ({share['purpose']})")
            continue
        stdout.print(f"[green]kept[/green] share {share['name']} ({share['purpose']}, "
                     f"{share['size_gb']} GB, id {share['id']})")
    for name in result["shares_deleted"]:
        stdout.print(f"[red]deleted share[/red] {name} and its data")
