"""The chart fixtures (helm, rendering) for these tests too; Zeppelin's launcher per version
is the session's (tests/conftest.py)."""

from tests.charts.conftest import helm, render

__all__ = ["helm", "render"]
