"""This run's view of the deployment's PersistentVolumes and claims: one list call by label
selector per kind (and per round of polling) instead of one read per share.

Objects are the API's own JSON (dicts), read without the client's model classes, which cost
more than the HTTP call for a few hundred objects. A name the listing does not show is asked
for directly, so an object that lost our label (made by hand, or by an older version) is
still found rather than created twice.
"""

from __future__ import annotations

import json
import threading
import weakref
from typing import Any

from ..cloud.listing import Listing
from ..desired import OWNER_KEY

#: Objects per page: the apiserver hands out a continue token past this (api-concepts,
#: "Retrieving large results sets in chunks").
PAGE = 500
#: Events explain a claim that is slow to bind; a few seconds late is soon enough.
EVENTS_MAX_AGE = 5.0


class _Observed:
    def __init__(self, api: Any, deployment: str) -> None:
        self.api = api
        self.selector = f"{OWNER_KEY}={deployment}"
        self.volumes = Listing(lambda: self._pages("/api/v1/persistentvolumes"), key=_name)
        self._claims: dict[str, Listing] = {}
        self._events: dict[str, Listing] = {}
        self._core: Any = None
        self.lock = threading.Lock()

    @property
    def core(self) -> Any:
        """The typed client, for the direct reads only: loading its models costs more CPU
        than all of status's list calls together (kubernetes 37, pydantic models)."""
        with self.lock:
            if self._core is None:
                from kubernetes import client

                self._core = client.CoreV1Api(self.api)
            return self._core

    def events(self, namespace: str) -> Listing:
        """The namespace's events about claims (they carry no labels of ours)."""
        with self.lock:
            if namespace not in self._events:
                self._events[namespace] = Listing(
                    lambda: self._event_pages(namespace), key=_name, max_age=EVENTS_MAX_AGE)
            return self._events[namespace]

    def _event_pages(self, namespace: str) -> list[dict[str, Any]]:
        body = get_json(self.api, f"/api/v1/namespaces/{namespace}/events",
                        [("fieldSelector", "involvedObject.kind=PersistentVolumeClaim")])
        items: list[dict[str, Any]] = body.get("items") or []
        return items

    def claims(self, namespace: str) -> Listing:
        with self.lock:
            if namespace not in self._claims:
                self._claims[namespace] = Listing(
                    lambda: self._pages(
                        f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"), key=_name)
            return self._claims[namespace]

    def _pages(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            query = [("labelSelector", self.selector), ("limit", str(PAGE))]
            body = get_json(self.api, path, query + ([("continue", token)] if token else []))
            items += body.get("items") or []
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return items


def get_json(api: Any, path: str, query: list[tuple[str, str]]) -> dict[str, Any]:
    """GET an API path as JSON through the ApiClient (its auth, pool, retries and timeout),
    without the generated API classes; a non-2xx answer raises the client's ApiException."""
    from kubernetes.client.exceptions import ApiException

    method, url, headers, body, post = api.param_serialize(
        "GET", path, query_params=query, header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"])
    response = api.call_api(method, url, header_params=headers, body=body, post_params=post)
    response.read()
    if not 200 <= response.status <= 299:
        raise ApiException.from_response(http_resp=response,
                                          body=response.data.decode(errors="replace"),
                                          data=None)
    result: dict[str, Any] = json.loads(response.data)
    return result


def _name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


_SEEN: weakref.WeakKeyDictionary[Any, dict[str, _Observed]] = weakref.WeakKeyDictionary()
_SEEN_LOCK = threading.Lock()


def observed(api: Any, deployment: str) -> _Observed:
    """The view for one ApiClient (one per command run) and deployment."""
    with _SEEN_LOCK:
        per_api = _SEEN.setdefault(api, {})
        if deployment not in per_api:
            per_api[deployment] = _Observed(api, deployment)
        return per_api[deployment]


def _or_direct(found: Any, read: Any, api: Any) -> dict[str, Any] | None:
    if found is not None:
        return dict(found)
    from kubernetes.client.exceptions import ApiException

    try:
        obj = read()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    result: dict[str, Any] = api.sanitize_for_serialization(obj)
    return result


def volume(api: Any, deployment: str, name: str, *, poll: bool = False
           ) -> dict[str, Any] | None:
    """The PersistentVolume ``name`` as JSON, or None. ``poll``: newer than the last poll's."""
    seen = observed(api, deployment)
    found = seen.volumes.poll(name) if poll else seen.volumes.get(name)
    return _or_direct(found, lambda: seen.core.read_persistent_volume(name), api)


def claim(api: Any, deployment: str, namespace: str, name: str, *, poll: bool = False
          ) -> dict[str, Any] | None:
    """The claim ``namespace/name`` as JSON, or None. ``poll``: newer than the last poll's."""
    seen = observed(api, deployment)
    listing = seen.claims(namespace)
    found = listing.poll(name) if poll else listing.get(name)
    return _or_direct(
        found, lambda: seen.core.read_namespaced_persistent_volume_claim(name, namespace), api)


def created_volume(api: Any, deployment: str, obj: Any) -> None:
    """What a create answered; later reads in this run see it without listing again."""
    observed(api, deployment).volumes.put(api.sanitize_for_serialization(obj))


def created_claim(api: Any, deployment: str, namespace: str, obj: Any) -> None:
    observed(api, deployment).claims(namespace).put(api.sanitize_for_serialization(obj))


def deleted_volume(api: Any, deployment: str, name: str) -> None:
    observed(api, deployment).volumes.forget(name)


def deleted_claim(api: Any, deployment: str, namespace: str, name: str) -> None:
    observed(api, deployment).claims(namespace).forget(name)


def claim_events(api: Any, deployment: str, namespace: str, name: str) -> list[dict[str, Any]]:
    """The events about claim ``namespace/name`` (from one list call for all claims)."""
    return [e for e in observed(api, deployment).events(namespace).all()
            if (e.get("involvedObject") or {}).get("name") == name]
