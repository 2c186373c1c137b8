"""Manila (shared file systems v2) through openstacksdk, with the microversion set at connect."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from ..errors import CloudError
from .listing import Listing

#: Share metadata marking which deployment made a share, and what it is for.
PURPOSE_KEY = "gaia-platform.purpose"
#: Share metadata recording, per cephx client, the access rule this tool made and saw active:
#: ``gaia-platform.access.<cephx id>`` = ``<access level>:<access rule id>``. Manila lists
#: access rules one share at a time, but shares (with their metadata) in one call: the record
#: is what lets a re-run observe every rule from that one call (notes/performance.md).
ACCESS_RECORD_PREFIX = "gaia-platform.access."


def record_key(cephx_id: str) -> str:
    return ACCESS_RECORD_PREFIX + cephx_id


@dataclass(frozen=True)
class RecordedRule:
    """An access rule as the share listing shows it: this tool's record of a rule it saw
    active, on a share whose ``access_rules_status`` says every rule on it is applied. Read
    like the SDK's access rule (``.id``, ``.access_to``, ``.access_level``, ``.state``)."""

    id: str
    access_to: str
    access_level: str
    state: str = "active"
    access_type: str = "cephx"


class _Observed:
    """What this run has read from Manila, shared by every step (see listing.py): the
    project's shares from one list call, and each share's access rules."""

    def __init__(self, proxy: Any) -> None:
        self.proxy = proxy
        # GET /v2/shares/detail lists the project's shares in one call (api-ref:
        # shared-file-system, "List shares with details").
        self.shares = Listing(lambda: _share_pages(proxy), key=lambda s: str(s.id))
        self._rules: dict[str, Listing] = {}
        self.exports: dict[str, str] = {}
        self.lock = threading.Lock()
        #: Read every share's rules instead of trusting the records (``--refresh``).
        self.read_every_rule = False

    def rules(self, share_id: str) -> Listing:
        # Manila lists access rules one share at a time: GET /v2/share-access-rules takes a
        # required share_id (api-ref: shared-file-system, "List share access rules", 2.45).
        with self.lock:
            if share_id not in self._rules:
                self._rules[share_id] = Listing(
                    lambda: self.proxy.access_rules(share_id), key=lambda r: str(r.id))
            return self._rules[share_id]


class ShareRecord:
    """A share as the list call's JSON, read by attribute like the SDK's Share (``.id``,
    ``.name``, ``.status``, ``.size``). Building the SDK's resource objects costs about 2 ms
    a share, a second per listing of 500 on a busy machine, and a wait lists every round."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"ShareRecord({self._data.get('name')!r}, {self._data.get('status')!r})"


def _share_pages(proxy: Any) -> list[ShareRecord]:
    from .connection import MANILA_MICROVERSION

    shares: list[ShareRecord] = []
    url: str | None = "/shares/detail"
    while url:
        response = proxy.get(url, microversion=MANILA_MICROVERSION, raise_exc=True)
        body = response.json()
        shares += [ShareRecord(item) for item in body.get("shares") or []]
        # A cloud with osapi_max_limit below the project's share count pages the answer.
        url = next((link["href"] for link in body.get("shares_links") or []
                    if link.get("rel") == "next"), None)
    return shares


_OBSERVED: weakref.WeakKeyDictionary[Any, _Observed] = weakref.WeakKeyDictionary()
_OBSERVED_LOCK = threading.Lock()


def _observed(connection: Any) -> _Observed:
    """One observation cache per connection, i.e. per command run."""
    with _OBSERVED_LOCK:
        if connection not in _OBSERVED:
            _OBSERVED[connection] = _Observed(connection.shared_file_system)
        return _OBSERVED[connection]


def read_every_rule(connection: Any) -> None:
    """Make this run read each share's access rules from Manila (one call per share) rather
    than trust the records in the share listing: what ``--refresh`` asks for. It notices a
    rule deleted behind the tool's back, which the listing cannot show."""
    _observed(connection).read_every_rule = True


def _parse_record(cephx_id: str, value: Any) -> RecordedRule | None:
    level, sep, access_id = str(value or "").partition(":")
    if not sep or not access_id or level not in ("ro", "rw"):
        return None  # not ours, or edited by hand: read the rules instead
    return RecordedRule(id=access_id, access_to=cephx_id, access_level=level)


