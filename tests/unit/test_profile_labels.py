"""Magnum labels read as integers are refused in the profile when they are none: the cloud
would answer a 500 (boot_volume_size) or quietly use its default (the Cluster API driver)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gaia_platform import profile
from gaia_platform.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _profile(tmp_path: Path, labels: dict[str, str]) -> Path:
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data["shares"] = str(REPO / "manila/shares.yaml")
    data["cluster"]["labels"] = labels
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_boot_volume_size_that_is_no_number_is_refused_naming_file_and_field(
    tmp_path: Path,
) -> None:
    path = _profile(tmp_path, {"boot_volume_size": "20GB", "max_node_count": "ten",
                               "monitoring_enabled": "true"})
    with pytest.raises(ConfigError) as refused:
        profile.load(str(path))
    text = str(refused.value)
    assert str(path) in text and "cluster.labels" in text
    assert "boot_volume_size, max_node_count must be whole numbers" in text


def test_whole_numbers_load(tmp_path: Path) -> None:
    loaded = profile.load(str(_profile(tmp_path, {"boot_volume_size": "40",
                                                  "etcd_blockdevice_size": "10"})))
    assert loaded.profile.cluster.labels["boot_volume_size"] == "40"  # type: ignore[union-attr]
