"""Metadata validation shared by shares and access rules (manila/api/common.py,
check_metadata_properties): keys 1-255 characters, values 1-1023, both strings."""

from __future__ import annotations

from typing import Any

from ..http import ApiError


def check_metadata(metadata: Any) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ApiError(400, "Malformed request body")
    for key, value in metadata.items():
        if not isinstance(value, str) and value is not None:
            raise ApiError(400, "Malformed request body")
        if not key:
            raise ApiError(400, "Metadata property key is blank.")
        if len(key) > 255:
            raise ApiError(400, "Metadata property key is greater than 255 characters.")
        if not value:
            raise ApiError(400, "Metadata property value is blank.")
        if len(value) > 1023:
            raise ApiError(400, "Metadata property value is greater than 1023 characters.")
    return dict(metadata)
