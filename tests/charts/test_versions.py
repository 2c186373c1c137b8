"""One list of supported Zeppelin releases (charts/zeppelin/versions.yaml): the copies that
cannot read it (Chart.yaml, values.yaml, the schema's pattern, the README's table) agree with
it, and helm itself accepts exactly its families."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from gaia_platform import zeppelin_versions
from tests.charts.conftest import SPARK_IMAGE_09, ZEPPELIN, Render, find

REPO = Path(__file__).resolve().parents[2]


def test_chart_and_values_default_to_the_lists_default() -> None:
    chart = yaml.safe_load((ZEPPELIN / "Chart.yaml").read_text())
    values = yaml.safe_load((ZEPPELIN / "values.yaml").read_text())
    assert chart["appVersion"] == zeppelin_versions.DEFAULT
    assert values["zeppelinVersion"] == zeppelin_versions.DEFAULT
    assert zeppelin_versions.DEFAULT in zeppelin_versions.SUPPORTED


def test_each_release_belongs_to_its_family() -> None:
    families = [release.family for release in zeppelin_versions.RELEASES]
    assert len(set(families)) == len(families)
    for release in zeppelin_versions.RELEASES:
        assert zeppelin_versions.family(release.version) == release.family
        assert release.pod_security_level in ("baseline", "restricted")


def test_the_schema_pattern_is_the_one_the_list_gives() -> None:
    schema = json.loads((ZEPPELIN / "values.schema.json").read_text())
    assert schema["properties"]["zeppelinVersion"]["pattern"] == (
        zeppelin_versions.schema_pattern())


def _values(version: str) -> dict[str, object]:
    values: dict[str, object] = {"zeppelinVersion": version}
    if version.startswith("0.9."):
        values["images"] = {"spark": SPARK_IMAGE_09}
    return values


@pytest.mark.parametrize("version", [*zeppelin_versions.SUPPORTED, "0.11.0", "0.12.9"])
def test_helm_renders_any_release_of_a_listed_family(render: Render, version: str) -> None:
    docs = render(ZEPPELIN, values=_values(version))
    deployment = find(docs, "Deployment")
    release = next(r for r in zeppelin_versions.RELEASES
                   if r.family == zeppelin_versions.family(version))
    # The level deploy labels the namespace with (charts/zeppelin deployment.yaml).
    level = deployment["metadata"]["annotations"]["gaia-platform/pod-security-level"]
    assert level == release.pod_security_level


@pytest.mark.parametrize("version", ["0.8.2", "0.13.0", "1.0.0", "0.9"])
def test_helm_refuses_a_release_of_no_listed_family(render_error: Callable[..., str],
                                                    version: str) -> None:
    error = render_error(ZEPPELIN, values=_values(version))
    assert "zeppelinVersion" in error


def _readme_table() -> list[tuple[str, str | None, str]]:
    """(release, default Spark image or None, level) rows of the README's version table."""
    text = (REPO / "README.md").read_text()
    section = text.split("### Zeppelin version, Spark image and Pod Security", 1)[1]
    rows: list[tuple[str, str | None, str]] = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d+\.\d+\.\d+", cells[0]):
            image = re.fullmatch(r"`([^`]+)`", cells[1])
            rows.append((cells[0], image.group(1) if image else None, cells[2]))
    return rows


def test_the_readme_table_lists_each_release_as_the_list_does() -> None:
    assert _readme_table() == [(r.version, r.spark_image, r.pod_security_level)
                               for r in zeppelin_versions.RELEASES]
    text = (REPO / "README.md").read_text()
    sentence = text.split("`kubernetes.zeppelin_version` (", 1)[1].split(")", 1)[0]
    assert re.findall(r"\d+\.\d+\.\d+", sentence) == list(zeppelin_versions.SUPPORTED)
    assert f"{zeppelin_versions.DEFAULT}, the default" in sentence
