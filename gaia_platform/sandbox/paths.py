"""Where the sandbox keeps its state and where built binaries are cached."""

import os
from pathlib import Path


def sandbox_dir() -> Path:
    """The sandbox's state directory (GAIA_SANDBOX_DIR overrides the XDG default)."""
    explicit = os.environ.get("GAIA_SANDBOX_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "gaia-platform" / "sandbox"


def cache_dir() -> Path:
    """Cache for expensive builds, shared by every sandbox (GAIA_CACHE_DIR overrides)."""
    explicit = os.environ.get("GAIA_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "gaia-platform"
