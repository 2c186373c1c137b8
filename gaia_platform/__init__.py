"""gaia-platform: stands up the Gaia data-analysis service on an OpenStack cloud."""

__version__ = "0.1.0"
