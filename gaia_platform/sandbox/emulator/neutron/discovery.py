"""Neutron's version document, resource index and extension list.

``GET /`` lists the one API version (https://docs.openstack.org/api-ref/network/v2/,
"List API versions"); ``GET /v2.0/`` lists the core resources; ``GET /v2.0/extensions`` the
extensions this emulator implements (clients such as openstacksdk's cloud layer check aliases
like ``router`` or ``extraroute-atomic`` before using them).
"""

from __future__ import annotations

from typing import Any

EXTENSIONS: list[tuple[str, str, str]] = [
    ("router", "Neutron L3 Router",
     "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to "
     "external networks via a NAT gateway."),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Extension of the router abstraction for specifying whether SNAT should occur on the "
     "external gateway"),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
    ("extraroute-atomic", "Atomically add/remove extra routes",
     "Edit extra routes of a router on server side by atomically adding/removing extra routes"),
    ("external-net", "Neutron external network", "Adds external network attribute to network "
     "resource."),
    ("subnet-external-network", "Subnet External Network",
     "Informs if the subnet is associated to an external network."),
    ("security-group", "security-group", "The security groups extension."),
    ("stateful-security-group", "Stateful security group",
     "Indicates if the security group is stateful or not"),
    ("security-groups-normalized-cidr", "Normalized CIDR field for security group rules",
     "Add new field with normalized remote_ip_prefix cidr in SG rule"),
    ("security-groups-rules-belongs-to-default-sg", "Security group rule belongs to the "
     "project's default security group", "Flag to determine if the security group rule "
     "belongs to the project's default security group"),
    ("port-security", "Port Security", "Provides port security"),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
    ("quotas", "Quota management support", "Expose functions for quotas management per "
     "project"),
    ("quota_details", "Quota details management support",
     "Expose functions for quotas usage statistics per project"),
    ("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, "
     "network_segment_range, router, network, policy, subnetpool, port, security_group, "
     "floatingip", "Enables to set tag on resources with standard attribute."),
    ("tag-creation", "Tag creation extension", "Allow to set tags on resource creation."),
    ("standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"),
    ("standard-attr-timestamp", "Resource timestamps",
     "Adds created_at and updated_at fields to all Neutron resources that have Neutron "
     "standard attributes."),
    ("standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron resources."),
    ("fip-port-details", "Floating IP Port Details Extension",
     "Add port_details attribute to Floating IP resource"),
    ("availability_zone", "Availability Zone", "The availability zone extension."),
    ("network_availability_zone", "Network Availability Zone",
     "Availability zone support for network."),
    ("router_availability_zone", "Router Availability Zone",
     "Availability zone support for router."),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
    ("allowed-address-pairs", "Allowed Address Pairs",
     "Provides allowed address pairs"),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external "
     "application"),
    ("filter-validation", "Filter parameters validation",
     "Provides validation on filter parameters."),
    ("pagination", "Pagination support", "Extension that indicates that pagination is "
     "enabled."),
    ("fields", "Fields", "Allows to select the fields of the response."),
    # neutron/extensions/sorting.py and revisionifmatch.py (neutron-lib api definitions).
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
    ("revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is supported."),
]

EXTENSIONS_UPDATED = "2024-01-01T00:00:00-00:00"

CORE_RESOURCES = [("network", "networks"), ("subnet", "subnets"), ("subnetpool", "subnetpools"),
                  ("port", "ports")]


def versions(base: str) -> dict[str, Any]:
    return {"versions": [{"id": "v2.0", "status": "CURRENT",
                          "links": [{"href": f"{base}/v2.0/", "rel": "self"}]}]}


def resources(base: str) -> dict[str, Any]:
    return {"resources": [
        {"name": name, "collection": collection,
         "links": [{"rel": "self", "href": f"{base}/v2.0/{collection}"}]}
        for name, collection in CORE_RESOURCES
    ]}


def extension(alias: str) -> dict[str, Any] | None:
    for ext_alias, name, description in EXTENSIONS:
        if ext_alias == alias:
            return {"alias": alias, "name": name, "description": description,
                    "updated": EXTENSIONS_UPDATED, "links": []}
    return None


def extensions() -> dict[str, Any]:
    return {"extensions": [extension(alias) for alias, _, _ in EXTENSIONS]}
