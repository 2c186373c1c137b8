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
        from kubernetes import client

        self.core = client.CoreV1Api(api)
        self.selector = f"{OWNER_KEY}={deployment}"
        self.volumes = Listing(lambda: self._pages(self.core.list_persistent_volume),
                               key=_name)
        self._claims: dict[str, Listing] = {}
        self._events: dict[str, Listing] = {}
        self.lock = threading.Lock()

    def events(self, namespace: str) -> Listing:
        """The namespace's events about claims (they carry no labels of ours)."""
        with self.lock:
            if namespace not in self._events:
                self._events[namespace] = Listing(
                    lambda: self._event_pages(namespace), key=_name, max_age=EVENTS_MAX_AGE)
            return self._events[namespace]

    def _event_pages(self, namespace: str) -> list[dict[str, Any]]:
        response: Any = self.core.list_namespaced_event(
            namespace, field_selector="involvedObject.kind=PersistentVolumeClaim",
            _preload_content=False)
        items: list[dict[str, Any]] = json.loads(response.data).get("items") or []
        return items

    def claims(self, namespace: str) -> Listing:
        with self.lock:
            if namespace not in self._claims:
                self._claims[namespace] = Listing(
                    lambda: self._pages(self.core.list_namespaced_persistent_volume_claim,
                                        namespace), key=_name)
            return self._claims[namespace]

    def _pages(self, lister: Any, *args: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            extra: dict[str, str] = {"_continue": token} if token else {}
            response = lister(*args, label_selector=self.selector, limit=PAGE,
                              _preload_content=False, **extra)
            body = json.loads(response.data)
            items += body.get("items") or []
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return items


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
