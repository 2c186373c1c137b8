"""Where a release's chart comes from: a chart directory in this repository, or a pinned chart
from a Helm repository (resolved from the profile, checked before anything is installed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..profile import PROFILE_DIR, ChartSource, expand_home

#: The gaia-platform checkout (openstack/clouds/ is two levels below it).
REPOSITORY = PROFILE_DIR.parent.parent


@dataclass(frozen=True)
class RemoteChart:
    """A chart in a Helm repository, at an exact version (helm fetches it at install)."""

    repository: str
    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}-{self.version} from {self.repository}"


#: A chart directory, or a pinned chart of a Helm repository.
ChartRef = Path | RemoteChart


def resolve(source: ChartSource, profile_path: Path, field: str) -> ChartRef:
    """The chart ``field`` of ``profile_path`` names; a missing directory is a profile error."""
    if source.path is None:
        assert source.repository and source.name and source.version  # ChartSource checks it
        return RemoteChart(source.repository, source.name, source.version)
    # Relative to the profile file, else to this checkout (so that a copy of the sandbox
    # profile elsewhere still finds the repository's stand-in charts).
    for base in (profile_path.parent, REPOSITORY):
        directory = (base / expand_home(source.path, f"{profile_path}: {field}.path")).resolve()
        if (directory / "Chart.yaml").is_file():
            return directory
    raise ConfigError(f"{profile_path}: {field}.path is {source.path!r}, which is not a chart "
                      f"directory (no Chart.yaml below {profile_path.parent} or {REPOSITORY}). "
                      "Give the path of a chart relative to the profile file, or repository + "
                      "name + version of a published chart.")


def describe(chart: ChartRef) -> str:
    return str(chart) if isinstance(chart, RemoteChart) else f"local chart {chart}"


_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.\d+")


def manila_driver_version(chart: ChartRef) -> tuple[int, int]:
    """The Manila CSI driver (major, minor) a chart installs.

    A published openstack-manila-csi chart 2.N.x ships driver image v1.N.x (Chart.yaml
    appVersion at every openstack-manila-csi-2.* tag of kubernetes/cloud-provider-openstack,
    e.g. 2.34.2 -> v1.34.1, 2.35.0 -> v1.35.0), so the pinned version says it without
    downloading the chart. A chart directory says it in its own Chart.yaml appVersion.
    """
    if isinstance(chart, RemoteChart):
        match = _VERSION.match(chart.version)
        if not match or match.group(1) != "2":
            raise ConfigError(f"openstack-manila-csi chart version {chart.version!r} is not a "
                              "2.N.x release: pin one of the published 2.N.x charts.")
        return 1, int(match.group(2))
    app_version = str((yaml.safe_load((chart / "Chart.yaml").read_text()) or {})
                      .get("appVersion", ""))
    match = _VERSION.match(app_version)
    if not match:
        raise ConfigError(f"{chart / 'Chart.yaml'} has no appVersion vX.Y.Z naming the Manila "
                          "CSI driver version it installs; add one.")
    return int(match.group(1)), int(match.group(2))
