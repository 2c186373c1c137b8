"""Profiles and the share catalogue: what loads, and what is refused with which message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gaia_platform import profile
from gaia_platform.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: dict[str, object], name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _sandbox_profile() -> dict[str, object]:
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data["shares"] = str(REPO / "manila/shares.yaml")
    return dict(data)


@pytest.mark.parametrize("name", ["cambridge", "sandbox"])
def test_shipped_profiles_load_with_every_catalogue_share(name: str) -> None:
    deployment = profile.load(name)
    names = {share.name for share in deployment.catalogue.shares}
    assert {"gaia-dr2", "gaia-edr3", "gaia-dr3", "wise-allwise", "panstarrs-ps1",
            "twomass-allsky"} <= names
    data = [s for s in deployment.catalogue.shares if s.purpose == "data"]
    assert all(s.access == "ro" for s in data)


def test_profile_path_is_accepted_as_well_as_a_name(tmp_path: Path) -> None:
    path = _write(tmp_path, _sandbox_profile())
    assert profile.load(str(path)).profile.name == "sandbox"


def test_unknown_profile_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: cambridge, sandbox"):
        profile.load("nowhere")


def test_misspelt_field_is_named_with_its_file(tmp_path: Path) -> None:
    data = _sandbox_profile()
    data["cluster"]["worker_cont"] = 3  # type: ignore[index]
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as error:
        profile.load(str(path))
    assert str(path) in str(error.value)
    assert "cluster.worker_cont: unknown field" in str(error.value)


def test_worker_count_outside_autoscaling_bounds_is_refused(tmp_path: Path) -> None:
    data = _sandbox_profile()
    data["cluster"]["worker_count"] = 9  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"between autoscaling\.min_nodes and max_nodes"):
        profile.load(str(_write(tmp_path, data)))


def test_broken_yaml_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ncluster: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+, column \d+"):
        profile.load(str(path))


def _catalogue(tmp_path: Path, shares: list[dict[str, object]]) -> Path:
    data = _sandbox_profile()
    data["shares"] = str(_write(tmp_path, {"shares": shares}, "shares.yaml"))
    return _write(tmp_path, data)


NOTEBOOKS = {"name": "nb", "size_gb": 1, "access": "rw", "mount_path": "/notebooks",
             "purpose": "notebooks"}


def test_a_writable_data_share_is_refused(tmp_path: Path) -> None:
    path = _catalogue(tmp_path, [NOTEBOOKS, {"name": "d", "size_gb": 1, "access": "rw",
                                             "mount_path": "/data/x", "purpose": "data"}])
    with pytest.raises(ConfigError, match=r"shares\.yaml has 1 invalid.*shares.1: .*read-only"):
        profile.load(str(path))


def test_nested_mount_paths_are_refused(tmp_path: Path) -> None:
    path = _catalogue(tmp_path, [NOTEBOOKS,
                                 {"name": "a", "size_gb": 1, "access": "ro",
                                  "mount_path": "/data/gaia", "purpose": "data"},
                                 {"name": "b", "size_gb": 1, "access": "ro",
                                  "mount_path": "/data/gaia/dr3", "purpose": "data"}])
    with pytest.raises(ConfigError, match="/data/gaia/dr3 is inside /data/gaia"):
        profile.load(str(path))


def test_relative_or_dotted_mount_paths_are_refused(tmp_path: Path) -> None:
    path = _catalogue(tmp_path, [NOTEBOOKS, {"name": "a", "size_gb": 1, "access": "ro",
                                             "mount_path": "/data/../etc", "purpose": "data"}])
    with pytest.raises(ConfigError, match="mount_path"):
        profile.load(str(path))


def test_zeppelin_version_must_be_one_the_charts_support(tmp_path: Path) -> None:
    from gaia_platform.helm.values import SUPPORTED_ZEPPELIN_VERSIONS

    data = _sandbox_profile()
    data["kubernetes"] = {"namespace": "gaia", "zeppelin_version": "0.8.2"}
    with pytest.raises(ConfigError, match=r"kubernetes\.zeppelin_version"):
        profile.load(str(_write(tmp_path, data)))
    for version in SUPPORTED_ZEPPELIN_VERSIONS:
        data["kubernetes"] = {"namespace": "gaia", "zeppelin_version": version}
        loaded = profile.load(str(_write(tmp_path, data)))
        assert loaded.profile.kubernetes.zeppelin_version == version
