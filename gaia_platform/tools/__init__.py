"""Developer tools run from the repository (``python -m gaia_platform.tools.<name>``)."""
