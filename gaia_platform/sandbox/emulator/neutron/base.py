"""What every Neutron resource kind shares: storage, ownership, standard attributes, filters.

Neutron resources carry the "standard attributes" (description, tags, created_at, updated_at,
revision_number); list calls accept equality filters on any attribute (a repeated parameter means
"any of"), the tag filters ``tags``/``tags-any``/``not-tags``/``not-tags-any``, ``fields`` and
``limit``/``marker`` pagination, ``sort_key``/``sort_dir`` sorting
(https://docs.openstack.org/api-ref/network/v2/, "Filtering and Column Selection", "Pagination",
"Sorting", "Tag extension"), and updates or deletes constrained by
``If-Match: revision_number=N`` (extension ``revision-if-match``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from ..store import Record, new_id, public
from .errors import NeutronError, bad_request, over_quota, policy, precondition_failed

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


def sort_views(views: list[Record], args: MultiDict[str, str]) -> list[Record]:
    """Sort as neutron/api/api_common.py get_sorts does: pairs of sort_key and sort_dir.

    Neutron accepts only attributes marked ``is_sort_key`` (the scalar ones, in neutron-lib's
    definitions); a key it does not know, a direction other than asc/desc, or unequal counts of
    keys and directions answer 400. The emulator takes any scalar attribute of the view.
    """
    keys = [k for value in args.getlist("sort_key") for k in value.split(",") if k]
    dirs = [d for value in args.getlist("sort_dir") for d in value.split(",") if d]
    if not keys and not dirs:
        return views
    if len(keys) != len(dirs):
        raise bad_request("The number of sort_keys and sort_dirs must be same")
    sortable = {k for v in views for k, value in v.items()
                if not isinstance(value, (list, dict))} or set(keys)
    absent = [k for k in keys if k not in sortable]
    if absent:
        raise bad_request(f"{absent} is invalid attribute for sort_keys")
    invalid = [d for d in dirs if d not in ("asc", "desc")]
    if invalid:
        raise bad_request(f"{invalid} is invalid value for sort_dirs, valid value is 'asc' "
                          "and 'desc'")
    ordered = list(views)
    # Stable sorts from the last key to the first give a multi-key order; None sorts first,
    # as NULL does in Neutron's MySQL/PostgreSQL ascending order.
    for key, direction in reversed(list(zip(keys, dirs, strict=True))):
        ordered.sort(key=lambda view: _sort_value(view.get(key)), reverse=direction == "desc")
    return ordered


def _sort_value(value: Any) -> tuple[bool, float, str]:
    number = float(value) if isinstance(value, (int, float)) else 0.0
    return (value is not None, number, "" if isinstance(value, (int, float)) else str(value))


def revision_constraint(header: str | None) -> int | None:
    """The N of ``If-Match: revision_number=N`` (neutron/api/api_common.py
    check_request_for_revision_constraint); other etags are ignored."""
    found: int | None = None
    for etag in (header or "").split(","):
        etag = etag.strip().removeprefix("W/").strip('"')
        if not etag.startswith("revision_number="):
            continue
        if found is not None:
            raise NeutronError(400, "BadRequest", "Bad if-match request: Multiple "
                               "revision_number etags are not supported.")
        try:
            found = int(etag.split("revision_number=", 1)[1])
        except ValueError:
            raise NeutronError(400, "BadRequest", "Bad if-match request: Revision number etag "
                               "must be in the format of revision_number=<int>.") from None
    return found


def check_revision(record: Record, wanted: int | None) -> None:
    """neutron/services/revisions/revision_plugin.py _enforce_if_match_constraints: 412."""
    if wanted is not None and int(record.get("revision_number", 0)) != wanted:
        raise precondition_failed(wanted, int(record.get("revision_number", 0)))


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
        self.check_filters(args)
        views = [self.view(r) for r in self.rows.values() if self.visible(r, project_id)]
        return [v for v in views if matches(v, args)]

    def check_filters(self, args: MultiDict[str, str]) -> None:
        """The ``filter-validation`` extension (listed): a query parameter that is no attribute
        of the resource is 400 (neutron/api/api_common.py get_filters_from_dict). The
        attributes are the ones a body may set and the ones any view shows."""
        known = self.post_attrs | self.put_attrs | NOT_FILTERS | {
            "id", "status", "created_at", "updated_at", "revision_number", "project_id",
            "tenant_id", "name", "description", "fixed_ips"}
        shown = {key for record in self.rows.values() for key in self.view(record)}
        invalid = [key for key in args if key not in known and key not in shown]
        if invalid:
            raise bad_request(f"{invalid} is invalid attribute for filtering")

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
