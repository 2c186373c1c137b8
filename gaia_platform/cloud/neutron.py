"""Neutron lookups by name from one list call per resource type and run (see listing.py).

openstacksdk's ``find_network(name)`` asks for the name as an id first (a 404), then lists
with a name filter: two calls per lookup, and a deploy looks up the same networks, subnets
and routers several times. Here each type is listed once per run, and again only after a
change to it: every mutating call on the connection (whoever makes it) marks the listings of
its resource type stale (cloud/throttle.py tells).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from ..errors import CloudError
from .listing import Listing

#: The part of a Neutron URL naming what a mutating call changes, and the listings it stales
#: (a router's interfaces are added through the router; tags through the resource).
_STALES = {"/networks": ("networks",), "/subnets": ("subnets", "routers"),
           "/routers": ("routers",), "/ports": ("routers",)}


class _Observed:
    def changed(self, method: str, url: str) -> None:
        path = url.split("?", 1)[0]
        for part, names in _STALES.items():
            if part in path:
                for name in names:
                    getattr(self, name).invalidate()

    def __init__(self, proxy: Any) -> None:
        # GET /v2.0/networks shows the project's networks and the shared and external ones
        # (api-ref: network, "List networks"); subnets and routers likewise.
        self.networks = Listing(lambda: proxy.networks(), key=lambda r: str(r.id))
        self.subnets = Listing(lambda: proxy.subnets(), key=lambda r: str(r.id))
        self.routers = Listing(lambda: proxy.routers(), key=lambda r: str(r.id))


_OBSERVED: weakref.WeakKeyDictionary[Any, _Observed] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class Neutron:
    def __init__(self, connection: Any) -> None:
        from . import throttle  # requests' adapter: not imported by plan without credentials

        self.proxy = connection.network
        self.seen: _Observed | None = None
        with _LOCK:
            if connection not in _OBSERVED:
                observed = _Observed(connection.network)
                if not throttle.listen(connection, observed.changed):
                    return  # no way to hear of changes: ask the SDK every time
                _OBSERVED[connection] = observed
            self.seen = _OBSERVED[connection]

    @staticmethod
    def _one(listing: Listing, what: str, ref: str) -> Any | None:
        found = listing.find(lambda r: ref in (r.id, r.name))
        if len(found) > 1:
            raise CloudError(f"There are {len(found)} Neutron {what}s named {ref!r}; rename or "
                             "delete the extra ones, or name the one to use by its id.")
        return found[0] if found else None

    def find_network(self, ref: str) -> Any | None:
        if self.seen is None:
            return self.proxy.find_network(ref)
        return self._one(self.seen.networks, "network", ref)

    def find_subnet(self, ref: str) -> Any | None:
        if self.seen is None:
            return self.proxy.find_subnet(ref)
        return self._one(self.seen.subnets, "subnet", ref)

    def find_router(self, ref: str) -> Any | None:
        if self.seen is None:
            return self.proxy.find_router(ref)
        return self._one(self.seen.routers, "router", ref)
