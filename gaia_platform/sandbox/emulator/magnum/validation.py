"""Request-body checks as Magnum's wsme types make them, with wsme's messages.

Magnum declares each body as a wsme type (StringType with lengths and patterns, IntegerType with
a minimum, Enum, DictType for labels); wsme answers 400 ``Invalid input for field/attribute
<name>. Value: '<v>'. <why>`` and ``Unknown attribute for argument <arg>: <names>``.
Labels are stored as strings whatever JSON type they came in (DictOfStringsField).
"""

from __future__ import annotations

import ast
import re
import uuid
from dataclasses import dataclass
from typing import Any

from ..http import ApiError

TRUE_WORDS = {"1", "t", "true", "on", "y", "yes"}
FALSE_WORDS = {"0", "f", "false", "off", "n", "no"}


@dataclass(frozen=True)
class Field:
    kind: str  # string, integer, boolean, labels/string_map, string_list, taints, choice
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    mandatory: bool = False


def invalid(name: str, value: Any, why: str) -> ApiError:
    return ApiError(400, f"Invalid input for field/attribute {name}. Value: '{value}'. {why}")


def label_text(value: Any) -> str:
    """A label value as Magnum stores it (oslo's string coercion of bool/int/float)."""
    return str(value)


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise invalid(name, value, "Wrong type. Expected 'bool', got 'str'"
                  if isinstance(value, str) else "Wrong type. Expected a boolean")


def _integer(name: str, field: Field, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid(name, value, f"Wrong type. Expected 'int', got '{type(value).__name__}'")
    try:
        number = int(value)
    except ValueError:
        raise invalid(name, value, "Wrong type. Expected 'int', got 'str'") from None
    if field.minimum is not None and number < field.minimum:
        raise invalid(name, value, f"Value should be greater or equal to {field.minimum}")
    if field.maximum is not None and number > field.maximum:
        raise invalid(name, value, f"Value should be lower or equal to {field.maximum}")
    return number


def _string(name: str, field: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(name, value, f"Wrong type. Expected 'str', got '{type(value).__name__}'")
    if field.minimum is not None and len(value) < field.minimum:
        raise invalid(name, value, f"Value should have a minimum character requirement of "
                                   f"{field.minimum}")
    if field.maximum is not None and len(value) > field.maximum:
        raise invalid(name, value, f"Value should have a maximum character requirement of "
                                   f"{field.maximum}")
    if field.pattern is not None and not re.match(field.pattern, value):
        raise invalid(name, value, f"Value should match the pattern {field.pattern}")
    return value


def _labels(name: str, value: Any) -> dict[str, str]:
    if isinstance(value, str):
        # Magnum's JSON patch accepts labels written as a Python/JSON dict literal.
        try:
            value = ast.literal_eval(value)
        except (SyntaxError, ValueError):
            raise invalid(name, value, "Wrong type. Expected a dict") from None
    if not isinstance(value, dict):
        raise invalid(name, value, f"Wrong type. Expected 'dict', got '{type(value).__name__}'")
    labels: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, (str, int, float, bool)):
            raise invalid(name, value, f"Wrong type for the value of label '{key}'")
        labels[str(key)] = label_text(item)
    return labels


def _string_list(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(name, value, "Wrong type. Expected a list of strings")
    return list(value)


def _taints(name: str, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise invalid(name, value, "Wrong type. Expected a list of objects")
    return [{str(k): str(v) for k, v in taint.items()} for taint in value]


def check(name: str, field: Field, value: Any) -> Any:
    if field.kind == "string":
        return _string(name, field, value)
    if field.kind == "integer":
        return _integer(name, field, value)
    if field.kind == "boolean":
        return _boolean(name, value)
    if field.kind in ("labels", "string_map"):
        return _labels(name, value)
    if field.kind == "string_list":
        return _string_list(name, value)
    if field.kind == "taints":
        return _taints(name, value)
    if field.kind == "choice":
        if value not in field.choices:
            raise invalid(name, value, f"Value should be one of: {', '.join(field.choices)}")
        return value
    raise AssertionError(f"unknown field kind {field.kind}")


def parse_body(
    body: Any,
    argument: str,
    fields: dict[str, Field],
    ignored: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The body's known fields, checked and coerced; ``ignored`` ones are accepted and dropped.

    Absent and null fields are left out of the result: callers apply their own defaults.
    """
    if not isinstance(body, dict):
        raise ApiError(400, f"Invalid input for field/attribute {argument}. "
                            f"Value: '{body}'. Expected a JSON object")
    unknown = sorted(key for key in body if key not in fields and key not in ignored)
    if unknown:
        raise ApiError(400, f"Unknown attribute for argument {argument}: {', '.join(unknown)}")
    result: dict[str, Any] = {}
    for name, field in fields.items():
        value = body.get(name)
        if value is None:
            if field.mandatory:
                raise invalid(name, value, "Mandatory field missing.")
            continue
        result[name] = check(name, field, value)
    return result


def is_uuid_like(value: str) -> bool:
    """oslo_utils.uuidutils.is_uuid_like: any spelling ``uuid.UUID`` parses back to itself."""
    try:
        return str(uuid.UUID(value)).replace("-", "") == value.replace("-", "").lower()
    except (TypeError, ValueError, AttributeError):
        return False
