"""The cloud's flavors (fixed, as an operator would have defined them) and their views.

Shapes per microversion from https://docs.openstack.org/api-ref/compute/ "Flavors": ``description``
from 2.55, ``extra_specs`` from 2.61, ``swap`` an integer (not ``""``) from 2.75.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..http import ApiError
from .versions import at_least

# (name, vcpus, ram MiB, disk GiB, description). The gaia.vm.* names are what the sandbox
# profile asks for; general.v1.* are the small general-purpose flavors Arcus-like clouds offer.
_FLAVORS = [
    ("general.v1.tiny", 1, 2048, 10, "General purpose, 1 vCPU"),
    ("general.v1.small", 2, 4096, 20, "General purpose, 2 vCPUs"),
    ("general.v1.medium", 4, 8192, 40, "General purpose, 4 vCPUs"),
    ("gaia.vm.2vcpu", 2, 4096, 20, "Gaia platform, 2 vCPUs"),
    ("gaia.vm.4vcpu", 4, 8192, 40, "Gaia platform, 4 vCPUs"),
    ("gaia.vm.8vcpu", 8, 16384, 80, "Gaia platform, 8 vCPUs"),
    ("gaia.vm.26vcpu", 26, 46080, 80, "Gaia platform, 26 vCPUs (worker)"),
    # No root disk: a server of this flavor boots from a volume, or needs Nova's admin-only
    # create:zero_disk_flavor policy (nova/policies/servers.py). A sandbox choice, so that the
    # refusals around such flavors (Nova's and Magnum's boot_volume_size) can be exercised.
    ("general.v1.volume", 2, 4096, 0, "General purpose, 2 vCPUs, root disk on a volume"),
]
# Arcus's Cascade Lake flavors the cambridge profile names (openstack/clouds/cambridge.yaml),
# private to the Gaia projects, as `openstack flavor list` showed them in wfau/gaia-dmp
# notes/zrq/2022/20220117-01-arcus-testing.txt (gaia-dmp b300c59): (vcpus, ram MiB, disk GiB,
# ephemeral GiB).
_ARCUS = {
    "gaia.vm.cclake.2vcpu": (2, 3072, 14, 0),
    "gaia.vm.cclake.4vcpu": (4, 6144, 22, 0),
    "gaia.vm.cclake.26vcpu": (26, 44032, 20, 180),
    "gaia.vm.cclake.54vcpu": (54, 88064, 20, 380),
}


def _flavor(name: str, vcpus: int, ram: int, disk: int, description: str | None,
            ephemeral: int = 0, public: bool = True) -> dict[str, Any]:
    flavor_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"gaia-sandbox/flavor/{name}"))
    return {"id": flavor_id, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
            "ephemeral": ephemeral, "swap": 0, "description": description,
            "is_public": public, "extra_specs": {"hw_rng:allowed": "True"}}


FLAVORS: dict[str, dict[str, Any]] = {}
for _name, _vcpus, _ram, _disk, _description in _FLAVORS:
    _made = _flavor(_name, _vcpus, _ram, _disk, _description)
    FLAVORS[_made["id"]] = _made
for _name, (_vcpus, _ram, _disk, _ephemeral) in _ARCUS.items():
    _made = _flavor(_name, _vcpus, _ram, _disk, None, _ephemeral, public=False)
    FLAVORS[_made["id"]] = _made


def find(flavor_ref: str) -> dict[str, Any]:
    """A flavor by id (or by a link ending in its id, as flavorRef allows)."""
    flavor_id = flavor_ref.rstrip("/").rsplit("/", 1)[-1]
    flavor = FLAVORS.get(flavor_id)
    if flavor is None:
        raise ApiError(404, f"Flavor {flavor_id} could not be found.")
    return flavor


def links(base: str, flavor_id: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/v2.1/flavors/{flavor_id}"},
            {"rel": "bookmark", "href": f"{base}/flavors/{flavor_id}"}]


def brief(flavor: dict[str, Any], base: str, version: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {"id": flavor["id"], "name": flavor["name"],
                            "links": links(base, flavor["id"])}
    if at_least(version, "2.55"):
        view["description"] = flavor["description"]
    return view


def detail(flavor: dict[str, Any], base: str, version: str | None) -> dict[str, Any]:
    view = brief(flavor, base, version)
    view.update({
        "ram": flavor["ram"], "disk": flavor["disk"], "vcpus": flavor["vcpus"],
        "swap": flavor["swap"] if at_least(version, "2.75") else (flavor["swap"] or ""),
        "OS-FLV-EXT-DATA:ephemeral": flavor["ephemeral"],
        "OS-FLV-DISABLED:disabled": False,
        "os-flavor-access:is_public": flavor["is_public"],
        "rxtx_factor": 1.0,
    })
    if at_least(version, "2.61"):
        view["extra_specs"] = dict(flavor["extra_specs"])
    return view


def embedded(flavor: dict[str, Any], base: str, version: str | None) -> dict[str, Any]:
    """The flavor inside a server: a link before 2.47, the flavor's own values from 2.47."""
    if not at_least(version, "2.47"):
        return {"id": flavor["id"], "links": links(base, flavor["id"])[1:]}
    return {"vcpus": flavor["vcpus"], "ram": flavor["ram"], "disk": flavor["disk"],
            "ephemeral": flavor["ephemeral"], "swap": flavor["swap"],
            "original_name": flavor["name"], "extra_specs": dict(flavor["extra_specs"])}


def listing(args: Any, base: str, version: str | None, details: bool) -> list[dict[str, Any]]:
    flavors = sorted(FLAVORS.values(), key=lambda f: (f["ram"], f["vcpus"], f["name"]))
    try:
        min_ram = int(args.get("minRam", 0))
        min_disk = int(args.get("minDisk", 0))
    except ValueError:
        raise ApiError(400, "Invalid minRam or minDisk filter") from None
    flavors = [f for f in flavors if f["ram"] >= min_ram and f["disk"] >= min_disk]
    marker = args.get("marker")
    if marker:
        ids = [f["id"] for f in flavors]
        if marker not in ids:
            raise ApiError(400, f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1:]
    if args.get("limit"):
        flavors = flavors[: int(args["limit"])]
    render = detail if details else brief
    return [render(f, base, version) for f in flavors]
