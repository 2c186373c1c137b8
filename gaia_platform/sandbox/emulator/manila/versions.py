"""Manila's API microversions: the header, the supported range, the discovery documents.

Behaviour follows manila/api/openstack/wsgi.py (``Request.set_api_version_request`` and
``Resource.__call__``) and the api-ref "API versions" page
(https://docs.openstack.org/api-ref/shared-file-system/#api-versions):

* only ``X-OpenStack-Manila-API-Version`` is read. Manila ignores the standard
  ``OpenStack-API-Version`` header (keystoneauth sends both, see its session.py);
* no header means the minimum, 2.0;
* a malformed version ("2", "2.01", "latest") is 400 Bad Request;
* a well-formed version outside [min, max] is 406 Not Acceptable, and that answer already
  carries the requested version in the response header;
* requests outside ``/v2`` (the unversioned root) are not versioned at all.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request

from ..http import ApiError

HEADER = "X-OpenStack-Manila-API-Version"
MIN_VERSION = "2.0"
# 2.87 (export location metadata) is the 2025.1 "Epoxy" maximum; python-manilaclient 6.3
# (max 2.98) and openstacksdk negotiate down to it from the discovery document.
MAX_VERSION = "2.87"
UPDATED = "2015-08-27T11:33:21Z"

_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")

Version = tuple[int, int]


def parse(text: str) -> Version:
    match = _FORMAT.match(text)
    if not match:
        raise ApiError(
            400,
            f"API Version String {text} is of invalid format. Must be of format "
            "MajorNum.MinorNum.",
        )
    return int(match.group(1)), int(match.group(2))


def as_text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def negotiate(prefix: str, request: Request) -> tuple[str | None, dict[str, str]]:
    """The Service.negotiate hook: the request's microversion and the headers that echo it."""
    path = request.path[len(prefix):]
    if not (path == "/v2" or path.startswith("/v2/")):
        return None, {}
    header = request.headers.get(HEADER)
    version = parse(header.strip()) if header else parse(MIN_VERSION)
    text = as_text(version)
    headers = {HEADER: text, "Vary": HEADER}
    if not parse(MIN_VERSION) <= version <= parse(MAX_VERSION):
        raise ApiError(
            406,
            f"Version {text} is not supported by the API. Minimum is {MIN_VERSION} and "
            f"maximum is {MAX_VERSION}.",
            headers,
        )
    return text, headers


def document(base_url: str) -> dict[str, Any]:
    """The one version Manila lists (manila/api/versions.py, _KNOWN_VERSIONS)."""
    return {
        "id": "v2.0",
        "status": "CURRENT",
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": UPDATED,
        "links": [
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
            {"rel": "self", "href": f"{base_url}/v2/"},
        ],
        "media-types": [
            {"base": "application/json",
             "type": "application/vnd.openstack.share+json;version=1"}
        ],
    }
