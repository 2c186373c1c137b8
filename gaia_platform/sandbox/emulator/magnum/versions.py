"""Magnum's API versions: the discovery documents and microversion negotiation.

Follows magnum/api/controllers/versions.py, v1/__init__.py (``Controller._route``) and root.py
at magnum master (2026): microversions 1.1 to 1.14, asked for with
``OpenStack-API-Version: container-infra 1.x`` (any of the service type's aliases), ``latest``
meaning 1.14, no header meaning 1.1. Every response under /v1 names the minimum, maximum and
chosen version; the root document (``GET /``) is outside the v1 controller and carries none.
Since June 2025 Magnum names itself ``container-infrastructure-management`` in these headers
(commit a44de555); older releases said ``container-infra``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from ..http import ApiError

PREFIX = "/container-infra"
MIN_VERSION = (1, 1)
MAX_VERSION = (1, 14)
SERVICE_TYPES = ("container-infrastructure-management", "container-infrastructure",
                 "container-infra")
SERVICE_TYPE = SERVICE_TYPES[0]
HEADER = "OpenStack-API-Version"
MIN_HEADER = "OpenStack-API-Minimum-Version"
MAX_HEADER = "OpenStack-API-Maximum-Version"
HELP_LINK = "http://docs.openstack.org/api-guide/compute/microversions.html"

Version = tuple[int, int]


def text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def parse(value: str) -> Version:
    major, minor = value.split(".")
    return int(major), int(minor)


class MicroversionUnsupported(ApiError):
    """406 for a well-formed but unsupported version: Magnum's HTTPNotAcceptableAPIVersion,
    whose body carries the supported range instead of the usual error fields."""


def _bounds_headers(chosen: str) -> dict[str, str]:
    return {
        MIN_HEADER: f"{SERVICE_TYPE} {text(MIN_VERSION)}",
        MAX_HEADER: f"{SERVICE_TYPE} {text(MAX_VERSION)}",
        HEADER: f"{SERVICE_TYPE} {chosen}",
        "Vary": HEADER,
    }


def negotiate(request: Request) -> tuple[str | None, dict[str, str]]:
    """The version a request asks for, and the headers every v1 response carries."""
    if request.path.rstrip("/") == PREFIX:
        return None, {}
    asked = request.headers.get(HEADER, f"{SERVICE_TYPE} {text(MIN_VERSION)}")
    words = asked.split()
    if len(words) != 2:
        raise ApiError(406, f"Invalid service type for {HEADER} header")
    service, number = words
    if number.lower() == "latest":
        service, number = SERVICE_TYPE, text(MAX_VERSION)
    if service not in SERVICE_TYPES:
        raise ApiError(406, f"Invalid service type for {HEADER} header")
    try:
        version = parse(number)
    except ValueError:
        raise ApiError(406, f"Invalid value for {HEADER} header") from None
    headers = _bounds_headers(text(version))
    supported = (f"[{SERVICE_TYPE} {text(MIN_VERSION)}, "
                 f"{SERVICE_TYPE} {text(MAX_VERSION)}]")
    if version[0] != MAX_VERSION[0]:
        raise MicroversionUnsupported(
            406,
            f"Mutually exclusive versions requested. Version {text(version)} requested but not "
            f"supported by this service.The supported version range is: {supported}.",
            headers,
        )
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise MicroversionUnsupported(
            406,
            f"Version {text(version)} was requested but the minor version is not supported by "
            f"this service. The supported version range is: {supported}.",
            headers,
        )
    return text(version), headers


def require(microversion: str | None, minimum: str, api: str) -> None:
    """Refuse an API that the requested microversion predates (Controller.api_version)."""
    asked = parse(microversion or text(MIN_VERSION))
    if asked < parse(minimum):
        raise ApiError(406, f"Version {text(asked)} was requested but the requested API {api} "
                            "is not supported for this version.")


def at_least(microversion: str | None, minimum: str) -> bool:
    return parse(microversion or text(MIN_VERSION)) >= parse(minimum)


def _link(rel: str, href: str, **extra: str) -> dict[str, str]:
    return {"href": href, "rel": rel, **extra}


def root_document(app_url: str) -> dict[str, Any]:
    return {
        "name": "OpenStack Magnum API",
        "description": "Magnum is an OpenStack project which aims to provide container "
                       "cluster management.",
        "versions": [
            {
                "id": "v1",
                "links": [_link("self", f"{app_url}/v1/")],
                "status": "CURRENT",
                "max_version": text(MAX_VERSION),
                "min_version": text(MIN_VERSION),
            }
        ],
    }


def v1_document(app_url: str) -> dict[str, Any]:
    def pair(resource: str) -> list[dict[str, str]]:
        return [_link("self", f"{app_url}/v1/{resource}/"),
                _link("bookmark", f"{app_url}/{resource}/")]

    document: dict[str, Any] = {
        "id": "v1",
        "links": [
            _link("self", f"{app_url}/v1/"),
            _link("describedby",
                  "http://docs.openstack.org/developer/magnum/dev/api-spec-v1.html",
                  type="text/html"),
        ],
        "media_types": [
            {"base": "application/json", "type": "application/vnd.openstack.magnum.v1+json"}
        ],
    }
    for resource in ("clustertemplates", "clusters", "quotas", "certificates", "mservices",
                     "stats", "federations", "credentials"):
        document[resource] = pair(resource)
    document["nodegroups"] = [
        _link("self", f"{app_url}/v1/clusters/{{cluster_id}}/nodegroups"),
        _link("bookmark", f"{app_url}/clusters/{{cluster_id}}/nodegroups"),
    ]
    return document
