"""What every Neutron resource kind shares: storage, ownership, standard attributes, filters.

Neutron resources carry the "standard attributes" (description, tags, created_at, updated_at,
revision_number); list calls accept equality filters on any attribute (a repeated parameter means
"any of"), the tag filters ``tags``/``tags-any``/``not-tags``/``not-tags-any``, ``fields`` and
``limit``/``marker`` pagination (https://docs.openstack.org/api-ref/network/v2/, "Filtering and
Column Selection", "Pagination", "Tag extension").
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from ..store import Record, new_id, public
from .errors import NeutronError, bad_request, over_quota, policy

if TYPE_CHECKING:
    from .models import NeutronBackend

# Neutron's own defaults (neutron/conf/quota.py); the emulator config overrides some of them.
DEFAULT_QUOTAS = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "rbac_policy": 10,
    "subnetpool": -1,
}

NOT_FILTERS = {"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse",
               "tags", "tags-any", "not-tags", "not-tags-any"}


def timestamp(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts if ts is not None else time.time()))


def _equal(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if value is None:
        return text in ("", "None", "null")
    if isinstance(value, list):
        return text in [str(v) for v in value]
    return str(value) == text


def _fixed_ips_match(record: Record, wanted: list[str]) -> bool:
    # ?fixed_ips=ip_address=10.0.0.5&fixed_ips=subnet_id=<id>: every condition must hold.
    for condition in wanted:
        key, _, value = condition.partition("=")
        if not any(str(ip.get(key)) == value for ip in record.get("fixed_ips", [])):
            return False
    return True


def _split(args: MultiDict[str, str], key: str) -> set[str]:
    return {tag for value in args.getlist(key) for tag in value.split(",") if tag}


def _tags_match(record: Record, args: MultiDict[str, str]) -> bool:
    tags = set(record.get("tags") or [])
    all_of, any_of = _split(args, "tags"), _split(args, "tags-any")
    not_all, not_any = _split(args, "not-tags"), _split(args, "not-tags-any")
    if all_of and not all_of <= tags:
        return False
    if any_of and not any_of & tags:
        return False
    if not_all and not_all <= tags:
        return False
    return not (not_any and not_any & tags)


def matches(record: Record, args: MultiDict[str, str]) -> bool:
    if not _tags_match(record, args):
        return False
    for key in args:
        if key in NOT_FILTERS:
            continue
        wanted = args.getlist(key)
        if key == "fixed_ips":
            if not _fixed_ips_match(record, wanted):
                return False
        elif key in record and not any(_equal(record[key], w) for w in wanted):
            return False
    return True


class Kind:
    """One Neutron resource collection (networks, ports, ...)."""

    collection = ""  # the URL segment, e.g. "security-groups"
    table_name = ""  # the store table, e.g. "security_groups"
    singular = ""  # the body key, e.g. "security_group"
    quota_key: str | None = None
    taggable = True
    post_attrs: frozenset[str] = frozenset()
    put_attrs: frozenset[str] = frozenset()

    def __init__(self, backend: NeutronBackend) -> None:
        self.backend = backend

    @property
    def rows(self) -> dict[str, Record]:
        return self.backend.state.store.table("neutron", self.table_name)

    def not_found(self, rid: str) -> NeutronError:
        raise NotImplementedError

    def visible(self, record: Record, project_id: str) -> bool:
        return bool(record.get("project_id") == project_id)

    def find(self, project_id: str, rid: str) -> Record:
        record = self.rows.get(rid)
        if record is None or not self.visible(record, project_id):
            raise self.not_found(rid)
        return record

    def find_owned(self, project_id: str, rid: str, action: str) -> Record:
        record = self.find(project_id, rid)
        if record.get("project_id") != project_id:
            raise policy(f"rule:{action}_{self.singular}")
        return record

    def view(self, record: Record) -> Record:
        return public(record)

    def list_views(self, project_id: str, args: MultiDict[str, str]) -> list[Record]:
        views = [self.view(r) for r in self.rows.values() if self.visible(r, project_id)]
        return [v for v in views if matches(v, args)]

    # -- bodies ------------------------------------------------------------------------------
    def check_body(self, body: dict[str, Any], creating: bool) -> None:
        allowed = self.post_attrs if creating else self.put_attrs
        known = self.post_attrs | self.put_attrs | {"id", "status", "created_at", "updated_at",
                                                    "revision_number"}
        unknown = sorted(k for k in body if k not in known)
        if unknown:
            raise bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
        for key in body:
            if key not in allowed:
                if creating:
                    raise bad_request(f"Attribute '{key}' not allowed in POST")
                raise bad_request(f"Cannot update read-only attribute {key}")

    def require(self, body: dict[str, Any], *names: str) -> None:
        for name in names:
            if name not in body:
                raise bad_request(
                    f"Failed to parse request. Required attribute '{name}' not specified"
                )

    def check_owner_field(self, project_id: str, body: dict[str, Any]) -> None:
        for key in ("project_id", "tenant_id"):
            if body.get(key) not in (None, project_id):
                raise policy(f"rule:create_{self.singular}")

    def check_quota(self, project_id: str, delta: int = 1) -> None:
        if self.quota_key is None:
            return
        limit = self.backend.quotas()[self.quota_key]
        if limit >= 0 and self.used(project_id) + delta > limit:
            raise over_quota([self.quota_key])

    def used(self, project_id: str) -> int:
        return sum(1 for r in self.rows.values() if r.get("project_id") == project_id)

    def new_record(self, project_id: str, body: dict[str, Any], **fields: Any) -> Record:
        now = timestamp()
        record: Record = {
            "id": new_id(),
            "name": body.get("name", ""),
            "description": body.get("description", ""),
            "project_id": project_id,
            "tenant_id": project_id,
            **fields,
            "created_at": now,
            "updated_at": now,
            "revision_number": 0,
        }
        if self.taggable:
            record["tags"] = list(body.get("tags") or [])
        self.rows[record["id"]] = record
        return record

    @staticmethod
    def touch(record: Record) -> None:
        record["updated_at"] = timestamp()
        record["revision_number"] = int(record.get("revision_number", 0)) + 1

    # -- operations (kinds override what they support) ---------------------------------------
    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        raise NotImplementedError

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        record = self.find_owned(project_id, rid, "update")
        self.check_body(body, creating=False)
        record.update(body)
        self.touch(record)
        return record

    def delete(self, project_id: str, rid: str) -> None:
        self.find_owned(project_id, rid, "delete")
        del self.rows[rid]
