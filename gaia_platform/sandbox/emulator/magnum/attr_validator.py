"""The OpenStack resources Magnum's API checks before it accepts a template or a cluster.

A port of magnum/api/attr_validator.py (openstack/magnum @ 5a492d6, July 2026): the image must
exist and carry ``os_distro`` (validate_image), the flavors, external network, fixed network and
subnet must exist for the project (validate_flavor, validate_external_network,
validate_fixed_network, validate_fixed_subnet), a cluster's keypair must exist for the user
(validate_keypair), and a flavor with no root disk is refused unless ``boot_volume_size`` says
to boot from a volume (validate_flavor_root_volume_size). Magnum asks Glance, Nova and Neutron
with the user's own token; the emulator asks its own backends the same questions. The status
codes are the exceptions' own (magnum/common/exception.py): most *NotFound here are 400 "as the
latest document says", KeyPairNotFound is 404, duplicates are a 409 Conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..nova import flavors as nova_flavors
from ..store import Record

if TYPE_CHECKING:
    from .models import MagnumBackend

# [cinder] default_boot_volume_size (magnum/conf/cinder.py): 0, boot from the flavor's disk.
DEFAULT_BOOT_VOLUME_SIZE = 0


@dataclass(frozen=True)
class Requester:
    project_id: str
    user_id: str


def find_image(backend: MagnumBackend, who: Requester, image: str) -> Record:
    """validate_image: openstacksdk find_image (id, then unique name) and os_distro."""
    glance = backend.state.backends["glance"]
    by_id = glance.image_for(who.project_id, image)
    if by_id is not None:
        found: Record = by_id
    else:
        named = [i for i in glance.images.values()
                 if i.get("name") == image and glance.visible(i, who.project_id)]
        if len(named) > 1:
            raise ApiError(409, f"Multiple images exist with same name '{image}'. Please use "
                                "the image ID instead.")
        if not named:
            raise ApiError(400, f"Image {image} could not be found.")  # ImageNotFound
        found = named[0]
    if not found.get("os_distro"):
        raise ApiError(400, f"Image {image} doesn't contain os_distro field.")
    return found


def find_flavor(flavor: str | None) -> dict[str, Any]:
    """validate_flavor's loop over every flavor, by name or id (FlavorNotFound, 400)."""
    for candidate in nova_flavors.FLAVORS.values():
        if flavor in (candidate["name"], candidate["id"]):
            return candidate
    raise ApiError(400, f"Unable to find flavor {flavor}.")


def check_root_volume(flavor: str | None, boot_volume_size: Any) -> None:
    """validate_flavor_root_volume_size: a flavor with disk 0 needs boot_volume_size > 0."""
    try:
        size = int(str(boot_volume_size))
    except ValueError:
        # oslo_utils strutils.validate_integer raises a plain ValueError, which wsme's
        # format_exception reports as a server fault (it is no ClientSideError).
        raise ApiError(500, "boot_volume_size must be an integer") from None
    if size > 0:
        return
    if int(find_flavor(flavor)["disk"]) == 0:
        raise ApiError(400, "Flavor with zero root volume size is not supported when "
                            "boot_volume_size is zero.")


def _unique(matches: int, missing: str, duplicate: str) -> None:
    if matches == 0:
        raise ApiError(400, missing)
    if matches > 1:
        raise ApiError(409, duplicate)


def check_external_network(backend: MagnumBackend, who: Requester, network: str) -> None:
    neutron = backend.state.backends["neutron"]
    matches = sum(1 for n in neutron.networks.rows.values()
                  if n["router:external"] and neutron.networks.visible(n, who.project_id)
                  and network in (n["name"], n["id"]))
    _unique(matches, f"Unable to find external network {network}.",
            f"Multiple external networks exist with same name '{network}'. Please use the "
            "external network ID instead.")


def check_fixed_network(backend: MagnumBackend, who: Requester, network: str) -> None:
    neutron = backend.state.backends["neutron"]
    matches = sum(1 for n in neutron.networks.rows.values()
                  if neutron.networks.visible(n, who.project_id)
                  and network in (n["name"], n["id"]))
    _unique(matches, f"Unable to find fixed network {network}.",
            f"Multiple networks exist with same name '{network}'. Please use the network ID "
            "instead.")


def check_fixed_subnet(backend: MagnumBackend, who: Requester, subnet: str) -> None:
    neutron = backend.state.backends["neutron"]
    matches = sum(1 for s in neutron.subnets.rows.values()
                  if neutron.subnets.visible(s, who.project_id)
                  and subnet in (s["name"], s["id"]))
    _unique(matches, f"Unable to find fixed subnet {subnet}.",
            f"Multiple subnets exist with same name '{subnet}'. Please use the subnet ID "
            "instead.")


def check_keypair(backend: MagnumBackend, who: Requester, keypair: str | None) -> None:
    """validate_keypair: Nova's keypairs are the user's own (KeyPairNotFound, 404)."""
    if keypair is None:
        return
    nova = backend.state.backends["nova"]
    try:
        nova.keypairs.get(who.user_id, keypair)
    except ApiError:
        raise ApiError(404, f"Unable to find keypair {keypair}.") from None


def check_os_resources(backend: MagnumBackend, who: Requester, template: Record,
                       cluster: Record | None = None) -> None:
    """validate_os_resources: each attribute from the cluster if it sets one, else from the
    template; then the cluster's keypair. Labels have no validators upstream."""
    checks = (("image_id", lambda v: find_image(backend, who, v)),
              ("flavor_id", find_flavor),
              ("master_flavor_id", find_flavor),
              ("external_network_id", lambda v: check_external_network(backend, who, v)),
              ("fixed_network", lambda v: check_fixed_network(backend, who, v)),
              ("fixed_subnet", lambda v: check_fixed_subnet(backend, who, v)))
    for attr, check in checks:
        if cluster is not None and cluster.get(attr):
            check(cluster[attr])
        elif template.get(attr) is not None:
            check(template[attr])
    if cluster is not None:
        check_keypair(backend, who, cluster.get("keypair"))
