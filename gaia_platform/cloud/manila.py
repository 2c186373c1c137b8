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
        return self.find_share_and_extras(name)[0]

    def find_share_and_extras(self, name: str) -> tuple[Any | None, list[Any]]:
        """The share of that name, and the duplicates an interrupted run left beside it.

        A create that was slow to answer, interrupted and re-run makes a second share of the
        same name. A duplicate is provably ours and empty when it carries our metadata
        (PURPOSE_KEY, which only this tool writes) and has never had an access rule (nobody
        could ever mount it, so it holds nothing). The share kept is the one with access
        rules, or the oldest; any other ambiguity stops with the ids to sort out by hand.
        """
        found = [s for s in self.proxy.shares(details=True, name=name) if s.name == name]
        if len(found) <= 1:
            return (found[0] if found else None), []
        found.sort(key=lambda s: str(s.created_at or ""))
        used = [s for s in found if self.access_rules(s.id)]
        unproven = [s for s in found if s not in used
                    and PURPOSE_KEY not in (s.metadata or {})]
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

    def export_path(self, share_id: str) -> str:
        locations = list(self.proxy.export_locations(share_id))
        preferred = [loc for loc in locations if getattr(loc, "is_preferred", False)]
        chosen = (preferred or locations)
        if not chosen:
            raise CloudError(f"Manila share {share_id} has no export location yet.")
        return str(chosen[0].path)
