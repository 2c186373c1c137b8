"""Glance v2 HTTP routes (https://docs.openstack.org/api-ref/image/v2/).

Version discovery (``GET /`` answers 300, ``GET /versions`` 200), image list with filters and
marker pagination, show, create (metadata only) and delete. Errors are webob's JSON faults:
``{"message": ..., "code": "404 Not Found", "title": "Not Found"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from ..http import HTTP_TITLES, ApiError, Call, Service, json_response, public
from ..store import Record
from .models import GlanceBackend

PREFIX = "/image"
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
# Glance's version list when no image cache is configured (glance/api/versions.py).
VERSIONS = [("2.15", "SUPPORTED"), ("2.9", "SUPPORTED"), ("2.17", "CURRENT"),
            ("2.7", "SUPPORTED"), ("2.6", "SUPPORTED"), ("2.5", "SUPPORTED"),
            ("2.4", "SUPPORTED"), ("2.3", "SUPPORTED"), ("2.2", "SUPPORTED"),
            ("2.1", "SUPPORTED"), ("2.0", "SUPPORTED")]
NOT_PROPERTIES = {"limit", "marker", "sort_key", "sort_dir", "sort", "member_status",
                  "visibility", "os_hidden", "tag", "size_min", "size_max", "created_at",
                  "updated_at"}
# webob's explanations, which lead every fault message
EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
}


def _backend(call: Call) -> GlanceBackend:
    backend: GlanceBackend = call.state.backends["glance"]
    return backend


def error_body(error: ApiError) -> dict[str, Any]:
    title = HTTP_TITLES.get(error.status, "Error")
    explanation = EXPLANATIONS.get(error.status, "")
    message = f"{explanation}<br /><br />\n{error.message}\n\n" if explanation else error.message
    return {"message": message, "code": f"{error.status} {title}", "title": title}


def _versions(call: Call) -> dict[str, Any]:
    href = f"{call.state.config.base_url}{PREFIX}/v2/"
    return {"versions": [{"id": f"v{number}", "status": status,
                          "links": [{"rel": "self", "href": href}]}
                         for number, status in VERSIONS]}


@public
def root(call: Call) -> Response:
    return json_response(_versions(call), 300)


@public
def versions(call: Call) -> Response:
    return json_response(_versions(call))


def _matches(image: Record, key: str, wanted: str) -> bool:
    value = image.get(key)
    if wanted.startswith("in:"):
        return str(value) in [w.strip('"') for w in wanted[3:].split(",")]
    if isinstance(value, bool):
        return wanted.lower() == str(value).lower()
    return value is not None and str(value) == wanted


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _time_filter(key: str, expression: str) -> tuple[str, datetime]:
    """``created_at=gte:2026-11-30T12:00:00Z``: glance/common/utils.py split_filter_op (a bare
    ISO time means eq) and glance/db/sqlalchemy/api.py _make_conditions_from_filters."""
    try:
        return "eq", _parse_time(expression)
    except ValueError:
        pass
    operator, colon, threshold = expression.partition(":")
    if not colon:
        operator, threshold = "eq", expression
    try:
        moment = _parse_time(threshold)
    except ValueError:
        raise ApiError(400, f'Bad "{key}" query filter format. Use ISO 8601 DateTime '
                            "notation.") from None
    if operator not in _OPERATORS:
        raise ApiError(400, "Unable to filter on a unknown operator.")
    return operator, moment


# glance/common/utils.py evaluate_filter_op
_OPERATORS: dict[str, Callable[[datetime, datetime], bool]] = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
    "neq": lambda a, b: a != b, "eq": lambda a, b: a == b,
}


def _compare(value: datetime, operator: str, threshold: datetime) -> bool:
    return bool(_OPERATORS[operator](value, threshold))


def _filtered(call: Call) -> list[Record]:
    args = call.request.args
    visibility = args.get("visibility")
    hidden = args.get("os_hidden", "false").lower() == "true"
    images = [i for i in _backend(call).images.values()
              if _backend(call).visible(i, call.project_id) and bool(i["os_hidden"]) == hidden]
    if visibility is None:
        images = [i for i in images if i["visibility"] != "community"]
    elif visibility != "all":
        images = [i for i in images if i["visibility"] == visibility]
    for key in args:
        if key in NOT_PROPERTIES:
            continue
        images = [i for i in images if _matches(i, key, args[key])]
    tags = args.getlist("tag")
    images = [i for i in images if set(tags) <= set(i["tags"])]
    for key in ("created_at", "updated_at"):
        if args.get(key):
            operator, threshold = _time_filter(key, args[key])
            images = [i for i in images if _compare(_parse_time(i[key]), operator, threshold)]
    for key, sign in (("size_min", 1), ("size_max", -1)):
        if args.get(key):
            try:
                bound = int(args[key])
            except ValueError:
                raise ApiError(400, f"Unable to filter on a range with a non-numeric value: "
                                    f"{key}={args[key]}") from None
            images = [i for i in images
                      if i["size"] is not None and sign * (i["size"] - bound) >= 0]
    return _sorted(images, args)


# glance/api/v2/images.py RequestDeserializer: _available_sort_keys, _default_sort_key/_dir.
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at",
             "updated_at")


def _sort_params(args: Any) -> tuple[list[str], list[str]]:
    """_get_sorting_params: ``sort=name:asc,size`` or repeated ``sort_key``/``sort_dir``."""
    keys: list[str] = []
    dirs: list[str] = []
    if "sort" in args:
        if "sort_key" in args or "sort_dir" in args:
            raise ApiError(400, "Old and new sorting syntax cannot be combined")
        for part in args["sort"].strip().split(","):
            key, _, direction = part.partition(":")
            keys.append(key.strip())
            dirs.append(direction.strip() or "desc")
    else:
        keys = [k.strip() for k in args.getlist("sort_key")]
        dirs = [d.strip() for d in args.getlist("sort_dir")]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise ApiError(400, "Number of sort dirs does not match the number of sort keys")
    for key in keys:
        if key not in SORT_KEYS:
            raise ApiError(400, f"Invalid sort key: {key}. It must be one of the following: "
                                f"{', '.join(SORT_KEYS)}.")
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise ApiError(400, f"Invalid sort direction: {direction}")
    return keys or ["created_at"], dirs


def _sorted(images: list[Record], args: Any) -> list[Record]:
    """glance/db/sqlalchemy/api.py _image_get_all: one direction applies to every key, and
    created_at then id always end the order (in the default direction)."""
    keys, dirs = _sort_params(args)
    default = dirs[0] if len(dirs) == 1 else "desc"
    dirs = dirs * len(keys) if len(dirs) == 1 else (dirs or [default] * len(keys))
    for key in ("created_at", "id"):
        if key not in keys:
            keys.append(key)
            dirs.append(default)
    ordered = list(images)
    for key, direction in reversed(list(zip(keys, dirs, strict=True))):
        ordered.sort(key=lambda image: (image.get(key) is not None, image.get(key) or 0
                                        if key == "size" else str(image.get(key) or "")),
                     reverse=direction == "desc")
    return ordered


def list_images(call: Call) -> Response:
    args = call.request.args
    images = _filtered(call)
    marker = args.get("marker")
    if marker:
        ids = [i["id"] for i in images]
        if marker not in ids:
            raise ApiError(400, f"No image found with ID {marker}")
        images = images[ids.index(marker) + 1:]
    try:
        limit = int(args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise ApiError(400, "limit param must be an integer") from None
    if limit < 0:
        raise ApiError(400, "limit param must be positive")
    limit = min(limit, MAX_LIMIT)
    page = images[:limit]
    params = {k: v for k, v in args.items() if k != "marker"}
    body: dict[str, Any] = {
        "images": [GlanceBackend.view(i) for i in page],
        "first": "/v2/images" + (f"?{urlencode(params)}" if params else ""),
        "schema": "/v2/schemas/images",
    }
    if page and len(page) == limit:
        body["next"] = "/v2/images?" + urlencode({**params, "marker": page[-1]["id"]})
    return json_response(body)


def create_image(call: Call) -> Response:
    body = call.body()
    if not isinstance(body, dict):
        raise ApiError(400, "Body expected in request.")
    image = _backend(call).create(call.project_id, body)
    return json_response(GlanceBackend.view(image), 201,
                         {"Location": f"{call.state.config.base_url}{PREFIX}{image['self']}"})


def image(call: Call, image_id: str) -> Response:
    backend = _backend(call)
    if call.request.method == "DELETE":
        backend.delete(call.project_id, image_id)
        return Response(status=204)
    return json_response(GlanceBackend.view(backend.get(call.project_id, image_id)))


SERVICE = Service(
    name="glance",
    prefix=PREFIX,
    error_body=error_body,
    rules=[
        ("/", ["GET"], root),
        ("/versions", ["GET"], versions),
        ("/v2/images", ["GET"], list_images),
        ("/v2/images", ["POST"], create_image),
        ("/v2/images/<image_id>", ["GET", "DELETE"], image),
    ],
)
