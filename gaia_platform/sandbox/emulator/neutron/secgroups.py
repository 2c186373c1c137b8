"""Security groups and their rules.

Every project gets a "default" group the first time it touches Neutron, with Neutron's default
rules (ingress from the group itself, egress anywhere, for IPv4 and IPv6); new groups start with
the two egress rules. Rule validation and duplicate detection follow
neutron/db/securitygroups_db.py; https://docs.openstack.org/api-ref/network/v2/ "Security groups",
"Security group rules".
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..store import Record, public
from .base import Kind
from .errors import NeutronError, in_use, invalid_attr, invalid_input, not_found

# neutron_lib.constants.IP_PROTOCOL_MAP
PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1,
             "igmp": 2, "ip": 0, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58,
             "icmpv6": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89,
             "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136,
             "vrrp": 112}
SUPPORTED = (None, "any", *PROTOCOLS)
PORT_PROTOCOLS = {33, 132, 6, 17, 136}
IPV6_ONLY = {"ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts",
             "ipv6-route", "41", "44", "58", "59", "60", "43"}
RULE_KEYS = ("direction", "ethertype", "port_range_max", "port_range_min", "protocol",
             "remote_group_id", "remote_address_group_id", "remote_ip_prefix",
             "security_group_id")


def _protocol(value: Any) -> str | None:
    if value in (None, "any"):
        return None
    text = str(value)
    if text.isdigit():
        if 0 <= int(text) <= 255:
            return text
    elif text.lower() in PROTOCOLS:
        return text.lower()
    raise invalid_input("SecurityGroupRuleInvalidProtocol",
                        f"Security group rule protocol {value} not supported. Only protocol "
                        f"values {SUPPORTED} and integer representations [0 to 255] are "
                        "supported.")


def _port(value: Any) -> int | None:
    if value is None:
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if not 0 <= port <= 65535:
        raise invalid_input("SecurityGroupInvalidPortValue", f"Invalid value for port {value}")
    return port


def _protocol_number(protocol: str | None) -> int | None:
    if protocol is None:
        return None
    return int(protocol) if protocol.isdigit() else PROTOCOLS[protocol]


def _check_ports(rule: Record) -> None:
    low, high = rule["port_range_min"], rule["port_range_max"]
    if low is None and high is None:
        return
    if rule["protocol"] is None:
        raise invalid_input("SecurityGroupProtocolRequiredWithPorts",
                            "Must also specify protocol if port range is given.")
    number = _protocol_number(rule["protocol"])
    if number in PORT_PROTOCOLS:
        if low == 0 or high == 0:
            raise invalid_input("SecurityGroupInvalidPortValue", "Invalid value for port 0")
        if low is None or high is None or low > high:
            raise invalid_input("SecurityGroupInvalidPortRange",
                                "For TCP/UDP protocols, port_range_min must be <= "
                                "port_range_max")
    elif number in (1, 58):
        for attr, field in (("port_range_min", "type"), ("port_range_max", "code")):
            if rule[attr] is not None and not 0 <= rule[attr] <= 255:
                raise invalid_input("SecurityGroupInvalidIcmpValue",
                                    f"Invalid value for ICMP {field} ({attr}) {rule[attr]}. "
                                    "It must be 0 to 255.")
        if low is None and high is not None:
            raise invalid_input("SecurityGroupMissingIcmpType",
                                f"ICMP code (port-range-max) {high} is provided but ICMP type "
                                "(port-range-min) is missing.")
    else:
        raise invalid_input("SecurityGroupInvalidProtocolForPort",
                            f"Ports cannot be specified for protocol {number}. Ports are only "
                            "supported for DCCP, SCTP, TCP, UDP, UDPLITE.")


def _rule_key(rule: Record) -> tuple[str, ...]:
    """What makes two rules the same (protocol by number, any-address prefixes as none)."""
    parts = []
    for key in RULE_KEYS:
        value = rule.get(key)
        if key == "remote_ip_prefix" and value in ("0.0.0.0/0", "::/0"):
            value = None
        elif key == "protocol" and value is not None:
            value = str(_protocol_number(value))
        parts.append("+" if value is None else str(value))
    return tuple(parts)


class SecurityGroups(Kind):
    collection = "security-groups"
    table_name = "security_groups"
    singular = "security_group"
    quota_key = "security_group"
    post_attrs = frozenset({"name", "description", "tags", "project_id", "tenant_id",
                            "stateful"})
    put_attrs = frozenset({"name", "description", "stateful"})

    def not_found(self, rid: str) -> NeutronError:
        return not_found("SecurityGroupNotFound", f"Security group {rid} does not exist")

    def view(self, record: Record) -> Record:
        rules = self.backend.security_group_rules
        return {**public(record), "security_group_rules": [
            rules.view(r) for r in rules.rows.values() if r["security_group_id"] == record["id"]
        ]}

    def default_for(self, project_id: str) -> Record:
        for group in self.rows.values():
            if group["project_id"] == project_id and group.get("_default"):
                return group
        group = self.new_record(project_id, {"name": "default",
                                             "description": "Default security group"},
                                stateful=True, shared=False, _default=True)
        rules = self.backend.security_group_rules
        for ethertype in ("IPv4", "IPv6"):
            rules.add(project_id, group["id"], "ingress", ethertype, remote_group_id=group["id"])
            rules.add(project_id, group["id"], "egress", ethertype)
        return group

    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        name = body.get("name", "")
        if str(name).lower() == "default":
            raise in_use("SecurityGroupDefaultAlreadyExists",
                         "Default security group already exists.")
        self.check_quota(project_id)
        self.backend.security_group_rules.check_quota(project_id, 2)
        group = self.new_record(project_id, body, stateful=body.get("stateful", True),
                                shared=False)
        for ethertype in ("IPv4", "IPv6"):
            self.backend.security_group_rules.add(project_id, group["id"], "egress", ethertype)
        return group

    def update(self, project_id: str, rid: str, body: dict[str, Any]) -> Record:
        group = self.find_owned(project_id, rid, "update")
        if group.get("_default") and body.get("name", "default") != "default":
            raise in_use("SecurityGroupCannotUpdateDefault",
                         "Updating default security group not allowed.")
        return super().update(project_id, rid, body)

    def delete(self, project_id: str, rid: str) -> None:
        group = self.find_owned(project_id, rid, "delete")
        if group.get("_default"):
            raise in_use("SecurityGroupCannotRemoveDefault",
                         "Insufficient rights for removing default security group.")
        if any(rid in port["security_groups"] for port in self.backend.ports.rows.values()):
            raise in_use("SecurityGroupInUse", f"Security Group {rid} in use.")
        rules = self.backend.security_group_rules.rows
        for rule_id in [k for k, r in rules.items()
                        if rid in (r["security_group_id"], r["remote_group_id"])]:
            del rules[rule_id]
        del self.rows[rid]


class SecurityGroupRules(Kind):
    collection = "security-group-rules"
    table_name = "security_group_rules"
    singular = "security_group_rule"
    quota_key = "security_group_rule"
    taggable = False
    post_attrs = frozenset({"security_group_id", "direction", "ethertype", "protocol",
                            "port_range_min", "port_range_max", "remote_ip_prefix",
                            "remote_group_id", "remote_address_group_id", "description",
                            "project_id", "tenant_id"})
    put_attrs = frozenset({"description"})

    def not_found(self, rid: str) -> NeutronError:
        return not_found("SecurityGroupRuleNotFound", f"Security group rule {rid} does not exist")

    def view(self, record: Record) -> Record:
        prefix = record["remote_ip_prefix"]
        normalized = str(ipaddress.ip_network(prefix, strict=False)) if prefix else None
        group = self.backend.security_groups.rows.get(record["security_group_id"], {})
        return {**public(record), "normalized_cidr": normalized,
                "belongs_to_default_sg": bool(group.get("_default"))}

    def add(self, project_id: str, group_id: str, direction: str, ethertype: str,
            **fields: Any) -> Record:
        record = self.new_record(project_id, {}, **{
            "security_group_id": group_id, "direction": direction, "ethertype": ethertype,
            "protocol": None, "port_range_min": None, "port_range_max": None,
            "remote_ip_prefix": None, "remote_group_id": None,
            "remote_address_group_id": None, **fields})
        del record["name"]
        return record

    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        self.check_body(body, creating=True)
        self.check_owner_field(project_id, body)
        self.require(body, "security_group_id", "direction")
        if body["direction"] not in ("ingress", "egress"):
            raise invalid_attr("direction", f"{body['direction']} is not in valid_values")
        ethertype = str(body.get("ethertype", "IPv4"))
        ethertype = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(ethertype.lower(), ethertype)
        if ethertype not in ("IPv4", "IPv6"):
            raise invalid_input("SecurityGroupRuleInvalidEtherType",
                                f"Security group rule for ethertype '{body['ethertype']}' not "
                                "supported. Allowed values are ['IPv4', 'IPv6'].")
        rule: Record = {
            "security_group_id": body["security_group_id"],
            "direction": body["direction"],
            "ethertype": ethertype,
            "protocol": _protocol(body.get("protocol")),
            "port_range_min": _port(body.get("port_range_min")),
            "port_range_max": _port(body.get("port_range_max")),
            "remote_ip_prefix": self._prefix(body.get("remote_ip_prefix"), ethertype),
            "remote_group_id": body.get("remote_group_id"),
            "remote_address_group_id": body.get("remote_address_group_id"),
            "description": body.get("description", ""),
        }
        if ethertype == "IPv6" and rule["protocol"] in ("icmp", "icmpv6"):
            rule["protocol"] = "ipv6-icmp"
        if rule["port_range_min"] == 1 and rule["port_range_max"] == 65535:
            rule["port_range_min"] = rule["port_range_max"] = None
        _check_ports(rule)
        if ethertype == "IPv4" and rule["protocol"] in IPV6_ONLY:
            raise invalid_input("SecurityGroupEthertypeConflictWithProtocol",
                                f"Invalid ethertype {ethertype} for protocol "
                                f"{rule['protocol']}.")
        remotes = [k for k in ("remote_ip_prefix", "remote_group_id", "remote_address_group_id")
                   if rule[k]]
        if len(remotes) > 1:
            raise invalid_input("SecurityGroupMultipleRemoteEntites",
                                "Only one of remote_ip_prefix or remote_group_id or "
                                "remote_address_group_id may be provided.")
        groups = self.backend.security_groups
        if rule["remote_group_id"]:
            groups.find(project_id, rule["remote_group_id"])
        group = groups.find_owned(project_id, rule["security_group_id"], "create")
        key = _rule_key(rule)
        for existing in self.rows.values():
            if existing["security_group_id"] == group["id"] and _rule_key(existing) == key:
                raise in_use("SecurityGroupRuleExists",
                             f"Security group rule already exists. Rule id is {existing['id']}.")
        self.check_quota(project_id)
        extra = {k: v for k, v in rule.items()
                 if k not in ("security_group_id", "direction", "ethertype")}
        record = self.add(project_id, group["id"], rule["direction"], ethertype, **extra)
        groups.touch(group)
        return record

    @staticmethod
    def _prefix(value: Any, ethertype: str) -> str | None:
        if not value:
            return None
        try:
            network = ipaddress.ip_network(str(value), strict=False)
        except ValueError:
            raise invalid_input("InvalidCIDR",
                                f"Invalid CIDR {value} given as IP prefix.") from None
        if f"IPv{network.version}" != ethertype:
            raise invalid_input("SecurityGroupRuleParameterConflict",
                                f"Conflicting value ethertype {ethertype} for CIDR {value}")
        text = str(value)
        return text if "/" in text else f"{text}/{network.prefixlen}"

    def delete(self, project_id: str, rid: str) -> None:
        self.find_owned(project_id, rid, "delete")
        del self.rows[rid]
