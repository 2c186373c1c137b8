"""The values reference in each chart's README.md, generated from its values.schema.json
(descriptions, types) and values.yaml (defaults), in the Zero-to-JupyterHub manner: the schema
is the one place a value is documented.

    python -m gaia_platform.tools.chart_reference          # rewrite the references
    python -m gaia_platform.tools.chart_reference --check  # exit 1 if one is not current

The reference sits between BEGIN and END in the README; the text around it is by hand.
tests/charts/test_reference.py runs the check, so CI fails on a stale README.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

CHARTS_DIR = Path(__file__).resolve().parents[2] / "charts"
BEGIN = ("<!-- values reference: generated from values.schema.json by "
         "`python -m gaia_platform.tools.chart_reference`; do not edit by hand -->")
END = "<!-- end of values reference -->"
_MISSING = object()


def charts(root: Path = CHARTS_DIR) -> list[Path]:
    """Every chart directory under ``root`` (the sandbox stand-ins included)."""
    return sorted(path.parent for path in root.rglob("Chart.yaml"))


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A definition reference (``#/definitions/x``) merged with the node's own keywords."""
    ref = node.get("$ref", "")
    if not ref.startswith("#/definitions/"):
        return node
    target = _resolve(schema["definitions"][ref.rsplit("/", 1)[1]], schema)
    return {**target, **{key: value for key, value in node.items() if key != "$ref"}}


def _type(node: dict[str, Any], schema: dict[str, Any]) -> str:
    node = _resolve(node, schema)
    if "$ref" in node:  # another value's shape, e.g. "#/properties/shares"
        return "same as `" + str(node["$ref"]).removeprefix("#/properties/") + "`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(value)}`" for value in node["enum"])
    if "anyOf" in node:
        return " or ".join(dict.fromkeys(
            "empty string" if alt.get("maxLength") == 0 else _type(alt, schema)
            for alt in node["anyOf"]))
    kinds = node.get("type", "")
    return " or ".join(kinds) if isinstance(kinds, list) else str(kinds)


def _rows(node: dict[str, Any], schema: dict[str, Any], defaults: Any,
          prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
    node = _resolve(node, schema)
    for key, sub in (node.get("properties") or {}).items():
        path = f"{prefix}{key}"
        resolved = _resolve(sub, schema)
        default = defaults.get(key, _MISSING) if isinstance(defaults, dict) else _MISSING
        nested = "properties" in resolved
        shown = "" if default is _MISSING or nested else (
            f"`{json.dumps(default, separators=(', ', ': '))}`")
        text = sub.get("description") or resolved.get("description", "")
        description = " ".join(str(text).split()).replace("|", r"\|")
        yield f"`{path}`", _type(sub, schema), shown, description
        if nested:
            yield from _rows(resolved, schema, default, f"{path}.")
        items = resolved.get("items")
        if isinstance(items, dict) and "properties" in _resolve(items, schema):
            yield from _rows(items, schema, _MISSING, f"{path}[].")


def reference(chart: Path) -> str:
    """The Markdown reference of one chart's values, markers included."""
    schema = json.loads((chart / "values.schema.json").read_text())
    defaults = yaml.safe_load((chart / "values.yaml").read_text()) or {}
    lines = [BEGIN, "", "| Value | Type | Default | Description |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(schema, schema, defaults)]
    return "\n".join([*lines, "", END])


def _current(chart: Path) -> str:
    """The README as it should be: its hand-written text around a fresh reference (a README or
    marker pair that is missing is added, under a "Values" heading)."""
    readme = chart / "README.md"
    text = readme.read_text() if readme.is_file() else ""
    if BEGIN not in text or END not in text:
        if not text:
            meta = yaml.safe_load((chart / "Chart.yaml").read_text())
            text = f"# {meta['name']}\n\n{meta.get('description', '').strip()}\n"
        return f"{text.rstrip()}\n\n## Values\n\n{reference(chart)}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + reference(chart) + tail


def stale(root: Path = CHARTS_DIR) -> list[Path]:
    """READMEs whose reference is missing or differs from the schema's."""
    return [chart / "README.md" for chart in charts(root)
            if not (chart / "README.md").is_file()
            or (chart / "README.md").read_text() != _current(chart)]


def write(root: Path = CHARTS_DIR) -> list[Path]:
    """Rewrites every stale README; returns them."""
    changed = stale(root)
    for readme in changed:
        readme.write_text(_current(readme.parent))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only report READMEs whose reference is not current (exit 1)")
    args = parser.parse_args(argv)
    if args.check:
        for readme in stale():
            print(f"{readme}: values reference is not current; run "
                  "python -m gaia_platform.tools.chart_reference", file=sys.stderr)
        return 1 if stale() else 0
    for readme in write():
        print(f"wrote {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
