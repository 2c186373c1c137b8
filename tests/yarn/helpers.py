"""What the Yarn tests share: rendering for a profile, and parsers as Hadoop, Spark and
cloud-init read these files."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

from gaia_platform import profile
from gaia_platform.yarn import cloudinit
from gaia_platform.yarn.layout import VmPlan, YarnPlan, yarn_plan
from gaia_platform.yarn.sizing import Flavor, Sizing, compute
from tests import tools

#: The emulated cloud's flavors (gaia_platform/sandbox/emulator/nova/flavors.py) and Arcus's.
FLAVORS = {"gaia.vm.2vcpu": (2, 4096), "gaia.vm.4vcpu": (4, 8192), "gaia.vm.8vcpu": (8, 16384),
           "gaia.vm.26vcpu": (26, 46080),
           # Arcus's, as gaia-dmp's `openstack flavor list` showed it (notes/zrq/2022/
           # 20220117-01-arcus-testing.txt); preflight reads the real flavor today's cloud has.
           "gaia.vm.cclake.26vcpu": (26, 44032)}
FAKE_KEY = "AQBd4mFnAAAAABAAwz5kZxyQ0n0tY5DVH3mYSw=="


def plan_for(cloud: str) -> YarnPlan:
    return yarn_plan(profile.load(cloud))


def sizing_for(plan: YarnPlan) -> Sizing:
    vcpus, ram = FLAVORS[plan.spec.worker_flavor]
    return compute(plan.spec, Flavor(plan.spec.worker_flavor, vcpus, ram), plan.profile_file)


def mounts_for(plan: YarnPlan, vm: VmPlan, key: str = FAKE_KEY) -> list[cloudinit.Mount]:
    """The mounts as the server step builds them, from an export location like Manila's."""
    return [cloudinit.Mount(m.share, m.mount_path, m.access, m.cephx_id,
                            "10.4.200.9:6789,10.4.200.13:6789,10.4.200.17:6789",
                            f"/volumes/_nogroup/{m.share}-id/subvolume", key)
            for m in cloudinit.planned_mounts(plan, vm)]


def user_data(plan: YarnPlan, vm: VmPlan, key: str = FAKE_KEY) -> str:
    return cloudinit.render(plan, vm, sizing_for(plan), mounts_for(plan, vm, key))


def files(text: str) -> dict[str, dict[str, Any]]:
    """write_files of a #cloud-config, by path (the fstab append kept apart from /etc/hosts)."""
    document = yaml.safe_load(text)
    return {entry["path"]: entry for entry in document["write_files"]}


def validate_cloud_config(text: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """cloud-init's own schema validator on a user-data text (skips outside CI when cloud-init
    is missing; fails in CI, where make test installs it)."""
    cloud_init = tools.require("cloud-init",
                               "apt-get install -y --no-install-recommends cloud-init")
    path = directory / "user-data.yaml"
    path.write_text(text)
    return subprocess.run([cloud_init, "schema", "--config-file", str(path)],
                          capture_output=True, text=True, timeout=120)


def hadoop_properties(xml_text: str) -> dict[str, str]:
    """A *-site.xml as Hadoop's Configuration reads it; a duplicate name is an error here."""
    root = ET.fromstring(xml_text)
    assert root.tag == "configuration"
    result: dict[str, str] = {}
    for prop in root.findall("property"):
        name, value = prop.findtext("name"), prop.findtext("value")
        assert name and value is not None, ET.tostring(prop)
        assert name not in result, f"{name} set twice"
        result[name] = value
    return result


def java_properties(text: str) -> dict[str, str]:
    """A .properties file as java.util.Properties.load reads it (how Spark reads
    spark-defaults.conf): the key ends at the first whitespace, '=' or ':'."""
    result = {}
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line[0] in "#!":
            continue
        match = re.match(r"((?:\\.|[^\s=:\\])+)\s*[=:]?\s*(.*)$", line)
        assert match, raw
        result[match.group(1)] = match.group(2)
    return result
