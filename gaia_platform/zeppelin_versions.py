"""The Apache Zeppelin releases gaia-platform supports, read from their one list,
charts/zeppelin/versions.yaml, which the chart's templates read too (default Spark image and
Pod Security level per release family). Everything else that names the releases derives from
here or is checked against it (tests/charts/test_versions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

VERSIONS_FILE = Path(__file__).resolve().parents[1] / "charts" / "zeppelin" / "versions.yaml"


@dataclass(frozen=True)
class ZeppelinRelease:
    """One supported release family and the release of it the tests run."""

    family: str
    version: str
    #: The Spark of the family's default Spark image (or of the one images/spark-py builds).
    spark_version: str
    #: The default Spark image (``repository:tag``); None when none exists upstream.
    spark_image: str | None
    #: The Pod Security level the family's pods really meet ("baseline" or "restricted").
    pod_security_level: str


def _release(entry: dict[str, Any]) -> ZeppelinRelease:
    image = entry["sparkImage"]
    return ZeppelinRelease(
        family=str(entry["family"]), version=str(entry["version"]),
        spark_version=str(entry["sparkVersion"]),
        spark_image=f"{image['repository']}:{image['tag']}" if image else None,
        pod_security_level=str(entry["podSecurityLevel"]))


_DATA: dict[str, Any] = yaml.safe_load(VERSIONS_FILE.read_text())

#: Every supported release, oldest first.
RELEASES: tuple[ZeppelinRelease, ...] = tuple(_release(entry) for entry in _DATA["releases"])
#: The releases by version string ("0.9.0", ...).
BY_VERSION: dict[str, ZeppelinRelease] = {release.version: release for release in RELEASES}
SUPPORTED: tuple[str, ...] = tuple(BY_VERSION)
DEFAULT: str = str(_DATA["default"])


def family(version: str) -> str:
    """The release family ("0.9") of a version ("0.9.0")."""
    return ".".join(version.split(".")[:2])


def schema_pattern() -> str:
    """The regular expression values.schema.json gives zeppelinVersion: any release of a
    supported family."""
    families = "|".join(release.family.replace(".", r"\.") for release in RELEASES)
    return rf"^({families})\.[0-9]+$"
