"""Helm releases through pyhelm3 and the helm binary (pyhelm3 is async; each call here runs
its own event loop, so it is safe from the deploy's worker threads)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from ..errors import CloudError
from ..helm.charts import ChartRef, RemoteChart

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class Helm:
    def __init__(self, kubeconfig: Path) -> None:
        from pyhelm3 import Client

        # pyhelm3 logs every failed helm command, including the `helm status` that only finds
        # out a release does not exist yet; the errors that matter reach the user anyway.
        logging.getLogger("pyhelm3").setLevel(logging.CRITICAL)

        from ..helm.binary import find_helm

        self.client = Client(executable=str(find_helm()), kubeconfig=str(kubeconfig))

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

    async def _chart(self, chart: ChartRef) -> Any:
        """A chart directory, or a pinned chart that helm fetches from its repository."""
        if isinstance(chart, RemoteChart):
            return await self.client.get_chart(chart.name, repo=chart.repository,
                                               version=chart.version)
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
                           create_namespace: bool = False) -> int:
        from pyhelm3.errors import Error

        async def upgrade() -> int:
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
