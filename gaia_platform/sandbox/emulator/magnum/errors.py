"""Magnum's error bodies.

Magnum wraps every error in ``{"errors": [...]}`` (magnum/api/middleware/parsable_error.py):
``request_id`` (always empty there), ``code`` (wsme's fault code lowercased: ``client`` for
4xx, ``server`` for 5xx), ``status``, ``title`` (the message up to its first full stop),
``detail`` (the message) and ``links``. Errors webob raises itself (routing, microversion checks)
reach that middleware with empty title and detail; we fill them in, which only adds information.

Two exceptions: the 406 for an unsupported microversion keeps its own body with the supported
range (magnum/api/http_error.py), and a 401 comes from keystonemiddleware, outside Magnum's
middleware, in Keystone's format.
"""

from __future__ import annotations

from typing import Any

from ..http import HTTP_TITLES, ApiError
from .versions import HELP_LINK, MAX_VERSION, MIN_VERSION, MicroversionUnsupported, text


def error_body(error: ApiError) -> dict[str, Any]:
    if error.status == 401:
        return {"error": {"code": 401, "title": "Unauthorized", "message": error.message}}
    if isinstance(error, MicroversionUnsupported):
        return {
            "errors": [
                {
                    "message": error.message,
                    "code": "magnum.microversion-unsupported",
                    "title": "Requested microversion is unsupported",
                    "links": [{"rel": "help", "href": HELP_LINK}],
                    "max_version": text(MAX_VERSION),
                    "min_version": text(MIN_VERSION),
                }
            ]
        }
    title = error.message.split(".", 1)[0] or HTTP_TITLES.get(error.status, "Error")
    return {
        "errors": [
            {
                "request_id": "",
                "code": "server" if error.status >= 500 else "client",
                "status": error.status,
                "title": title,
                "detail": error.message,
                "links": [],
            }
        ]
    }


def not_found(kind: str, ident: str) -> ApiError:
    """Magnum's *NotFound messages: ``Cluster x could not be found.`` and the like."""
    return ApiError(404, f"{kind} {ident} could not be found.")
