"""Octavia v2 (load balancers): the catalogue entry and the reads preflight makes."""

from .routes import SERVICE

__all__ = ["SERVICE"]
