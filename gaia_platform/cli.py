"""The ``platform`` command. Heavy libraries are imported inside the commands that need them,
so ``platform --help`` stays fast."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

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
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            from .console import stderr

            stderr.print("interrupted; re-run the same command to resume.")
            sys.exit(130)
        except (click.exceptions.ClickException, click.exceptions.Abort,
                click.exceptions.Exit):
            raise  # click prints these itself (a refused confirmation, a usage error)
        except Exception as error:
            # Whatever escaped the steps (a cloud answer to a read, a file the OS refused):
            # still one paragraph and exit 1, never a traceback (GAIA_DEBUG=1 shows it).
            import os

            if os.environ.get("GAIA_DEBUG"):
                raise
            from .failures import translate

            translated = translate(error, f"platform {command.__name__.replace('_', '-')}")
            if translated is not None:
                _fail(str(translated), translated.exit_code)
            if isinstance(error, OSError):
                _fail(f"{error.strerror or error}: {getattr(error, 'filename', '') or ''}", 1)
            _fail(f"unexpected {type(error).__name__}: {error}. This is a bug in "
                  "gaia-platform: re-run with GAIA_DEBUG=1 for the details and report it.", 1)

    return wrapper  # type: ignore[return-value]


def _finite(value: float | None) -> float | None:
    # click's FloatRange lets nan through (every comparison with nan is false).
    if value is not None and value != value:
        raise click.BadParameter("must be a number above 0 (not nan)")
    return value


def _fail(message: str, code: int) -> NoReturn:
    from rich.markup import escape

    from .console import stderr

    # Error text carries user and cloud words (file names, keys, Manila messages): never
    # markup.
    stderr.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
    sys.exit(code)


def _finish_run(report: Any, output: str, deployment: str, extra: dict[str, Any],
                text: Callable[[], None]) -> None:
    """A deploy's result, for the main route and the Yarn fallback alike: JSON (``extra``
    beside the steps) or the summary table followed by ``text``; the exit code is the worst
    failed step's."""
    from .console import emit_json
    from .render import deploy_summary

    if output == "json":
        emit_json({"deployment": deployment, "seconds": round(report.seconds, 2), **extra,
                   "changed": [o.step.id for o in report.changed],
                   "failed": [o.to_json() for o in report.failed],
                   "steps": [o.to_json() for o in report.outcomes]})
    else:
        deploy_summary(report)
        text()
    if report.failed:
        sys.exit(max(o.exit_code for o in report.failed))


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
@click.option("--time-scale", type=click.FloatRange(min=0, max=1000, min_open=True),
              default=None, callback=lambda _ctx, _param, value: _finite(value),
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
        stdout.print("stopped: " + ", ".join(stopped) if stopped else "nothing was running",
                     markup=False)


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


cloud_option = click.option(
    "--cloud", "-c", required=True, metavar="NAME|FILE",
    help="A profile name from openstack/clouds/ (cambridge, sandbox, ...) or a profile file.",
)
refresh_option = click.option(
    "--refresh", is_flag=True,
    help="Read every share's access rules from Manila (one call per share) instead of "
         "trusting the records deploy keeps in the share listing: notices a rule deleted "
         "behind the tool's back.")


def _refresh(ctx: Any, refresh: bool) -> None:
    if refresh and ctx.cloud is not None:
        from .cloud.manila import read_every_rule

        read_every_rule(ctx.cloud)


def _prepare_sandbox_env() -> None:
    """The sandbox profile finds its clouds.yaml through $GAIA_SANDBOX_DIR."""
    import os

    from .sandbox.paths import sandbox_dir

    os.environ.setdefault("GAIA_SANDBOX_DIR", str(sandbox_dir()))


def _ensure_sandbox_running(cloud: str) -> None:
    from . import profile as profiles

    if not profiles.load(cloud).profile.sandbox:
        return
    from .console import Progress

    sandbox_ = _sandbox()
    if not sandbox_.status().get("healthy"):
        Progress()("the sandbox is not running: starting it (platform sandbox up)")
        sandbox_.up(Progress())


@main.command()
@cloud_option
@output_option
@refresh_option
@reports_errors
def plan(cloud: str, output: str, refresh: bool) -> None:
    """Show what deploy would create, change or leave alone. Makes no change, and works with
    no credentials at all (it then lists what would be checked and created)."""
    from .console import emit_json
    from .planning import make_plan
    from .render import plan_table
    from .session import open_deployment
    from .steps.graph import deploy_graph

    _prepare_sandbox_env()
    opened = open_deployment(cloud, require_cloud=False)
    notes: tuple[str, ...] = ()
    if opened.offline_reason:
        notes = (f"not observed: {opened.offline_reason}; every step shows what deploy would "
                 "check or create.",)
    ctx = opened.ctx
    _refresh(ctx, refresh)
    notes += tuple(f"warning: {w}" for w in ctx.desired.warnings)
    web = ctx.deployment.profile.web
    if web:
        # Octavia makes the address only when the ingress controller's Service exists; DNS
        # is looked up here, credentials or not.
        from .steps.reachability import dns_note

        notes += (dns_note(web.host, acme=web.tls.acme is not None),)
    result = make_plan(ctx, deploy_graph(ctx.deployment, ctx.desired),
                       ctx.deployment.profile.openstack.cloud, notes)
    emit_json(result.to_json()) if output == "json" else plan_table(result)


@main.command()
@cloud_option
@output_option
@refresh_option
@reports_errors
def deploy(cloud: str, output: str, refresh: bool) -> None:
    """Create or converge the deployment: network, Magnum cluster, Manila shares and access,
    kubeconfig, Manila CSI credentials, and a volume + claim per share.

    Safe to re-run at any time: it resumes after a failure and changes nothing when the
    deployment is already as the profile says. Progress goes to stderr.
    """
    from .planning import deploy as run_deploy
    from .planning import warm_imports
    from .render import access_lines
    from .session import open_deployment
    from .status import zeppelin_access
    from .steps.graph import deploy_graph

    warm_imports()
    _prepare_sandbox_env()
    _ensure_sandbox_running(cloud)
    ctx = open_deployment(cloud).ctx
    _refresh(ctx, refresh)
    report = run_deploy(ctx, deploy_graph(ctx.deployment, ctx.desired), _events(output))
    server = next((o for o in report.outcomes if o.step.id == "kube.zeppelin-server"), None)
    zeppelin = zeppelin_access(ctx) if server and server.status == "done" else None
    if zeppelin and zeppelin["via"] == "ingress":
        from .steps.reachability import lookup

        # Whether the address people will type already leads to the load balancer.
        zeppelin["resolves_to"] = lookup(str(zeppelin["host"]))
    _finish_run(report, output, ctx.desired.deployment, {"zeppelin": zeppelin},
                lambda: None if report.failed else access_lines(zeppelin))


@main.command()
@cloud_option
@reports_errors
def kubeconfig(cloud: str) -> None:
    """Print the path of the deployment's kubeconfig (made through Magnum by deploy).

    Use it as: export KUBECONFIG=$(platform kubeconfig --cloud NAME)
    """
    from . import profile as profiles
    from .console import stdout
    from .errors import GaiaError
    from .session import state_dir

    _prepare_sandbox_env()
    deployment = profiles.load(cloud)
    path = state_dir(deployment.profile.name) / "kubeconfig"
    if not path.is_file():
        raise GaiaError(f"No kubeconfig for deployment {deployment.profile.name!r} yet: run "
                        f"`platform deploy --cloud {cloud}` first.")
    stdout.print(str(path), markup=False, highlight=False)


@main.command()
@cloud_option
@output_option
@refresh_option
@reports_errors
def status(cloud: str, output: str, refresh: bool) -> None:
    """The deployment as the cloud reports it now: cluster, shares, access rules, volumes."""
    from .console import emit_json
    from .planning import warm_imports
    from .render import status_table
    from .session import open_deployment
    from .status import collect

    warm_imports(typed_apis=False)
    _prepare_sandbox_env()
    ctx = open_deployment(cloud).ctx
    _refresh(ctx, refresh)
    report = collect(ctx)
    emit_json(report) if output == "json" else status_table(report)


@main.command()
@cloud_option
@click.option("--delete-data", is_flag=True,
              help="Also delete every share in the catalogue: the Gaia data shares and all "
                   "user and notebook storage, every person's home and user shares included "
                   "(never a share another project owns). Asks for confirmation unless --yes.")
@click.option("--yes", is_flag=True, help="Confirm --delete-data without asking.")
@output_option
@reports_errors
def delete(cloud: str, delete_data: bool, yes: bool, output: str) -> None:
    """Remove the deployment: the CephFS route and router, the cluster and its template, this
    deployment's access rules and credentials, and its network.

    Shares are kept (data is sacred): their names are listed at the end. Only --delete-data,
    confirmed, deletes them.
    """
    from .console import Progress, emit_json
    from .errors import ConfigError
    from .render import delete_summary
    from .session import open_deployment
    from .teardown import delete as run_delete

    _prepare_sandbox_env()
    ctx = open_deployment(cloud).ctx
    if delete_data and not yes:
        names = ", ".join(s.name for s in ctx.desired.shares if s.project_owner is None)
        if not sys.stdin.isatty():
            raise ConfigError("--delete-data deletes every share in the catalogue and needs "
                              "confirmation: re-run with --yes, or from a terminal.")
        click.confirm(f"Delete the shares {names} and ALL DATA in them?", abort=True)
    result = run_delete(ctx, delete_data=delete_data, progress=Progress(output == "json"))
    emit_json(result) if output == "json" else delete_summary(result)
    if result["left"]:
        sys.exit(1)



# -- people: the users catalogue (gaia_platform/users/) ----------------------------------------

@main.group()
def users() -> None:
    """The people of a deployment: the users catalogue (the profile's `users` file), their
    Zeppelin accounts and their own storage. Each command edits the catalogue, then applies it
    to the running deployment; a later `platform deploy` finds nothing left to do.
    """


def _events(output: str) -> Any:
    """How a run's progress events are shown: lines on stderr, or nothing with JSON output."""
    from .render import event_line

    return (lambda _e: None) if output == "json" else event_line


def _show_password(result: dict[str, Any]) -> None:
    """The one place a password is shown: stdout, once, for the person who asked."""
    from .console import stdout

    if result.get("password"):
        user = result["user"] if isinstance(result["user"], str) else result["user"]["name"]
        stdout.print(f"password of {user} (shown once; it is stored only in the Secret "
                     "zeppelin-auth):")
        sys.stdout.write(result["password"] + "\n")


@users.command("add")
@click.argument("name")
@cloud_option
@click.option("--role", type=click.Choice(["user", "admin"]), default="user", show_default=True,
              help="admin: sees every note and manages interpreters.")
@click.option("--home-gb", type=click.IntRange(min=1), default=None,
              help="Size of the home share (/home/NAME); default: the catalogue's (10).")
@click.option("--user-gb", type=click.IntRange(min=1), default=None,
              help="Size of the user share (/user/NAME); default: the catalogue's (1024).")
@output_option
@reports_errors
def users_add(name: str, cloud: str, role: str, home_gb: int | None, user_gb: int | None,
              output: str) -> None:
    """Add NAME: a Zeppelin account with a generated password (printed once, on stdout), a
    home and a user share mounted only into their own Spark driver and executors. Idempotent."""
    from .console import emit_json, stdout
    from .users import manage

    _prepare_sandbox_env()
    _ensure_sandbox_running(cloud)
    result = manage.add(cloud, name, role=role, home_gb=home_gb, user_gb=user_gb,
                        emit=_events(output))
    if output == "json":
        emit_json(result)
    else:
        _users_table([result["user"]])
        stdout.print(_applied_line(result))
        _show_password(result)
    if result["failed"]:
        sys.exit(1)


@users.command("list")
@cloud_option
@output_option
@reports_errors
def users_list(cloud: str, output: str) -> None:
    """The catalogue's people, their shares and whether they have a password."""
    from .console import emit_json
    from .users import manage

    _prepare_sandbox_env()
    result = manage.list_users(cloud)
    emit_json(result) if output == "json" else _users_table(result["users"])


@users.command("remove")
@click.argument("name")
@cloud_option
@click.option("--delete-data", is_flag=True,
              help="Also delete NAME's home and user shares and ALL DATA in them. Asks for "
                   "confirmation unless --yes.")
@click.option("--yes", is_flag=True, help="Confirm --delete-data without asking.")
@output_option
@reports_errors
def users_remove(name: str, cloud: str, delete_data: bool, yes: bool, output: str) -> None:
    """Remove NAME's account and mounts. Their shares (and data) are kept unless --delete-data
    is given and confirmed; a later `users add NAME` finds them again."""
    from .console import Progress, emit_json, stdout
    from .errors import ConfigError
    from .users import manage

    _prepare_sandbox_env()
    if delete_data and not yes:
        if not sys.stdin.isatty():
            raise ConfigError(f"--delete-data deletes the home and user shares of {name} and "
                              "needs confirmation: re-run with --yes, or from a terminal.")
        click.confirm(f"Delete the home and user shares of {name} and ALL DATA in them?",
                      abort=True)
    _ensure_sandbox_running(cloud)
    result = manage.remove(cloud, name, delete_data=delete_data,
                           progress=Progress(output == "json"), emit=_events(output))
    if output == "json":
        emit_json(result)
        return
    stdout.print(_applied_line(result))
    for line in result["removed"]:
        stdout.print(f"removed {line}")
    for share in result["shares_kept"]:
        stdout.print(f"kept share {share['name']} ({share['size_gb']} GB): its data is intact")
    for share in result["shares_deleted"]:
        stdout.print(f"[red]deleted[/red] share {share}")


@users.command("reset-password")
@click.argument("name")
@cloud_option
@output_option
@reports_errors
def users_reset_password(name: str, cloud: str, output: str) -> None:
    """Give NAME a new generated password (printed once, on stdout) and restart the Zeppelin
    server so that it takes effect."""
    from .console import emit_json
    from .users import manage

    _prepare_sandbox_env()
    result = manage.reset_password(cloud, name)
    emit_json(result) if output == "json" else _show_password(result)


def _applied_line(result: dict[str, Any]) -> str:
    if not result["applied"]:
        return str(result["note"])
    if result["failed"]:
        return f"[red]{len(result['failed'])} step(s) failed[/red]: re-run the same command."
    changed = result["changed"]
    return ("applied: " + ", ".join(changed)) if changed else "applied: nothing to change"


def _users_table(people: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from .console import stdout

    table = Table("user", "role", "shares (mount path, access, GB)", "password")
    for person in people:
        shares = "\n".join(f"{s['name']}  {s['mount_path']}  {s['access']}  {s['size_gb']}"
                           for s in person["shares"])
        state = person.get("password_set")
        table.add_row(person["name"], str(person["role"]), shares,
                      "-" if state is None else "set" if state else "missing")
    stdout.print(table)


# -- the Spark-on-Yarn fallback on plain VMs (gaia_platform/yarn/) ------------------------------

@main.command()
@click.option("--url", required=True,
              help="Where Zeppelin answers, e.g. http://localhost:8080 after the "
                   "`kubectl port-forward` that `platform status` prints, or the Ingress URL.")
@click.option("--user", default="admin", show_default=True, help="The Zeppelin user to log in as.")
@output_option
@reports_errors
def notebooks(url: str, user: str, output: str) -> None:
    """Load the example notes (notebooks/: HR diagram, open cluster by proper motion, Gaia x
    2MASS cross-match) into Zeppelin through its REST API, under "Gaia examples". Notes that
    are there already are left alone. The password is read from $ZEPPELIN_PASSWORD (deploy
    generates it into the Secret zeppelin-auth: `kubectl -n gaia get secret zeppelin-auth -o
    jsonpath='{.data.admin}' | base64 -d`).
    """
    import os

    from .console import emit_json
    from .errors import ConfigError
    from .notebooks import load

    password = os.environ.get("ZEPPELIN_PASSWORD")
    if not password:
        raise ConfigError("ZEPPELIN_PASSWORD is not set: export the Zeppelin password of "
                          f"{user!r} (in the Secret zeppelin-auth) and re-run.")
    result = load(url, user, password)
    if output == "json":
        emit_json(result)
    else:
        for path in result["imported"]:
            click.echo(f"imported  {path}")
        for path in result["present"]:
            click.echo(f"present   {path}")


@main.command("yarn-fallback")
@cloud_option
@click.option("--dry-run", is_flag=True,
              help="Only show what would be created, changed or left alone (works with no "
                   "credentials).")
@output_option
@reports_errors
def yarn_fallback(cloud: str, dry_run: bool, output: str) -> None:
    """Create or converge the Spark-on-Yarn fallback: a Zeppelin gateway (the only floating
    IP), a Yarn master and the profile's workers on plain VMs, configured at boot, with the
    same CephFS shares mounted. Safe to re-run; changes nothing when up to date.

    Status: platform yarn-fallback-status; removal: platform yarn-fallback-delete.
    """
    from .console import emit_json
    from .planning import deploy as run_deploy
    from .planning import make_plan
    from .render import plan_table
    from .session import open_deployment
    from .yarn.graph import yarn_graph
    from .yarn.layout import yarn_plan

    _prepare_sandbox_env()
    if dry_run:
        opened = open_deployment(cloud, require_cloud=False)
        ctx = opened.ctx
        notes: tuple[str, ...] = (
            "the VMs boot with user-data rendered at creation (it holds the cephx keys of "
            "their mounts, so it is never shown).",)
        if opened.offline_reason:
            notes += (f"not observed: {opened.offline_reason}; every step shows what would "
                      "be checked or created.",)
        result = make_plan(ctx, yarn_graph(yarn_plan(ctx.deployment)),
                           ctx.deployment.profile.openstack.cloud, notes)
        emit_json(result.to_json()) if output == "json" else plan_table(result)
        return
    _ensure_sandbox_running(cloud)
    ctx = open_deployment(
        cloud, offline_hint="`platform yarn-fallback --dry-run` works without credentials").ctx
    plan = yarn_plan(ctx.deployment)
    report = run_deploy(ctx, yarn_graph(plan), _events(output))
    address = ctx.results.get("yarn.floating-ip", {}).get("address")
    url = f"https://{address}/" if address else None
    from .yarn.render import gateway_hint

    _finish_run(report, output, plan.deployment, {"zeppelin_url": url},
                lambda: gateway_hint({"zeppelin_url": url}))


@main.command("yarn-fallback-status")
@cloud_option
@output_option
@reports_errors
def yarn_fallback_status(cloud: str, output: str) -> None:
    """The Yarn fallback as the cloud reports it now: servers, floating IP, shares and access.
    Exit code 1 unless every server is ACTIVE and the gateway has its floating IP."""
    from .console import emit_json
    from .session import open_deployment
    from .yarn.layout import yarn_plan
    from .yarn.render import status_table
    from .yarn.status import collect

    _prepare_sandbox_env()
    ctx = open_deployment(cloud).ctx
    report = collect(ctx, yarn_plan(ctx.deployment))
    emit_json(report) if output == "json" else status_table(report)
    if not report["ready"]:
        sys.exit(1)


@main.command("yarn-fallback-delete")
@cloud_option
@output_option
@reports_errors
def yarn_fallback_delete(cloud: str, output: str) -> None:
    """Remove the Yarn fallback: its floating IP, servers, security groups, routers, network
    and its own cephx access rules. Every share is kept (they are the main route's too)."""
    from .console import Progress, emit_json
    from .render import delete_summary
    from .session import open_deployment
    from .yarn.layout import yarn_plan
    from .yarn.teardown import delete as run_delete

    _prepare_sandbox_env()
    ctx = open_deployment(cloud).ctx
    result = run_delete(ctx, yarn_plan(ctx.deployment), Progress(output == "json"))
    emit_json(result) if output == "json" else delete_summary(result)


if __name__ == "__main__":
    main()
