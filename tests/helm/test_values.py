"""The releases' values computed from a profile and its share catalogue (pure)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gaia_platform import profile
from gaia_platform.desired import desired_state
from gaia_platform.errors import ConfigError
from gaia_platform.helm import values

REPO = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, extra_shares: list[dict[str, Any]]) -> profile.Deployment:
    catalogue = yaml.safe_load((REPO / "manila/shares.yaml").read_text())
    catalogue["shares"] += extra_shares
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump(catalogue))
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data["shares"] = str(tmp_path / "shares.yaml")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    return profile.load(str(tmp_path / "p.yaml"))


@pytest.mark.parametrize("name", ["sandbox", "cambridge"])
def test_every_catalogue_share_is_mounted_at_its_path(name: str) -> None:
    deployment = profile.load(name)
    desired = desired_state(deployment)
    zeppelin = values.zeppelin_values(deployment, desired)
    mounts = {m["mountPath"]: m for m in zeppelin["shares"]}
    assert len(mounts) == len(deployment.catalogue.shares)
    for share in deployment.catalogue.shares:
        mount = mounts[share.mount_path]
        assert mount["readOnly"] is (share.purpose == "data")
        assert mount["claimName"] == share.name
        assert ("subPath" in mount) is (share.purpose == "notebooks")
    notebooks = next(s for s in deployment.catalogue.shares if s.purpose == "notebooks")
    storage = zeppelin["notebookStorage"]
    assert storage["existingClaim"] == notebooks.name
    assert storage["mountPath"] == notebooks.mount_path
    assert storage["notebooksSubPath"] != storage["configSubPath"]


def test_the_two_releases_name_each_others_objects() -> None:
    deployment = profile.load("sandbox")
    executor, zeppelin = values.releases(deployment, desired_state(deployment),
                                         auth_secret="gaia-auth", zeppelin_version="0.12.0")
    assert (executor.name, zeppelin.name) == ("spark-executor", "zeppelin")
    assert executor.chart.name == "spark-executor" and zeppelin.chart.name == "zeppelin"
    assert (executor.chart / "Chart.yaml").is_file() and (zeppelin.chart / "Chart.yaml").is_file()
    z = zeppelin.values
    assert z["fullnameOverride"] == "zeppelin" and executor.values["fullnameOverride"] == (
        "spark-executor")
    assert z["interpreter"]["serviceAccountName"] == "spark-executor-driver"
    assert z["spark"]["executorPodTemplate"]["configMap"] == "spark-executor-pod-template"
    assert z["auth"] == {"existingSecret": "gaia-auth",
                         "users": [{"name": "admin", "roles": ["admin"]}]}
    assert z["zeppelinVersion"] == "0.12.0"
    assert z["networkPolicy"]["executorPodLabels"]["app.kubernetes.io/instance"] == (
        "spark-executor")
    assert executor.values["driver"]["podLabels"]["app.kubernetes.io/instance"] == "zeppelin"
    assert values.Names().server == "zeppelin-server"


def test_shares_are_mounted_by_spark_properties_or_the_template_never_both() -> None:
    deployment = profile.load("cambridge")
    desired = desired_state(deployment)
    by_properties = values.releases(deployment, desired)
    assert by_properties[0].values["shares"] == []
    assert by_properties[1].values["spark"]["executorShareMounts"] == "sparkProperties"
    by_template = values.releases(deployment, desired, executor_share_mounts="podTemplate")
    assert by_template[0].values["shares"] == by_template[1].values["shares"]
    assert by_template[1].values["spark"]["executorShareMounts"] == "podTemplate"


def test_a_new_catalogue_share_becomes_a_new_mount(tmp_path: Path) -> None:
    before = profile.load("sandbox")
    after = _load(tmp_path, [{"name": "gaia-dr4", "size_gb": 10, "access": "ro",
                              "mount_path": "/data/gaia/GDR4", "purpose": "data"}])
    old = values.zeppelin_values(before, desired_state(before))["shares"]
    new = values.zeppelin_values(after, desired_state(after))["shares"]
    assert new[:-1] == old
    assert new[-1] == {"name": "gaia-dr4", "claimName": "gaia-dr4",
                       "mountPath": "/data/gaia/GDR4", "readOnly": True}


def test_values_are_deterministic() -> None:
    deployment = profile.load("cambridge")
    first = values.releases(deployment, desired_state(deployment))
    second = values.releases(deployment, desired_state(deployment))
    assert first == second


def test_share_names_that_are_not_volume_names_are_cleaned() -> None:
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    plan = desired.shares[0]
    renamed = type(plan)(**{**plan.__dict__, "share": plan.share.model_copy(
        update={"name": "Gaia_DR2.full"})})
    assert values.share_volume_name(renamed) == "gaia-dr2-full"


def test_clashing_volume_names_are_refused_with_the_catalogue_named(tmp_path: Path) -> None:
    deployment = _load(tmp_path, [{"name": "gaia.dr2", "size_gb": 1, "access": "ro",
                                   "mount_path": "/data/x", "purpose": "data"}])
    with pytest.raises(ConfigError) as error:
        values.zeppelin_values(deployment, desired_state(deployment))
    assert str(tmp_path / "shares.yaml") in str(error.value)
    assert "'gaia-dr2' and 'gaia.dr2'" in str(error.value)


def test_share_names_kubernetes_cannot_use_are_refused(tmp_path: Path) -> None:
    deployment = _load(tmp_path, [{"name": "Gaia-DR5", "size_gb": 1, "access": "ro",
                                   "mount_path": "/data/x", "purpose": "data"}])
    with pytest.raises(ConfigError, match="'Gaia-DR5' cannot name a Kubernetes"):
        values.executor_values(deployment, desired_state(deployment),
                               executor_share_mounts="podTemplate")


def test_unsupported_zeppelin_version_is_refused() -> None:
    deployment = profile.load("sandbox")
    expected = "Zeppelin 0.8.2 is not supported; choose one of 0.9.0, 0.10.1, 0.11.2, 0.12.0"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        values.zeppelin_values(deployment, desired_state(deployment), zeppelin_version="0.8.2")


def test_the_profiles_spark_image_reaches_the_chart() -> None:
    assert values.spark_image_values("localhost/gaia-platform/spark-py:v3.0.3") == {
        "repository": "localhost/gaia-platform/spark-py", "tag": "v3.0.3"}
    # A registry port is not a tag.
    assert values.spark_image_values("registry:5000/gaia/spark-py") == {
        "repository": "registry:5000/gaia/spark-py", "tag": "latest"}
    assert values.spark_image_values(None) == {}
    deployment = profile.load("sandbox")
    zeppelin = values.zeppelin_values(deployment, desired_state(deployment),
                                      spark_image=deployment.profile.kubernetes.spark_image)
    assert zeppelin["images"]["spark"] == {"repository": "localhost/gaia-platform/spark-py",
                                           "tag": "v3.0.3"}
    assert "images" not in values.zeppelin_values(deployment, desired_state(deployment))
