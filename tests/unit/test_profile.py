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


def test_sandbox_profile_loads_with_every_catalogue_share() -> None:
    deployment = profile.load("sandbox")
    names = {share.name for share in deployment.catalogue.shares}
    assert {"gaia-dr2", "gaia-edr3", "gaia-dr3", "wise-allwise", "panstarrs-ps1",
            "twomass-allsky"} <= names
    data = [s for s in deployment.catalogue.shares if s.purpose == "data"]
    assert all(s.access == "ro" for s in data)


def test_cambridge_mounts_the_real_data_shares_of_iris_gaia_data() -> None:
    deployment = profile.load("cambridge")
    data = {s.name: s for s in deployment.catalogue.shares if s.purpose == "data"}
    assert set(data) == {"aglais-data-gaia-dr2-6514", "aglais-data-gaia-edr3-2048",
                         "aglais-data-gaia-dr3-2048-20221107", "aglais-data-wise-allwise",
                         "aglais-data-panstarrs-ps1", "aglais-data-twomass-allsky"}
    for name, share in data.items():
        assert share.owner is not None and share.owner.project == "iris-gaia-data"
        assert share.owner.access_rule == f"{name}-ro" and share.access == "ro"
    spec = deployment.profile.magnum
    assert spec is not None and spec.master_count == 3
    assert spec.master_flavor.startswith("gaia.vm.cclake.")
    assert deployment.profile.cephfs.share_type == "ceph01_cephfs"


def test_three_masters_get_the_api_load_balancer_and_only_known_labels() -> None:
    from gaia_platform.desired import desired_state

    desired = desired_state(profile.load("cambridge"))
    assert desired.template is not None and desired.template.master_lb_enabled
    # kube_tag and manila_csi_enabled mean nothing to magnum-capi-helm: never sent.
    assert not {"kube_tag", "manila_csi_enabled"} & set(desired.template.labels)
    assert desired.warnings == ()
    sandbox = desired_state(profile.load("sandbox"))
    assert sandbox.template is not None and not sandbox.template.master_lb_enabled


def test_a_label_the_cluster_api_driver_ignores_is_warned_about(tmp_path: Path) -> None:
    from gaia_platform.desired import desired_state

    data = _sandbox_profile()
    data["cluster"]["labels"] = {"manila_csi_enabled": "true",  # type: ignore[index]
                                 "monitoring_enabled": "true"}
    desired = desired_state(profile.load(str(_write(tmp_path, data))))
    assert len(desired.warnings) == 1
    assert "manila_csi_enabled" in desired.warnings[0]
    assert "magnum_capi_helm/conf.py" in desired.warnings[0]


def test_an_existing_cluster_needs_only_its_kubeconfig(tmp_path: Path) -> None:
    from gaia_platform.desired import desired_state

    data = _sandbox_profile()
    data["cluster"] = {"provider": "existing", "kubeconfig": "~/.kube/config"}
    deployment = profile.load(str(_write(tmp_path, data)))
    assert deployment.profile.magnum is None
    desired = desired_state(deployment)
    assert desired.template is None and desired.cluster is None
    data["cluster"] = {"provider": "existing", "kubeconfig": "x", "image": "y"}
    with pytest.raises(ConfigError, match=r"cluster\.image: unknown field"):
        profile.load(str(_write(tmp_path, data, "bad.yaml")))


def test_a_share_of_another_project_must_be_a_data_share(tmp_path: Path) -> None:
    catalogue = yaml.safe_load((REPO / "manila/shares.yaml").read_text())
    notebooks = next(s for s in catalogue["shares"] if s["purpose"] == "notebooks")
    notebooks["owner"] = {"project": "p", "cloud": "c", "access_rule": "r"}
    path = _write(tmp_path, catalogue, "shares.yaml")
    data = _sandbox_profile()
    data["shares"] = str(path)
    with pytest.raises(ConfigError, match="only data shares may be owned"):
        profile.load(str(_write(tmp_path, data)))


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
