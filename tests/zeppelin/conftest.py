"""The chart fixtures (helm, rendering, Zeppelin's launcher per version) for these tests too."""

from tests.charts.conftest import helm, render, zeppelin_launcher

__all__ = ["helm", "render", "zeppelin_launcher"]
