"""Keystone v3: tokens (password, application_credential), catalog, application credentials."""

from .routes import SERVICE

__all__ = ["SERVICE"]
