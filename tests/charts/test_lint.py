"""helm lint --strict on both charts, with their defaults and with every option on; and the
habits that keep values.yaml, its schema and its comments in step."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.charts.conftest import EXECUTOR, ZEPPELIN, run_helm

CHARTS = [ZEPPELIN, EXECUTOR]


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
@pytest.mark.parametrize("values", ["defaults", "ci/lint-values.yaml"])
def test_lint_strict(helm: Path, chart: Path, values: str) -> None:
    files = [] if values == "defaults" else [chart / values]
    result = run_helm(helm, "lint", "--strict", str(chart), files=files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_every_top_level_value_has_a_prose_comment(chart: Path) -> None:
    lines = (chart / "values.yaml").read_text().splitlines()
    keys = [(i, line.split(":")[0]) for i, line in enumerate(lines)
            if re.match(r"^[A-Za-z]\w*:", line)]
    assert keys
    for index, key in keys:
        comment: list[str] = []
        while index > 0 and lines[index - 1].startswith("#"):
            index -= 1
            comment.insert(0, lines[index].lstrip("# "))
        prose = " ".join(comment)
        assert len(prose.split()) >= 5, f"{chart.name}: no prose comment above {key}"


def _schema_paths(schema: dict[str, Any], root: dict[str, Any], prefix: str = "") -> set[str]:
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = {**root["definitions"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    paths: set[str] = set()
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        paths.add(path)
        paths |= _schema_paths(sub, root, path + ".")
    return paths


def _value_paths(values: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(values, dict):
        for key, sub in values.items():
            paths.add(f"{prefix}{key}")
            # Maps the user fills (labels, selectors, env) are open; their keys are data.
            if sub and not key.endswith(("Labels", "labels", "Selector", "Env", "annotations",
                                         "properties", "resources", "affinity")):
                paths |= _value_paths(sub, f"{prefix}{key}.")
    return paths


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_schema_knows_every_value_and_values_show_every_schema_key(chart: Path) -> None:
    schema = json.loads((chart / "values.schema.json").read_text())
    values = yaml.safe_load((chart / "values.yaml").read_text())
    in_schema, in_values = _schema_paths(schema, schema), _value_paths(values)
    assert in_values <= in_schema, f"values without schema: {sorted(in_values - in_schema)}"
    # Sub-keys of open maps (resources.requests, affinity.nodeAffinity) need not be shown.
    documented = {p for p in in_schema if not re.search(
        r"\.(requests|limits|nodeAffinity|podAffinity|podAntiAffinity)$", p)}
    assert documented <= in_values, f"schema keys not in values.yaml: {documented - in_values}"


def _closed(schema: Any, where: str = "$") -> list[str]:
    """Objects with named properties that would accept unknown keys, anywhere in the schema."""
    if not isinstance(schema, dict):
        return []
    problems: list[str] = []
    if "properties" in schema:
        if schema.get("additionalProperties") is not False:
            problems.append(where)
        for key, sub in schema["properties"].items():
            problems += _closed(sub, f"{where}.{key}")
    for keyword in ("items", "additionalProperties"):
        problems += _closed(schema.get(keyword), f"{where}[{keyword}]")
    for keyword in ("anyOf", "allOf", "oneOf"):
        for index, sub in enumerate(schema.get(keyword) or []):
            problems += _closed(sub, f"{where}.{keyword}[{index}]")
    for name, sub in (schema.get("definitions") or {}).items():
        problems += _closed(sub, f"#/definitions/{name}")
    return problems


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_schema_closes_every_object(chart: Path) -> None:
    schema = json.loads((chart / "values.schema.json").read_text())
    assert _closed(schema) == []


def _ref_siblings(schema: Any, where: str = "$") -> list[str]:
    """Nodes that put a constraint beside "$ref": draft-07, which helm validates by, ignores
    every keyword next to "$ref", so such a constraint never runs."""
    if isinstance(schema, list):
        return [hit for index, sub in enumerate(schema)
                for hit in _ref_siblings(sub, f"{where}[{index}]")]
    if not isinstance(schema, dict):
        return []
    hits = [where] if "$ref" in schema and set(schema) - {"$ref", "description"} else []
    return hits + [hit for key, sub in schema.items()
                   for hit in _ref_siblings(sub, f"{where}.{key}")]


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_no_constraint_sits_beside_a_ref(chart: Path) -> None:
    assert _ref_siblings(json.loads((chart / "values.schema.json").read_text())) == []


@pytest.mark.parametrize(("chart", "values"), [
    (ZEPPELIN, {"networkPolicy": {"executorPodLabels": {
        "app.kubernetes.io/name": None, "app.kubernetes.io/component": None}}}),
    (EXECUTOR, {"driver": {"podLabels": {
        "app.kubernetes.io/name": None, "app.kubernetes.io/component": None}}}),
], ids=["zeppelin", "spark-executor"])
def test_an_empty_peer_selector_is_refused(helm: Path, chart: Path,
                                           values: dict[str, Any]) -> None:
    # Empty, the labels would render `podSelector: {matchLabels: {}}`, which admits every pod
    # of the namespace to the other side's pods. (null removes a default key in helm.)
    result = run_helm(helm, "template", "gaia", str(chart), values=values)
    assert result.returncode != 0
    assert "minProperties" in result.stderr