class Manila:
    """Reads are *observations* (answered from this run's bulk listing while it is fresh and
    newer than our own changes) or *polls* (``get_share``, ``access_rules``: each answer newer
    than the last one), so waits make progress and share one list call per round."""

    def __init__(self, connection: Any) -> None:
        self.proxy = connection.shared_file_system
        self.seen = _observed(connection)

    def find_share(self, name: str) -> Any | None:
        return self.find_share_and_extras(name)[0]

    def find_share_and_extras(self, name: str) -> tuple[Any | None, list[Any]]:
        """The share of that name, and the duplicates an interrupted run left beside it.

        A create that was slow to answer, interrupted and re-run makes a second share of the
        same name. A duplicate is provably ours and empty when it carries our metadata
        (PURPOSE_KEY, which only this tool writes) and has never had an access rule (nobody
        could ever mount it, so it holds nothing). The share kept is the one with access
        rules, or the oldest; any other ambiguity stops with the ids to sort out by hand.
        """
        found = list(self.seen.shares.find(lambda s: s.name == name))
        if len(found) <= 1:
            return (found[0] if found else None), []
        found.sort(key=lambda s: str(getattr(s, "created_at", "") or ""))
        used = [s for s in found if self.access_rules(s.id)]
        unproven = [s for s in found if s not in used
                    and PURPOSE_KEY not in (getattr(s, "metadata", None) or {})]
        if len(used) > 1 or unproven:
            ids = ", ".join(f"{s.id} ({s.status}, {len(self.access_rules(s.id))} access "
                            f"rules)" for s in found)
            raise CloudError(f"There are {len(found)} Manila shares named {name!r}: {ids}. "
                             "More than one may hold data, so the deployment cannot tell "
                             "which to use. Rename or delete the extra ones "
                             "(openstack share show/set --name), then re-run.")
        keep = used[0] if used else found[0]
        return keep, [s for s in found if s is not keep]

    def user_messages(self, resource_id: str) -> list[str]:
        """Why Manila failed an action on a resource, in its own words (api-ref "User
        messages", microversion 2.37+; the connection asks for 2.51)."""
        try:
            found = self.proxy.user_messages(resource_id=resource_id)
            return [str(m.user_message) for m in found if m.user_message]
        except Exception:  # the reason is a courtesy: never hide the failure behind it
            return []

    def get_share(self, share_id: str) -> Any:
        """A poll of one share (answered by the shared listing; a share the listing does not
        show is asked for directly, which raises the SDK's NotFound if it is gone)."""
        share = self.seen.shares.poll(share_id)
        return share if share is not None else self.proxy.get_share(share_id)

    def create_share(self, *, name: str, size: int, share_type: str, description: str,
                     availability_zone: str | None, metadata: dict[str, str]) -> Any:
        attrs: dict[str, Any] = {"name": name, "size": size, "share_proto": "CEPHFS",
                                 "share_type": share_type, "description": description,
                                 "metadata": metadata}
        if availability_zone:
            attrs["availability_zone"] = availability_zone
        share = self.proxy.create_share(**attrs)
        self.seen.shares.put(share)
        return share

    def extend(self, share_id: str, new_size: int) -> None:
        self.proxy.resize_share(share_id, new_size, no_shrink=True)
        self.seen.shares.forget(share_id)

    def delete_share(self, share_id: str) -> None:
        self.proxy.delete_share(share_id, ignore_missing=True)
        self.seen.shares.forget(share_id)

    def access_rules(self, share_id: str) -> list[Any]:
        """A poll of a share's access rules (newer than the last answer for that share)."""
        return self.seen.rules(share_id).all(poll=True)

    def allow_cephx(self, share_id: str, cephx_id: str, level: str) -> Any:
        rule = self.proxy.create_access_rule(share_id, access_type="cephx", access_to=cephx_id,
                                             access_level=level)
        self.seen.rules(share_id).put(rule)
        return rule

    def cephx_rules(self, share_id: str, cephx_id: str) -> list[Any]:
        """An observation of one client's rules on a share (one call per share)."""
        return [r for r in self.seen.rules(share_id).all()
                if r.access_type == "cephx" and r.access_to == cephx_id]

    def recorded_rule(self, share: Any, cephx_id: str) -> RecordedRule | None:
        """The client's rule as the share listing shows it, or None when the listing cannot
        vouch for it: no record of ours (never made, or made before records were kept), or
        the share's ``access_rules_status`` is not ``active`` (a rule is being applied or
        denied: ``syncing``; or one failed: ``error``; api-ref shared-file-system "List
        shares with details"), or ``--refresh`` asked to read every rule."""
        if self.seen.read_every_rule:
            return None
        if getattr(share, "access_rules_status", None) != "active":
            return None
        metadata = getattr(share, "metadata", None) or {}
        return _parse_record(cephx_id, metadata.get(record_key(cephx_id)))

    def observe_cephx(self, share: Any, cephx_id: str) -> list[Any]:
        """An observation of one client's rules on a share: from the listing's record when it
        vouches for the rule (no call), else read from Manila (one call for the share)."""
        recorded = self.recorded_rule(share, cephx_id)
        return [recorded] if recorded is not None else self.cephx_rules(share.id, cephx_id)

    def record_rule(self, share_id: str, cephx_id: str, level: str, access_id: str) -> None:
        """Record on the share that the client's rule ``access_id`` is active (POST
        /v2/shares/{id}/metadata adds or replaces keys, leaving the others; api-ref
        shared-file-system "Set share metadata")."""
        self.proxy.set_share_metadata(share_id, **{record_key(cephx_id): f"{level}:{access_id}"})
        self.seen.shares.forget(share_id)

    def _drop_records(self, share_id: str, access_id: str) -> None:
        """Remove the records naming ``access_id`` before it is denied: a record never
        outlives its rule through our own hands (an interrupted deny leaves the rule without a
        record, which the next run reads and records again)."""
        share = self.seen.shares.get(share_id)
        metadata = (getattr(share, "metadata", None) or {}) if share is not None else {}
        stale = [k for k, v in metadata.items()
                 if k.startswith(ACCESS_RECORD_PREFIX) and str(v).endswith(f":{access_id}")]
        if stale:
            self.proxy.delete_share_metadata(share_id, stale)
            self.seen.shares.forget(share_id)

    def deny_cephx(self, share_id: str, cephx_id: str) -> bool:
        """Revoke one client's cephx access to a share; True if it had any."""
        rules = self.cephx_rules(share_id, cephx_id)
        for rule in rules:
            self.deny(share_id, rule.id)
        return bool(rules)

    def deny(self, share_id: str, access_id: str) -> None:
        self._drop_records(share_id, access_id)
        self.proxy.delete_access_rule(access_id, share_id, ignore_missing=True)
        self.seen.rules(share_id).forget(access_id)

    def absolute_limits(self) -> dict[str, int]:
        """The project's share limits and usage (maxTotalShareGigabytes, totalShareGigabytesUsed,
        maxTotalShares, totalSharesUsed, ...), read from GET /limits itself.

        openstacksdk's ``limits()`` cannot be used: its Limit resource lists the ``limits``
        key (shared_file_system/v2/limit.py, resources_key) but Manila answers one object
        ``{"limits": {"rate": [], "absolute": {...}}}`` (api-ref shared-file-system, "Limits"),
        so every field comes back None and a quota check on it never fires."""
        from .connection import MANILA_MICROVERSION
        from .rest import call

        answer = call(self.proxy, "GET", "/limits", microversion=None,
                      headers={"X-OpenStack-Manila-API-Version": MANILA_MICROVERSION})
        absolute = ((answer or {}).get("limits") or {}).get("absolute") or {}
        return {str(k): int(v) for k, v in absolute.items() if isinstance(v, int)}

    def export_path(self, share_id: str) -> str:
        # An available share's export location does not change: asked once per run.
        with self.seen.lock:
            known = self.seen.exports.get(share_id)
        if known is not None:
            return known
        locations = list(self.proxy.export_locations(share_id))
        preferred = [loc for loc in locations if getattr(loc, "is_preferred", False)]
        chosen = (preferred or locations)
        if not chosen:
            raise CloudError(f"Manila share {share_id} has no export location yet.")
        path = str(chosen[0].path)
        with self.seen.lock:
            self.seen.exports[share_id] = path
        return path
