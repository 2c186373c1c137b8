"""Manila (shared file systems v2) through openstacksdk, with the microversion set at connect."""

from __future__ import annotations

from typing import Any

from ..errors import CloudError

#: Share metadata marking which deployment made a share, and what it is for.
PURPOSE_KEY = "gaia-platform.purpose"


class Manila:
    def __init__(self, connection: Any) -> None:
        self.proxy = connection.shared_file_system

    def find_share(self, name: str) -> Any | None:
        found = [s for s in self.proxy.shares(details=True, name=name) if s.name == name]
        if len(found) > 1:
            raise CloudError(f"There are {len(found)} Manila shares named {name!r}; the "
                             "deployment cannot tell which holds the data. Rename the extra ones.")
        return found[0] if found else None

    def get_share(self, share_id: str) -> Any:
        return self.proxy.get_share(share_id)

    def create_share(self, *, name: str, size: int, share_type: str, description: str,
                     availability_zone: str | None, metadata: dict[str, str]) -> Any:
        attrs: dict[str, Any] = {"name": name, "size": size, "share_proto": "CEPHFS",
                                 "share_type": share_type, "description": description,
                                 "metadata": metadata}
        if availability_zone:
            attrs["availability_zone"] = availability_zone
        return self.proxy.create_share(**attrs)

    def extend(self, share_id: str, new_size: int) -> None:
        self.proxy.resize_share(share_id, new_size, no_shrink=True)

    def delete_share(self, share_id: str) -> None:
        self.proxy.delete_share(share_id, ignore_missing=True)

    def access_rules(self, share_id: str) -> list[Any]:
        return list(self.proxy.access_rules(share_id))

    def allow_cephx(self, share_id: str, cephx_id: str, level: str) -> Any:
        return self.proxy.create_access_rule(share_id, access_type="cephx", access_to=cephx_id,
                                             access_level=level)

    def cephx_rules(self, share_id: str, cephx_id: str) -> list[Any]:
        return [r for r in self.access_rules(share_id)
                if r.access_type == "cephx" and r.access_to == cephx_id]

    def deny_cephx(self, share_id: str, cephx_id: str) -> bool:
        """Revoke one client's cephx access to a share; True if it had any."""
        rules = self.cephx_rules(share_id, cephx_id)
        for rule in rules:
            self.deny(share_id, rule.id)
        return bool(rules)

    def deny(self, share_id: str, access_id: str) -> None:
        self.proxy.delete_access_rule(access_id, share_id, ignore_missing=True)

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
        locations = list(self.proxy.export_locations(share_id))
        preferred = [loc for loc in locations if getattr(loc, "is_preferred", False)]
        chosen = (preferred or locations)
        if not chosen:
            raise CloudError(f"Manila share {share_id} has no export location yet.")
        return str(chosen[0].path)
