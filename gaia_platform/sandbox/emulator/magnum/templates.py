"""Cluster templates: create, show, patch, delete.

https://docs.openstack.org/api-ref/container-infrastructure-management/#manage-cluster-templates
and magnum/api/controllers/v1/cluster_template.py, magnum/api/validation.py (K8sValidator,
enforce_driver_supported), magnum/api/attr_validator.py (attr_validator.py here),
magnum/db/sqlalchemy/api.py (what a template in use may still change). The one driver installed
is the Cluster API driver (capi.py): it is every template's driver, and the image's os_distro is
its cluster_distro.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import Record, public
from . import attr_validator, capi, patching
from .validation import Field, check, invalid, is_uuid_like, parse_body

if TYPE_CHECKING:
    from .models import MagnumBackend

_TEXT = Field("string", 1, 255)
FIELDS: dict[str, Field] = {
    "uuid": Field("string"),
    "name": _TEXT,
    "coe": Field("choice", choices=("kubernetes",), mandatory=True),
    "image_id": Field("string", 1, 255, mandatory=True),
    "flavor_id": _TEXT,
    "master_flavor_id": _TEXT,
    "dns_nameserver": _TEXT,
    "keypair_id": _TEXT,
    "external_network_id": _TEXT,
    "fixed_network": _TEXT,
    "fixed_subnet": _TEXT,
    "network_driver": _TEXT,
    "apiserver_port": Field("integer", 1024, 65535),
    "docker_volume_size": Field("integer", 1),
    "cluster_distro": _TEXT,
    "http_proxy": _TEXT,
    "https_proxy": _TEXT,
    "no_proxy": _TEXT,
    "volume_driver": _TEXT,
    "registry_enabled": Field("boolean"),
    "labels": Field("labels"),
    "tls_disabled": Field("boolean"),
    "public": Field("boolean"),
    "server_type": Field("choice", choices=("vm", "bm")),
    "insecure_registry": _TEXT,
    "docker_storage_driver": _TEXT,
    "master_lb_enabled": Field("boolean"),
    "floating_ip_enabled": Field("boolean"),
    "hidden": Field("boolean"),
    "tags": Field("string", 0, 255),
    "driver": _TEXT,
}
READ_ONLY = frozenset({"links", "project_id", "user_id", "created_at", "updated_at"})
DEFAULTS: dict[str, Any] = {
    "registry_enabled": False, "tls_disabled": False, "public": False, "server_type": "vm",
    "master_lb_enabled": False, "floating_ip_enabled": True, "hidden": False, "labels": {},
}
# ClusterTemplatePatchType: besides the mandatory fields, these may not be removed.
NON_REMOVABLE = frozenset({"/coe", "/image_id", "/network_driver", "/external_network_id",
                           "/tls_disabled", "/public", "/server_type", "/registry_enabled",
                           "/cluster_distro", "/hidden"})
NETWORK_DRIVERS = ("flannel", "calico", "cilium")
DEFAULT_NETWORK_DRIVER = "flannel"
VOLUME_DRIVERS = ("cinder",)
# The drivers installed (magnum.drivers entry points); Driver.get_default_driver picks the
# first, alphabetically, when neither the template nor the image names one.
INSTALLED_DRIVERS = (capi.DRIVER_NAME,)
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau",
         "upsilon", "phi", "chi", "psi", "omega")


def generated_name(suffix: str) -> str:
    """Magnum's NameGenerator: a Greek letter and a number, e.g. ``zeta-22-cluster``."""
    return f"{random.choice(GREEK)}-{random.randint(1, 24)}-{suffix}"


def _check_drivers(record: Record) -> None:
    """K8sValidator: network and volume drivers Magnum knows for Kubernetes."""
    if not record.get("network_driver"):
        record["network_driver"] = DEFAULT_NETWORK_DRIVER
    if record["network_driver"] not in NETWORK_DRIVERS:
        raise ApiError(400, f"Network driver type {record['network_driver']} is not supported, "
                            f"expecting a {'/'.join((*NETWORK_DRIVERS, 'unspecified'))} "
                            "network driver.")
    volume = record.get("volume_driver")
    if volume and volume not in VOLUME_DRIVERS:
        raise ApiError(400, f"Volume driver type {volume} is not supported, expecting a "
                            f"{'/'.join((*VOLUME_DRIVERS, 'unspecified'))} volume driver.")
    if record.get("docker_storage_driver") == "devicemapper":
        size = record.get("docker_volume_size")
        if not size or size < 3:
            raise ApiError(400, f"docker volume size {size} GB is not valid, expecting minimum "
                                "value 3GB for devicemapper storage driver.")


