"""Glance's state: the cloud's public images (seeded) and any the project uploads.

Image shape, filters and pagination from https://docs.openstack.org/api-ref/image/v2/
("Show image", "List images"): custom properties such as ``os_distro`` sit at the top level of
the image; any of them can be a list filter.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import Record, public

if TYPE_CHECKING:
    from ..state import EmulatorState

# The cloud operator's project (the same id the Neutron emulator uses for its networks).
ADMIN_PROJECT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "gaia-sandbox/admin").hex

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
                "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")

# (name, size in bytes, properties). The kube image follows the Magnum Cluster API driver's
# naming and properties (os_distro, kube_version); ubuntu-jammy boots the Yarn VMs.
SEED = [
    ("ubuntu-jammy-kube-v1.34.4", 3_246_391_296,
     {"os_distro": "ubuntu", "os_version": "22.04", "kube_version": "v1.34.4",
      "os_type": "linux", "hw_rng_model": "virtio"}),
    ("ubuntu-jammy", 683_147_264,
     {"os_distro": "ubuntu", "os_version": "22.04", "os_type": "linux",
      "hw_rng_model": "virtio"}),
    ("Fedora-30-1.2", 332_595_200,
     {"os_distro": "fedora-atomic", "os_version": "30", "os_type": "linux"}),
]


def timestamp(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts if ts is not None else time.time()))


class GlanceBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    @property
    def images(self) -> dict[str, Record]:
        return self.state.store.table("glance", "images")

    def advance(self, now: float) -> bool:
        meta = self.state.store.table("glance", "meta")
        if "seed" in meta:
            return False
        meta["seed"] = {"at": now}
        for name, size, properties in SEED:
            image_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"gaia-sandbox/image/{name}"))
            record = self._new(image_id, ADMIN_PROJECT_ID, {
                "name": name, "disk_format": "qcow2", "container_format": "bare",
                "visibility": "public", "min_disk": 20 if "kube" in name else 10,
                **properties})
            content = f"{name}:{size}".encode()
            record.update(status="active", size=size, virtual_size=size * 3,
                          checksum=hashlib.md5(content, usedforsecurity=False).hexdigest(),
                          os_hash_algo="sha512", os_hash_value=hashlib.sha512(content).hexdigest())
        return True

    def _new(self, image_id: str, owner: str, body: dict[str, Any]) -> Record:
        now = timestamp()
        record: Record = {
            "id": image_id, "name": body.get("name"), "status": "queued",
            "visibility": body.get("visibility", "shared"),
            "protected": bool(body.get("protected", False)),
            "os_hidden": bool(body.get("os_hidden", False)), "checksum": None,
            "os_hash_algo": None, "os_hash_value": None, "size": None, "virtual_size": None,
            "min_disk": int(body.get("min_disk", 0)), "min_ram": int(body.get("min_ram", 0)),
            "owner": owner, "disk_format": body.get("disk_format"),
            "container_format": body.get("container_format"), "created_at": now,
            "updated_at": now, "tags": list(body.get("tags") or []),
            "self": f"/v2/images/{image_id}", "file": f"/v2/images/{image_id}/file",
            "schema": "/v2/schemas/image",
        }
        extra = {k: v for k, v in body.items() if k not in record and k != "id"}
        record.update(extra)
        record["_properties"] = sorted(extra)
        self.images[image_id] = record
        return record

    # -- reads ---------------------------------------------------------------------------------
    def visible(self, image: Record, project_id: str) -> bool:
        return bool(image["owner"] == project_id
                    or image["visibility"] in ("public", "community"))

    def image_for(self, project_id: str, image_id: str) -> Record | None:
        image = self.images.get(image_id)
        return image if image is not None and self.visible(image, project_id) else None

    def get(self, project_id: str, image_id: str) -> Record:
        image = self.image_for(project_id, image_id)
        if image is None:
            raise ApiError(404, f"No image found with ID {image_id}")
        return image

    def properties(self, image_id: str) -> dict[str, Any]:
        """The image's own properties, as Nova embeds them in a server (2.98)."""
        image = self.images.get(image_id, {})
        return {key: image[key] for key in image.get("_properties", [])}

    @staticmethod
    def view(image: Record) -> Record:
        return public(image)

    # -- writes --------------------------------------------------------------------------------
    def create(self, project_id: str, body: dict[str, Any]) -> Record:
        for key in ("status", "owner", "created_at", "updated_at", "size", "virtual_size",
                    "checksum", "self", "file", "schema", "os_hash_algo", "os_hash_value"):
            if key in body:
                raise ApiError(403, f"Attribute '{key}' is read-only.")
        if body.get("disk_format") not in (None, *DISK_FORMATS):
            raise ApiError(400, f"Invalid value '{body['disk_format']}' for parameter "
                                f"'disk_format': Valid values are: {', '.join(DISK_FORMATS)}")
        if body.get("container_format") not in (None, *CONTAINER_FORMATS):
            raise ApiError(400, f"Invalid value '{body['container_format']}' for parameter "
                                "'container_format': Valid values are: "
                                f"{', '.join(CONTAINER_FORMATS)}")
        if body.get("visibility", "shared") not in ("public", "private", "shared",
                                                    "community"):
            raise ApiError(400, f"Invalid value '{body['visibility']}' for parameter "
                                "'visibility'")
        if body.get("visibility") == "public":
            raise ApiError(403, 'You are not authorized to complete publicize_image action.')
        image_id = str(body.get("id") or uuid.uuid4())
        if image_id in self.images:
            raise ApiError(409, f"Image with identifier {image_id} already exists!")
        return self._new(image_id, project_id, body)

    def delete(self, project_id: str, image_id: str) -> None:
        image = self.get(project_id, image_id)
        if image["owner"] != project_id:
            raise ApiError(403, "You are not permitted to delete this image.")
        if image["protected"]:
            raise ApiError(403, f"Image {image_id} is protected and cannot be deleted.")
        del self.images[image_id]
