"""JSON patch (RFC 6902 add/replace/remove) as Magnum's PATCH endpoints take it.

Magnum checks each operation (magnum/api/controllers/v1/types.py ``JsonPatchType``): the path
matches ``^(/[\\w-]+)+$``, ``op`` is add, replace or remove, add/replace carry a value, internal
attributes cannot be touched and mandatory ones not removed; then applies the patch with the
jsonpatch library (magnum/api/utils.py ``apply_jsonpatch``), where adding an attribute that is
already set is refused. Failures are 400s.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..http import ApiError

PATH = re.compile(r"^(/[\w-]+)+$")
BASE_INTERNAL = ("/created_at", "/id", "/links", "/updated_at", "/uuid", "/project_id",
                 "/user_id")


def _client_error(message: str) -> ApiError:
    return ApiError(400, message)


def check_operations(
    patch: Any, internal: tuple[str, ...], non_removable: frozenset[str]
) -> list[dict[str, Any]]:
    if not isinstance(patch, list):
        raise _client_error("Invalid input for field/attribute patch. Value: "
                            f"'{patch}'. Wrong type. Expected a list of patch operations")
    operations = []
    for item in patch:
        if not isinstance(item, dict):
            raise _client_error(f"Invalid patch operation: {item}")
        path, op = item.get("path"), item.get("op")
        if not isinstance(path, str) or not PATH.match(path):
            raise _client_error(f"Invalid input for field/attribute path. Value: '{path}'. "
                                f"Value should match the pattern {PATH.pattern}")
        if op not in ("add", "replace", "remove"):
            raise _client_error(f"Invalid input for field/attribute op. Value: '{op}'. "
                                "Value should be one of: add, replace, remove")
        if path in BASE_INTERNAL + internal:
            raise _client_error(f"'{path}' is an internal attribute and can not be updated")
        if path in non_removable and op == "remove":
            raise _client_error(f"'{path}' is a mandatory attribute and can not be removed")
        if op != "remove" and item.get("value") is None:
            raise _client_error("'add' and 'replace' operations needs value")
        operations.append({"op": op, "path": path, "value": item.get("value")})
    return operations


def apply(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A patched copy of ``document``; raises 400 as Magnum's PatchError would."""
    result = copy.deepcopy(document)
    for operation in operations:
        op, path, value = operation["op"], operation["path"], operation["value"]
        parts = path.lstrip("/").split("/")
        if op == "add" and len(parts) == 1:
            if parts[0] not in result:
                raise _client_error(f"Adding a new attribute {path} to the root of the "
                                    "resource is not allowed.")
            if result[parts[0]] is not None:
                raise _client_error(f"The attribute {path} has existed, please use "
                                    "'replace' operation instead.")
        parent: Any = result
        for part in parts[:-1]:
            if not isinstance(parent, dict) or not isinstance(parent.get(part), dict):
                raise _patch_error(operations, f"member '{part}' not found in {parent}")
            parent = parent[part]
        last = parts[-1]
        if not isinstance(parent, dict):
            raise _patch_error(operations, f"cannot patch {path}")
        if op in ("replace", "remove") and last not in parent:
            raise _patch_error(operations, f"can't {op} a non-existent object '{last}'")
        if op == "remove":
            # Removing a top-level attribute resets it (Magnum stores None); nested keys go.
            if len(parts) == 1:
                parent[last] = None
            else:
                del parent[last]
        else:
            parent[last] = value
    return result


def _patch_error(operations: list[dict[str, Any]], reason: str) -> ApiError:
    return ApiError(400, f"Couldn't apply patch '{operations}'. Reason: {reason}")
