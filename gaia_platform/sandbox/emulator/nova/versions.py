"""Nova's version documents and microversion negotiation.

The compute API is at v2.1 with microversions 2.1 to 2.100 (the 2025.1/2025.2 releases; the
newest openstacksdk asks for at most 2.100, for servers). A request names its microversion in
``OpenStack-API-Version: compute 2.x`` or the legacy ``X-OpenStack-Nova-API-Version: 2.x``
header; none means 2.1, ``latest`` the maximum. A malformed version is 400, one outside the range
406, and every versioned response echoes the version in both headers plus ``Vary``
(https://docs.openstack.org/api-guide/compute/microversions.html; nova/api/openstack/wsgi.py).
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request

from ..http import ApiError

MIN_VERSION = "2.1"
MAX_VERSION = "2.100"
HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def parse(version: str) -> tuple[int, int]:
    match = _FORMAT.match(version)
    if match is None:
        raise ApiError(400, f"API Version String {version} is of invalid format. Must be of "
                            "format MajorNum.MinorNum.")
    return int(match.group(1)), int(match.group(2))


def at_least(version: str | None, wanted: str) -> bool:
    return parse(version or MIN_VERSION) >= parse(wanted)


def _requested(request: Request) -> str | None:
    # microversion_parse: the service-specific entry of the new header wins over the legacy one.
    for value in request.headers.getlist(HEADER):
        for part in value.split(","):
            words = part.strip().split()
            if len(words) == 2 and words[0].lower() == "compute":
                return words[1]
    legacy = request.headers.get(LEGACY_HEADER)
    return legacy.strip() if legacy else None


def version_headers(version: str) -> dict[str, str]:
    return {HEADER: f"compute {version}", LEGACY_HEADER: version,
            "Vary": f"{HEADER}, {LEGACY_HEADER}"}


def negotiate(request: Request) -> tuple[str | None, dict[str, str]]:
    """The Service.negotiate hook."""
    wanted = _requested(request)
    if wanted is None:
        version = MIN_VERSION
    elif wanted.lower() == "latest":
        version = MAX_VERSION
    else:
        parsed = parse(wanted)
        if not parse(MIN_VERSION) <= parsed <= parse(MAX_VERSION):
            raise ApiError(406, f"Version {wanted} is not supported by the API. Minimum is "
                                f"{MIN_VERSION} and maximum is {MAX_VERSION}.")
        version = f"{parsed[0]}.{parsed[1]}"
    return version, version_headers(version)


# -- discovery documents (nova/api/openstack/compute/versions.py) ------------------------------
_MEDIA_TYPES = [{"base": "application/json",
                 "type": "application/vnd.openstack.compute+json;version=2.1"}]
_DESCRIBED_BY = {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}


def _v21(root: str) -> dict[str, Any]:
    return {"id": "v2.1", "status": "CURRENT", "version": MAX_VERSION,
            "min_version": MIN_VERSION, "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{root}/v2.1/"}]}


def _v20(root: str) -> dict[str, Any]:
    return {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
            "updated": "2025-07-04T12:00:00Z", "links": [{"rel": "self", "href": f"{root}/v2/"}]}


def versions_document(root: str) -> dict[str, Any]:
    return {"versions": [_v20(root), _v21(root)]}


def version_document(root: str) -> dict[str, Any]:
    v21 = _v21(root)
    v21["links"] = [*v21["links"], _DESCRIBED_BY]
    v21["media-types"] = _MEDIA_TYPES
    return {"version": v21}