def _driver(record: Record, image: Record) -> str:
    """enforce_driver_supported: the template's driver, the image's magnum_driver property,
    or the default; a named driver that is not installed is ClusterDriverNotSupported."""
    name = str(record.get("driver") or image.get("magnum_driver") or INSTALLED_DRIVERS[0])
    if name not in INSTALLED_DRIVERS:
        raise ApiError(400, f"Cluster driver ({name}) not supported.")
    return name


def _check_root_volumes(record: Record, given: dict[str, Any]) -> None:
    """validate_flavor_root_volume_size for the flavors the request names."""
    size = (record["labels"] or {}).get("boot_volume_size",
                                        attr_validator.DEFAULT_BOOT_VOLUME_SIZE)
    for key in ("flavor_id", "master_flavor_id"):
        if key in given:
            attr_validator.check_root_volume(given[key], size)


def create(backend: MagnumBackend, project_id: str, user_id: str, body: Any,
           admin: bool) -> Record:
    values = parse_body(body, "cluster_template", FIELDS, READ_ONLY)
    if "uuid" in values and not is_uuid_like(values["uuid"]):
        raise invalid("uuid", values["uuid"], "Invalid UUID value")
    record: Record = dict.fromkeys(FIELDS)
    record.update(DEFAULTS)
    record.update(values)
    record["labels"] = dict(record["labels"] or {})
    _check_drivers(record)
    # cluster_template.py post: the OpenStack resources (the image must have os_distro, which
    # becomes cluster_distro), the driver, the publish policy, then the root volume sizes.
    who = attr_validator.Requester(project_id, user_id)
    attr_validator.check_os_resources(backend, who, record)
    image = attr_validator.find_image(backend, who, record["image_id"])
    record["driver"] = _driver(record, image)
    record["cluster_distro"] = image["os_distro"]
    if (record["public"] or record["hidden"]) and not admin:
        raise ApiError(403, "Not authorized to set public or hidden flag for cluster template.")
    _check_root_volumes(record, values)
    record["uuid"] = values.get("uuid") or backend.new_uuid()
    if record["uuid"] in backend.templates:
        raise ApiError(409, f"A ClusterTemplate with UUID {record['uuid']} already exists.")
    record["name"] = record["name"] or generated_name("template")
    record.update(project_id=project_id, user_id=user_id, created_at=backend.stamp(),
                  updated_at=None)
    backend.templates[record["uuid"]] = record
    return record


def view(backend: MagnumBackend, record: Record) -> Record:
    shown = public(record)
    shown["links"] = backend.links("clustertemplates", record["uuid"])
    return shown


def _in_use(backend: MagnumBackend, record: Record) -> bool:
    return any(c["cluster_template_id"] == record["uuid"] for c in backend.clusters.values())


def update(backend: MagnumBackend, record: Record, patch: Any, admin: bool,
           user_id: str = "") -> Record:
    operations = patching.check_operations(patch, (), NON_REMOVABLE)
    document = {key: record.get(key) for key in FIELDS}
    patched = patching.apply(document, operations)
    for name, field in FIELDS.items():
        if patched.get(name) is not None and patched[name] != record.get(name):
            patched[name] = check(name, field, patched[name])
    changed = {key: patched.get(key) for key in FIELDS if patched.get(key) != record.get(key)}
    candidate = {**record, **changed}
    _check_drivers(candidate)
    changed["network_driver"] = candidate["network_driver"]
    # cluster_template.py patch: the patched template's resources, the publish policy, and
    # the root volumes (with the labels as they were).
    attr_validator.check_os_resources(
        backend, attr_validator.Requester(record["project_id"], user_id), candidate)
    if ("public" in changed or "hidden" in changed) and not admin:
        raise ApiError(403, "Not authorized to set public or hidden flag for cluster template.")
    # Upstream passes an unset flavor on to the check too (and would answer "Unable to find
    # flavor None."); the emulator checks only the flavors the template names.
    _check_root_volumes({"labels": record["labels"]}, {
        key: candidate[key] for key in ("flavor_id", "master_flavor_id") if candidate[key]})
    changed = {key: value for key, value in changed.items() if value != record.get(key)}
    if changed and _in_use(backend, record):
        # A template in use may only be renamed, published or hidden, or retagged.
        publishing = len(changed) == 1 and (
            changed.get("public") is True or "hidden" in changed or changed.get("tags")
            is not None)
        if not publishing and list(changed) != ["name"]:
            raise ApiError(400, f"ClusterTemplate {record['uuid']} is referenced by one or "
                                "multiple clusters.")
    if changed:
        record.update(changed)
        record["updated_at"] = backend.stamp()
    return record


def delete(backend: MagnumBackend, record: Record) -> None:
    if _in_use(backend, record):
        raise ApiError(400, f"ClusterTemplate {record['uuid']} is referenced by one or "
                            "multiple clusters.")
    del backend.templates[record["uuid"]]
