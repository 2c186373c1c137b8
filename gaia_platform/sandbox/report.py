"""The sandbox status as a person reads it."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..console import human_bytes, stdout


def _health(ok: bool) -> str:
    return "[green]healthy[/green]" if ok else "[red]down[/red]"


def print_status(status: dict[str, Any]) -> None:
    if not status.get("exists"):
        stdout.print(f"No sandbox in {status['directory']}. Start one with: platform sandbox up")
        return
    openstack = status["openstack"]
    kube = status["kubernetes"]
    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("component")
    table.add_column("state")
    table.add_column("memory", justify="right")
    table.add_column("endpoint / log")
    table.add_row("openstack emulator", _health(openstack["healthy"]),
                  human_bytes(openstack.get("rss_bytes", 0)), openstack.get("url", ""))
    for name, component in kube["components"].items():
        endpoint = kube["api_address"] if name == "kube-apiserver" else component["log"]
        table.add_row(name, _health(bool(component["healthy"])),
                      human_bytes(int(component["rss_bytes"])), endpoint)
    stdout.print(table)
    stdout.print(f"\nsandbox directory  {status['directory']}")
    if openstack.get("clouds_yaml"):
        stdout.print(f"OpenStack          OS_CLIENT_CONFIG_FILE={openstack['clouds_yaml']} "
                     f"OS_CLOUD={openstack['cloud']}")
    stdout.print(f"Kubernetes {kube['version']}  KUBECONFIG={kube['admin_kubeconfig']}")
    stdout.print(f"audit log          {kube['audit_log']}")
    stdout.print(f"memory in use      {human_bytes(status['memory_bytes'])}")
