"""The chart fixtures (helm, rendering) for these tests too."""

from tests.charts.conftest import helm, render

__all__ = ["helm", "render"]
