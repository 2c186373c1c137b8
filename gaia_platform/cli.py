"""The ``platform`` command. Heavy libraries are imported inside the commands that need them,
so ``platform --help`` stays fast."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from . import __version__
from .errors import GaiaError

F = TypeVar("F", bound=Callable[..., Any])

output_option = click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text for people, json for scripts (documented in README.md).",
)


def reports_errors(command: F) -> F:
    """Turn the tool's own errors into a one-paragraph message and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GaiaError as error:
            from .console import stderr

            stderr.print(f"[bold red]error:[/bold red] {error}", soft_wrap=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            from .console import stderr

            stderr.print("interrupted; re-run the same command to resume.")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="platform")
def main() -> None:
    """Stand up the Gaia data-analysis service (Zeppelin notebooks, Spark on Kubernetes,
    Manila CephFS data shares) on an OpenStack cloud.

    Start with the local sandbox, which needs no cloud:

        platform sandbox up
    """


@main.group()
def sandbox() -> None:
    """The local sandbox: an OpenStack emulator plus a real Kubernetes control plane.

    State lives in $GAIA_SANDBOX_DIR (default ~/.local/state/gaia-platform/sandbox); built
    binaries are cached in $GAIA_CACHE_DIR (default ~/.cache/gaia-platform).
    """


def _sandbox() -> Any:
    from .sandbox.lifecycle import Sandbox
    from .sandbox.paths import cache_dir, sandbox_dir

    return Sandbox(sandbox_dir(), cache_dir())


@sandbox.command("up")
@click.option("--time-scale", type=click.FloatRange(min=0), default=None,
              help="Multiply the emulated cloud's real-world durations by this "
                   "(default 0.01: a 10-minute Magnum build takes 6 s).")
@output_option
@reports_errors
def sandbox_up(time_scale: float | None, output: str) -> None:
    """Start the sandbox (building the control plane on first use). Idempotent."""
    from .console import Progress, emit_json
    from .sandbox.report import print_status

    status = _sandbox().up(Progress(), time_scale=time_scale)
    emit_json(status) if output == "json" else print_status(status)


@sandbox.command("down")
@output_option
@reports_errors
def sandbox_down(output: str) -> None:
    """Stop the sandbox's processes. Its state stays for the next `up`."""
    from .console import emit_json, stdout

    stopped = _sandbox().down()
    if output == "json":
        emit_json({"stopped": stopped})
    else:
        stdout.print("stopped: " + ", ".join(stopped) if stopped else "nothing was running")


@sandbox.command("status")
@output_option
@reports_errors
def sandbox_status(output: str) -> None:
    """Endpoints, health and memory of the sandbox; exit code 1 when not healthy."""
    from .console import emit_json
    from .sandbox.report import print_status

    status = _sandbox().status()
    emit_json(status) if output == "json" else print_status(status)
    if not status["healthy"]:
        sys.exit(1)
