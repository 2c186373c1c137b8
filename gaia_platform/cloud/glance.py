"""Glance: images, looked up by name or id."""

from __future__ import annotations

from typing import Any


class Glance:
    def __init__(self, connection: Any) -> None:
        self.proxy = connection.image

    def find_image(self, name: str) -> Any | None:
        return self.proxy.find_image(name, ignore_missing=True)
