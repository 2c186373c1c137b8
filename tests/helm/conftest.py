"""The real helm binary and `helm template` of tests/charts, for checks of computed values
against what the charts render from them."""

from tests.charts.conftest import helm, render  # noqa: F401  (pytest fixtures)
