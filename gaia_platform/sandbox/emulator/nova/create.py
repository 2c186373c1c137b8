"""POST /servers: validate the request as Nova does, then record the servers and plug them in.

Checks and messages from nova/api/openstack/compute/servers.py (create) and nova/exception.py;
https://docs.openstack.org/api-ref/compute/ "Create Server". ``networks`` is required from 2.37
(a list, or "auto"/"none"); ``tags`` are accepted from 2.52.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..neutron.errors import NeutronError
from ..store import Record, new_id
from . import flavors
from .models import timestamp
from .versions import at_least

if TYPE_CHECKING:
    from .models import NovaBackend

USER_DATA_MAX = 65535
MAX_TAGS = 50


@dataclass
class Requester:
    project_id: str
    user_id: str
    version: str | None


def _invalid(field: str, value: Any, message: str) -> ApiError:
    # nova.api.validation: "Invalid input for field/attribute <f>. Value: <v>. <message>"
    return ApiError(400, f"Invalid input for field/attribute {field}. Value: {value}. {message}")


def _schema(server: Any, version: str | None) -> dict[str, Any]:
    if not isinstance(server, dict):
        raise _invalid("server", server, f"{server!r} is not of type 'object'")
    required = ["name", "flavorRef"] + (["networks"] if at_least(version, "2.37") else [])
    for key in required:
        if key not in server:
            raise _invalid("server", server, f"'{key}' is a required property")
    name = server["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise _invalid("name", name, "Invalid server name")
    user_data = server.get("user_data")
    if user_data is not None:
        if not isinstance(user_data, str):
            raise _invalid("user_data", user_data, f"{user_data!r} is not of type 'string'")
        if len(user_data) > USER_DATA_MAX:
            shown = user_data[:32] + "..."  # Nova echoes the whole value; abbreviated here
            raise _invalid("user_data", shown, f"'{shown}' is too long")
        try:
            base64.b64decode(user_data.encode())
        except (binascii.Error, ValueError):
            raise ApiError(400, "User data needs to be valid base 64.") from None
    tags = server.get("tags")
    if tags is not None:
        if not at_least(version, "2.52"):
            raise _invalid("server", server, "Additional properties are not allowed ('tags' "
                                             "was unexpected)")
        check_tags(tags)
    metadata = server.get("metadata", {})
    check_metadata(metadata)
    if "hostname" in server:
        check_hostname(server["hostname"], version, "server")
    return server


# nova/api/validation/parameter_types.py ``hostname`` (2.90) and ``fqdn`` (2.94 on), as
# nova/api/openstack/compute/schemas/servers.py create_v290/update_v290/update_v294 use them.
_HOSTNAME = re.compile(r"^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$")
_FQDN = re.compile(r"^[a-zA-Z0-9-._]*$")


def check_hostname(hostname: Any, version: str | None, container: str) -> None:
    if not at_least(version, "2.90"):
        raise _invalid(container, {"hostname": hostname}, "Additional properties are not "
                       "allowed ('hostname' was unexpected)")
    if not isinstance(hostname, str):
        raise _invalid("hostname", hostname, f"{hostname!r} is not of type 'string'")
    if at_least(version, "2.94"):
        if not 1 <= len(hostname) <= 255 or not _FQDN.match(hostname):
            raise _invalid("hostname", hostname, f"'{hostname}' does not match "
                           f"'{_FQDN.pattern}'")
    elif not 2 <= len(hostname) <= 63 or not _HOSTNAME.match(hostname):
        raise _invalid("hostname", hostname, f"'{hostname}' does not match "
                       f"'{_HOSTNAME.pattern}'")


def check_tags(tags: Any) -> None:
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise _invalid("tags", tags, f"A list of at most {MAX_TAGS} tags is required")
    for tag in tags:
        if not isinstance(tag, str) or not 1 <= len(tag) <= 60 or "/" in tag or "," in tag:
            raise _invalid("tags", tag, "Tags must be non empty strings of at most 60 "
                                        "characters without '/' and ','")


def check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise _invalid("metadata", metadata, f"{metadata!r} is not of type 'object'")
    for key, value in metadata.items():
        if not 1 <= len(key) <= 255:
            raise _invalid("metadata", metadata, f"'{key}' does not match any of the regexes")
        if not isinstance(value, str) or len(value) > 255:
            raise _invalid(key, value, f"{value!r} is not of type 'string' or is too long")


def _image(backend: NovaBackend, who: Requester, server: dict[str, Any]) -> Record | None:
    """The image booted, or None when booting from a volume."""
    image_ref = server.get("imageRef") or ""
    for bdm in server.get("block_device_mapping_v2") or []:
        if str(bdm.get("boot_index")) == "0":
            if bdm.get("source_type") == "image" and not image_ref:
                image_ref = bdm.get("uuid", "")
            elif bdm.get("source_type") in ("volume", "snapshot") and not image_ref:
                return None
    if not image_ref:
        raise ApiError(400, "Missing imageRef attribute")
    image_id = str(image_ref).rstrip("/").rsplit("/", 1)[-1]
    image: Record | None = backend.state.backends["glance"].image_for(who.project_id, image_id)
    if image is None:
        raise ApiError(400, "Can not find requested image")
    if image["status"] != "active":
        raise ApiError(400, f"Image {image_id} is not active.")
    return image


def _requested_networks(backend: NovaBackend, who: Requester,
                        wanted: Any) -> list[dict[str, str]]:
    """[{"network": id} | {"port": id}, with optional "fixed_ip"] after Nova's checks."""
    neutron = backend.neutron
    if wanted is None or wanted == "auto":
        # nova/network/neutron.py _ports_needed_per_instance: one candidate is used whatever
        # it is (a shared external network too); two or more are ambiguous (NetworkAmbiguous
        # raised with this message, 409 from servers.py create); none with "auto" needs the
        # auto-allocated-topology extension, which the emulated Neutron does not list.
        candidates = neutron.server_networks(who.project_id)
        if len(candidates) > 1:
            raise ApiError(409, "Multiple possible networks found, use a Network ID to be "
                                "more specific.")
        if not candidates:
            if wanted == "auto":
                raise ApiError(400, "Unable to automatically allocate a network for project "
                                    f"{who.project_id}")
            return []
        _check_external_attach(candidates[0])
        if not candidates[0]["subnets"]:
            raise ApiError(400, f"Network {candidates[0]['id']} requires a subnet in order to "
                                "boot instances on.")
        return [{"network": candidates[0]["id"]}]
    if wanted == "none":
        return []
    if not isinstance(wanted, list):
        raise ApiError(400, "Bad networks format")
    result: list[dict[str, str]] = []
    for entry in wanted:
        if not isinstance(entry, dict):
            raise ApiError(400, "Bad networks format")
        if entry.get("port"):
            port = neutron.ports.rows.get(str(entry["port"]))
            if port is None or port["project_id"] != who.project_id:
                raise ApiError(400, f"Port id {entry['port']} could not be found.")
            if port["device_id"]:
                raise ApiError(409, f"Port {port['id']} is still in use.")
            result.append({"port": port["id"]})
            continue
        if "uuid" not in entry:
            raise ApiError(400, "Bad network format: missing 'uuid'")
        try:
            uuid.UUID(str(entry["uuid"]))
        except ValueError:
            raise ApiError(400, "Bad networks format: network uuid is not in proper format "
                                f"({entry['uuid']})") from None
        network = neutron.networks.rows.get(str(entry["uuid"]))
        if network is None or not neutron.networks.visible(network, who.project_id):
            raise ApiError(400, f"Network {entry['uuid']} could not be found.")
        _check_external_attach(network)
        if not network["subnets"]:
            raise ApiError(400, f"Network {network['id']} requires a subnet in order to boot "
                                "instances on.")
        result.append({"network": network["id"], **({"fixed_ip": entry["fixed_ip"]}
                                                     if entry.get("fixed_ip") else {})})
    return result


