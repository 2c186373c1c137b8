"""Every chart documents every value in its schema, and its README's values reference is the one
gaia_platform.tools.chart_reference generates from that schema (so CI fails on a stale one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gaia_platform.tools import chart_reference
from tests.charts.conftest import REPO
from tests.charts.test_lint import _closed, _schema_paths, _value_paths

CHARTS = chart_reference.charts()


def test_every_chart_is_found() -> None:
    names = {chart.relative_to(REPO / "charts").as_posix() for chart in CHARTS}
    assert names == {"zeppelin", "spark-executor", "acme-issuer", "sandbox/ceph-csi-cephfs",
                     "sandbox/cert-manager", "sandbox/openstack-manila-csi", "sandbox/traefik"}


def _undescribed(node: Any, root: dict[str, Any], where: str = "") -> list[str]:
    """Properties (anywhere: values, list items, definitions) without a description of their
    own or of the definition they refer to."""
    if not isinstance(node, dict):
        return []
    missing: list[str] = []
    for key, sub in (node.get("properties") or {}).items():
        target = sub
        if sub.get("$ref", "").startswith("#/definitions/"):
            target = root["definitions"][sub["$ref"].rsplit("/", 1)[1]]
        if not str(sub.get("description") or target.get("description") or "").strip():
            missing.append(f"{where}{key}")
        missing += _undescribed(sub, root, f"{where}{key}.")
    for keyword in ("items", "additionalProperties"):
        missing += _undescribed(node.get(keyword), root, f"{where}[]." if keyword == "items"
                                else where)
    for keyword in ("anyOf", "allOf", "oneOf"):
        for sub in node.get(keyword) or []:
            missing += _undescribed(sub, root, where)
    for name, sub in (node.get("definitions") or {}).items():
        missing += _undescribed(sub, root, f"#/definitions/{name}.")
    return missing


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_every_value_in_the_schema_has_a_description(chart: Path) -> None:
    schema = json.loads((chart / "values.schema.json").read_text())
    assert schema.get("description")
    assert _undescribed(schema, schema) == []


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_the_schema_knows_every_default_value(chart: Path) -> None:
    schema = json.loads((chart / "values.schema.json").read_text())
    values = yaml.safe_load((chart / "values.yaml").read_text())
    unknown = _value_paths(values) - _schema_paths(schema, schema)
    assert not unknown, f"values.yaml keys the schema (and so the reference) lacks: {unknown}"


def test_our_own_issuer_chart_refuses_unknown_keys() -> None:
    # The stand-ins stay open (they take upstream's values); acme-issuer is ours.
    chart = REPO / "charts" / "acme-issuer"
    schema = json.loads((chart / "values.schema.json").read_text())
    assert _closed(schema) == []


def test_every_readme_reference_is_current() -> None:
    stale = chart_reference.stale()
    assert stale == [], ("run `python -m gaia_platform.tools.chart_reference`: "
                         f"{[str(path) for path in stale]}")
    assert chart_reference.main(["--check"]) == 0


def test_a_readme_that_lags_its_schema_is_reported_and_rewritten(tmp_path: Path) -> None:
    root = tmp_path / "charts"
    shutil.copytree(REPO / "charts" / "acme-issuer", root / "acme-issuer")
    schema_file = root / "acme-issuer" / "values.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"]["email"]["description"] = "Where Let's Encrypt writes about expiry."
    schema_file.write_text(json.dumps(schema))
    readme = root / "acme-issuer" / "README.md"
    by_hand = readme.read_text().split(chart_reference.BEGIN)[0]
    assert chart_reference.stale(root) == [readme]
    assert chart_reference.write(root) == [readme]
    assert chart_reference.stale(root) == []
    text = readme.read_text()
    # The hand-written text stays; the table row follows the schema.
    assert text.startswith(by_hand)
    assert "| `email` | string | `\"\"` | Where Let's Encrypt writes about expiry. |" in text


def test_a_chart_without_a_readme_gets_one(tmp_path: Path) -> None:
    root = tmp_path / "charts"
    shutil.copytree(REPO / "charts" / "sandbox" / "cert-manager", root / "cert-manager")
    (root / "cert-manager" / "README.md").unlink()
    assert chart_reference.write(root) == [root / "cert-manager" / "README.md"]
    text = (root / "cert-manager" / "README.md").read_text()
    assert text.startswith("# cert-manager\n")
    assert "| `crds.enabled` | boolean | `false` |" in text
