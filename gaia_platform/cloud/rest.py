"""Raw REST calls through an openstacksdk proxy, for what the SDK's resources do not expose
(Magnum's status_reason and faults, nodegroups) and with an explicit microversion."""

from __future__ import annotations

from typing import Any

from ..errors import CloudError, TransientError


class NotFound(CloudError):
    pass


def call(proxy: Any, method: str, path: str, *, microversion: str | None = None,
         body: Any = None, ok: tuple[int, ...] = (200, 201, 202, 204),
         headers: dict[str, str] | None = None) -> Any:
    """One request relative to the service's endpoint; the JSON answer, or None if empty.
    Raises NotFound on 404 and CloudError with the service's own message otherwise.
    ``headers`` adds service-specific ones (Manila reads only its own microversion header)."""
    headers = {**({"OpenStack-API-Version": microversion} if microversion else {}),
               **(headers or {})}
    response = proxy.request(path, method, json=body, headers=headers, raise_exc=False)
    if response.status_code in ok:
        return response.json() if response.content else None
    detail = _message(response)
    if response.status_code == 404:
        raise NotFound(detail)
    text = f"{method} {path} failed with HTTP {response.status_code}: {detail}"
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(text)
    raise CloudError(text)


def _message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return str(response.text)[:300]
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list) and body["errors"]:  # Magnum
            first = body["errors"][0]
            return str(first.get("detail") or first.get("title"))
        for value in body.values():  # Nova/Manila {"badRequest": {"message": ...}}
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return str(body)[:300]