GIB = 1024 ** 3


def _volume_backed(server: dict[str, Any]) -> bool:
    """The root disk is a volume: the boot_index 0 mapping's destination (nova/block_device.py
    BlockDeviceDict, destination_type "volume"; a volume or snapshot source is one too)."""
    for bdm in server.get("block_device_mapping_v2") or []:
        if str(bdm.get("boot_index")) == "0":
            return bool(bdm.get("destination_type") == "volume"
                        or bdm.get("source_type") in ("volume", "snapshot"))
    return False


def _check_flavor_fits_image(flavor: dict[str, Any], image: Record, volume_backed: bool,
                             ) -> None:
    """nova/compute/api.py _validate_flavor_image_nostatus (nova 00a0304):
    FlavorMemoryTooSmall, then for a boot from the flavor's local disk
    FlavorDiskSmallerThanImage, FlavorDiskSmallerThanMinDisk (400 from servers.py create); a
    volume's size is not the flavor's business (the emulator has no Cinder to check it)."""
    if int(flavor["ram"]) < int(image.get("min_ram") or 0):
        raise ApiError(400, "Flavor's memory is too small for requested image.")
    if volume_backed:
        return
    disk = int(flavor["disk"]) * GIB
    if disk == 0:
        # A zero-disk flavor from an image needs os_compute_api:servers:create:zero_disk_flavor,
        # admin only by default (nova/policies/servers.py): BootFromVolumeRequiredForZeroDisk-
        # Flavor, a Forbidden, 403 from servers.py create.
        raise ApiError(403, "Only volume-backed servers are allowed for flavors with zero disk.")
    size, min_disk = int(image.get("size") or 0), int(image.get("min_disk") or 0) * GIB
    if size > disk:
        raise ApiError(400, "Flavor's disk is too small for requested image. Flavor disk is "
                            f"{disk} bytes, image is {size} bytes.")
    if min_disk > disk:
        raise ApiError(400, "Flavor's disk is smaller than the minimum size specified in image "
                            f"metadata. Flavor disk is {disk} bytes, minimum size is {min_disk} "
                            "bytes.")


