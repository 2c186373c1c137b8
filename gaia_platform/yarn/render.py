"""How the fallback's status and deploy result look in a terminal."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from ..console import stdout

PASSWORDS = "sudo cat /root/zeppelin-users.txt"


def status_table(report: dict[str, Any]) -> None:
    state = "[green]ready[/green]" if report["ready"] else "[yellow]not ready[/yellow]"
    stdout.print(f"Yarn fallback of {escape(repr(report['deployment']))}: {state}; Zeppelin: "
                 f"{escape(str(report['zeppelin_url'] or '(no floating IP yet)'))}")
    table = Table(box=None, header_style="bold")
    for column in ("server", "role", "status", "address", "floating IP", "flavor"):
        table.add_column(column)
    for server in report["servers"]:
        table.add_row(*(escape(str(cell)) for cell in (
            server["name"], server["role"], server["status"] or "missing",
            server["address"], server["floating_ip"] or "-", server["flavor"])))
    for server in report["extra_servers"]:
        table.add_row(escape(str(server["name"])), escape(f"{server['role']} (extra)"),
                      escape(str(server["status"])), "-", "-", "-")
    stdout.print(table)
    shares = Table(box=None, header_style="bold")
    for column in ("share", "purpose", "status", "access", "mount"):
        shares.add_column(column)
    for share in report["shares"]:
        rule = share["access_rule"] or {}
        access = f"{rule['access_level']} {rule['state']}" if rule else "-"
        shares.add_row(*(escape(str(cell)) for cell in (
            share["name"], share["purpose"], share["status"] or "missing", access,
            share["mount_path"])))
    stdout.print(shares)


def gateway_hint(report: dict[str, Any]) -> None:
    if report.get("zeppelin_url"):
        stdout.print(escape(f"Zeppelin: {report['zeppelin_url']} (self-signed certificate). "
                            "The accounts and their passwords are on the gateway, made at "
                            f"first boot: `{PASSWORDS}`."))
