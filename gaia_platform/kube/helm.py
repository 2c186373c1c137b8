"""Helm releases through pyhelm3 and the helm binary (pyhelm3 is async; each call here runs
its own event loop, so it is safe from the deploy's worker threads)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from ..errors import CloudError, TransientError
from ..helm.charts import ChartRef, RemoteChart

#: How long a release may stay pending-* before it counts as left by an interrupted run. Our
#: installs and upgrades do not wait for pods, so they leave pending-* within seconds.
PENDING_GRACE_SECONDS = 30.0

T = TypeVar("T")


#: The longest any one helm operation may take (a rollback of a stuck release waits for its
#: pods); past it the helm process is terminated (pyhelm3 does so when its task is
#: cancelled) and the step fails like a timed-out request, to be retried.
HELM_TIMEOUT_SECONDS = 900.0


def pending_text(name: str, status: str, age: float) -> str:
    """Why an install waits on a release another helm run left pending-*, and for how long."""
    left = max(PENDING_GRACE_SECONDS - age, 0.0)
    if left > 0:
        return (f"release {name} is {status} since {age:.0f} s (another deploy may be "
                f"finishing it); it counts as abandoned in {left:.0f} s")
    return (f"release {name} has been {status} for {age:.0f} s, left by an interrupted run: "
            "rolling it back to its last deployed revision (uninstalling it if it has none)")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, HELM_TIMEOUT_SECONDS)

    try:
        return asyncio.run(bounded())
    except TimeoutError as exc:
        raise TransientError(f"helm did not finish within {HELM_TIMEOUT_SECONDS:.0f} s "
                             "(is the cluster's API reachable?); re-run to try again.") from exc


_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


class Helm:
    def __init__(self, kubeconfig: Path) -> None:
        from pyhelm3 import Client

        # pyhelm3 logs every failed helm command, including the `helm status` that only finds
        # out a release does not exist yet; the errors that matter reach the user anyway.
        logging.getLogger("pyhelm3").setLevel(logging.CRITICAL)

        from ..helm.binary import find_helm

        key = (str(find_helm()), str(kubeconfig))
        # pyhelm3's Client runs `helm version` when it is made, a process per Helm() and so
        # two per release step; it keeps no other state, so one per kubeconfig serves a run.
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                _CLIENTS[key] = Client(executable=key[0], kubeconfig=key[1])
            self.client = _CLIENTS[key]

    def current(self, name: str, namespace: str) -> dict[str, Any] | None:
        """The deployed revision: number, status, chart name/version, values and manifest."""
        from pyhelm3.errors import ReleaseNotFoundError

        async def read() -> dict[str, Any] | None:
            try:
                revision = await self.client.get_current_revision(name, namespace=namespace)
            except ReleaseNotFoundError:
                return None
            # Three helm processes (get metadata, values, manifest): at once, not in turn.
            chart, values, resources = await asyncio.gather(
                revision.chart_metadata(), revision.values(), revision.resources())
            return {
                "revision": revision.revision,
                "status": revision.status.value,
                "chart": chart.name,
                "version": chart.version,
                "values": values,
                "resources": _canonical(resources),
            }

        return _run(read())

    def summary(self, name: str, namespace: str) -> dict[str, Any] | None:
        """The deployed revision's number, status and chart (two helm runs, not four)."""
        from pyhelm3.errors import ReleaseNotFoundError

        async def read() -> dict[str, Any] | None:
            try:
                revision = await self.client.get_current_revision(name, namespace=namespace)
            except ReleaseNotFoundError:
                return None
            chart = await revision.chart_metadata()
            return {"revision": revision.revision, "status": revision.status.value,
                    "chart": chart.name, "version": chart.version}

        return _run(read())

    def releases(self) -> list[dict[str, Any]]:
        """Every release in every namespace, each at its latest revision, from one `helm list
        --all --all-namespaces -o json` (helm v3 pkg/cmd/list.go: name, namespace, revision,
        status, chart as "<name>-<version>"): one helm run where a summary of each release
        costs two."""

        async def read() -> list[dict[str, Any]]:
            found = await self.client.list_release_definitions(all=True, all_namespaces=True)
            return [dict(r) for r in found]

        return _run(read())

    async def _chart(self, chart: ChartRef) -> Any:
        """A chart directory, or a pinned chart that helm fetches from its repository."""
        if isinstance(chart, RemoteChart):
            from pyhelm3.errors import Error

            try:
                return await self.client.get_chart(chart.name, repo=chart.repository,
                                                   version=chart.version)
            except Error as exc:
                # An unreachable repository (offline machine, proxy, DNS) is the user's to fix,
                # not a bug: helm prints "looks like ... is not a valid chart repository or
                # cannot be reached" (helm v3 pkg/repo/chartrepo.go).
                raise CloudError(
                    f"helm could not fetch the chart {chart.name} {chart.version} from "
                    f"{chart.repository}: {str(exc).strip()} Let this machine reach that "
                    "repository, or fetch the chart where it can (helm pull "
                    f"{chart.name} --repo {chart.repository} --version {chart.version} "
                    "--untar) and name the folder in the profile's chart `path` for it "
                    "(csi.manila_chart, csi.cephfs_chart, web.ingress.chart or "
                    "web.tls.acme.chart).") from exc
        return await self._local_chart(chart)

    async def _local_chart(self, chart: Path) -> Any:
        """A chart folder, its metadata read from its Chart.yaml: what `helm show chart`
        prints for a folder (helm v3 pkg/action/show.go marshals the chart's Metadata, which
        is Chart.yaml), without a helm process of its own per install and render."""
        from pyhelm3.models import Chart

        chart_yaml = chart / "Chart.yaml"
        if not chart_yaml.is_file():
            return await self.client.get_chart(chart)
        import yaml

        # pyhelm3's Client keeps its helm command as _command; get_chart passes it the same way.
        return Chart(self.client._command, ref=chart,
                     metadata=yaml.safe_load(chart_yaml.read_text()))

    def render(self, name: str, chart: ChartRef, values: dict[str, Any],
               namespace: str) -> dict[str, Any]:
        async def render() -> dict[str, Any]:
            loaded = await self._chart(chart)
            # Hooks (the helm test pod) are not part of a release's manifest: leave them out.
            resources = await self.client.template_resources(
                loaded, name, values, namespace=namespace, is_upgrade=True, no_hooks=True)
            return {"chart": loaded.metadata.name, "version": loaded.metadata.version,
                    "resources": _canonical(resources)}

        return _run(render())

    def install_or_upgrade(self, name: str, chart: ChartRef, values: dict[str, Any],
                           namespace: str, timeout: str = "10m",
                           create_namespace: bool = False,
                           progress: Callable[[str], None] = lambda _message: None) -> int:
        from pyhelm3.errors import Error

        async def upgrade() -> int:
            await self._unstick(name, namespace, timeout, progress)
            loaded = await self._chart(chart)
            revision = await self.client.install_or_upgrade_release(
                name, loaded, values, namespace=namespace, atomic=False, wait=False,
                timeout=timeout, create_namespace=create_namespace,
                description="gaia-platform deploy")
            return int(revision.revision)

        try:
            return _run(upgrade())
        except Error as exc:
            raise CloudError(f"helm could not install or upgrade release {name}: {exc}") from exc

    async def _unstick(self, name: str, namespace: str, timeout: str,
                       progress: Callable[[str], None]) -> None:
        """A release left pending-* by an interrupted run blocks every later helm operation
        ("another operation (install/upgrade/rollback) is in progress"). Once it has been
        pending longer than any of our own operations takes (they do not wait for pods), it is
        rolled back to its last good revision, or uninstalled when it never had one: pyhelm3's
        get_proceedable_revision does exactly that."""
        from pyhelm3.errors import ReleaseNotFoundError

        told = False
        while True:
            try:
                current = await self.client.get_current_revision(name, namespace=namespace)
            except ReleaseNotFoundError:
                return
            if not current.status.value.startswith("pending-"):
                return
            age = (datetime.now(UTC)
                   - current.updated.astimezone(UTC)).total_seconds()
            if not told or age >= PENDING_GRACE_SECONDS:  # once waiting, once acting
                progress(pending_text(name, current.status.value, age))
                told = True
            if age >= PENDING_GRACE_SECONDS:
                break
            # Not yet provably abandoned: another deploy may be finishing it right now.
            await asyncio.sleep(min(5.0, PENDING_GRACE_SECONDS - age))
        await self.client.get_proceedable_revision(name, namespace=namespace, timeout=timeout)

    def uninstall(self, name: str, namespace: str) -> bool:
        async def uninstall() -> bool:
            from pyhelm3.errors import ReleaseNotFoundError

            try:
                revision = await self.client.get_current_revision(name, namespace=namespace)
            except ReleaseNotFoundError:
                return False
            await self.client.uninstall_release(name, namespace=namespace, wait=True)
            return revision is not None

        return _run(uninstall())


def _canonical(resources: Any) -> list[tuple[str, str, str]]:
    """Resources as sorted (kind, name, body) triples; the order helm prints them varies."""
    import json

    items = [r for r in resources if r]
    return sorted((str(r.get("kind")), str((r.get("metadata") or {}).get("name")),
                   json.dumps(r, sort_keys=True)) for r in items)