def _check_external_attach(network: Record) -> None:
    """nova/network/neutron.py _check_external_network_attach: a member (no
    network:attach_external_network policy) may not plug into an external non-shared network
    (ExternalNetworkAttachForbidden, 403)."""
    if network["router:external"] and not network["shared"]:
        raise ApiError(403, "It is not allowed to create an interface on external network "
                            f"{network['id']}")


def _security_groups(backend: NovaBackend, who: Requester, wanted: Any) -> tuple[list[str],
                                                                                  list[str]]:
    given = [g.get("name") for g in wanted or [{"name": "default"}] if isinstance(g, dict)]
    names = list(dict.fromkeys(str(n) for n in given if n))
    found = backend.neutron.security_group_ids(who.project_id, names)
    for name, ids in found.items():
        if not ids:
            raise ApiError(400, f"Security group {name} not found.")
        if len(ids) > 1:
            raise ApiError(409, f"Multiple security groups found matching '{name}'. Use an ID "
                                "to be more specific.")
    return names, [ids[0] for ids in found.values()]


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


def create_servers(backend: NovaBackend, who: Requester, body: Any) -> tuple[Record, str]:
    """The first server made and its admin password."""
    if not isinstance(body, dict) or "server" not in body:
        raise _invalid("server", body, "'server' is a required property")
    server = _schema(body["server"], who.version)
    if server.get("availability_zone") not in (None, "", "nova"):
        raise ApiError(400, "The requested availability zone is not available")
    try:
        count = int(server.get("max_count", server.get("min_count", 1)))
        minimum = int(server.get("min_count", 1))
    except (TypeError, ValueError):
        raise ApiError(400, "min_count and max_count must be integers") from None
    if minimum > count:
        raise ApiError(400, "min_count must be <= max_count")
    image = _image(backend, who, server)
    try:
        flavor = flavors.find(str(server["flavorRef"]))
    except ApiError as exc:
        raise ApiError(400, exc.message) from None
    if image is not None:
        _check_flavor_fits_image(flavor, image, _volume_backed(server))
    key_name = server.get("key_name")
    if key_name is not None:
        try:
            backend.keypairs.get(who.user_id, key_name)
        except ApiError:
            raise ApiError(400, "Invalid key_name provided.") from None
    requested = _requested_networks(backend, who, server.get("networks"))
    group_names, group_ids = _security_groups(backend, who, server.get("security_groups"))
    backend.check_instance_quota(who.project_id, flavor, count)
    password = _password()
    records = [_record(backend, who, server, flavor, image, group_names, count, index)
               for index in range(count)]
    for record in records:
        try:
            _plug(backend, who, record, requested, group_ids)
        except NeutronError as exc:
            for made in records:
                backend.neutron.release_server_ports(made["id"])
                backend.servers.pop(made["id"], None)
            # Nova answers 400 for the port errors it anticipates (FixedIpAlreadyInUse, ...)
            raise ApiError(400, exc.message) from None
        backend.start_build(record)
    return records[0], password


def _record(backend: NovaBackend, who: Requester, server: dict[str, Any],
            flavor: dict[str, Any], image: Record | None, groups: list[str], count: int,
            index: int) -> Record:
    server_id = new_id()
    name = server["name"] if count == 1 else f"{server['name']}-{index + 1}"
    host = "compute-" + hashlib.sha1(server_id.encode(), usedforsecurity=False).hexdigest()[:2]
    now = timestamp()
    record: Record = {
        "id": server_id, "name": name, "tenant_id": who.project_id, "user_id": who.user_id,
        "metadata": dict(server.get("metadata") or {}), "created": now, "updated": now,
        "key_name": server.get("key_name"), "config_drive": "True" if server.get(
            "config_drive") else "", "accessIPv4": server.get("accessIPv4", ""),
        "accessIPv6": server.get("accessIPv6", ""),
        "OS-DCF:diskConfig": server.get("OS-DCF:diskConfig", "MANUAL"),
        "description": server.get("description") if at_least(who.version, "2.19") else None,
        "tags": list(dict.fromkeys(server.get("tags") or [])),
        "vm_state": "building", "task_state": "scheduling",
        "OS-SRV-USG:launched_at": None, "locked": False,
        "_flavor": dict(flavor), "_image": None if image is None else image["id"],
        "_security_groups": groups, "_user_data": server.get("user_data"), "_host": host,
        "_instance_name": f"instance-{int(server_id[:8], 16):08x}",
        "_reservation_id": "r-" + secrets.token_hex(4), "_launch_index": index,
        "_hostname": server.get("hostname")
        or name.lower().replace("_", "-").replace(" ", "-")[:63],
    }
    backend.servers[server_id] = record
    return record


def _plug(backend: NovaBackend, who: Requester, record: Record,
          requested: list[dict[str, str]], group_ids: list[str]) -> None:
    neutron = backend.neutron
    for entry in requested:
        if "port" in entry:
            neutron.bind_port(who.project_id, entry["port"], record["id"])
        else:
            neutron.create_server_port(who.project_id, record["id"], entry["network"],
                                       group_ids, entry.get("fixed_ip"))
