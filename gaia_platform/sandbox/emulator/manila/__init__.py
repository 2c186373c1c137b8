"""Manila (Shared File Systems API v2): share types, CephFS shares with microversions, access
rules with cephx keys, export locations, metadata, quotas and limits."""

from .routes import SERVICE

__all__ = ["SERVICE"]
