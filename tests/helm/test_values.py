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
from tests.charts.conftest import (
    Docs,
    Render,
    executor_pod_template,
    find,
    interpreter_spec,
    server_env,
    spark_properties,
)

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


def _render_releases(render: Render, name: str, **options: Any) -> tuple[Docs, Docs]:
    """helm template of both releases of a profile, as deploy computes them."""
    deployment = profile.load(name)
    desired = desired_state(deployment)
    options.setdefault("spark_image", deployment.profile.kubernetes.spark_image)
    executor, zeppelin = values.releases(deployment, desired, **options)
    return (render(executor.chart, release=executor.name, namespace=desired.namespace,
                   values=executor.values),
            render(zeppelin.chart, release=zeppelin.name, namespace=desired.namespace,
                   values=zeppelin.values))


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _spec_labels(spec: str) -> dict[str, str]:
    """The fixed labels of the interpreter pod spec template (its Jinja ones left out)."""
    lines = spec.split("\n  labels:\n", 1)[1].splitlines()
    labels: dict[str, str] = {}
    for line in lines:
        if not line.startswith("    ") or ": " not in line:
            break
        key, value = line.strip().split(": ", 1)
        if "{{" not in value:
            labels[key] = value.strip('"')
    return labels


@pytest.mark.parametrize("version", ["0.9.0", "0.12.0"])
def test_the_two_releases_find_each_others_objects(render: Render, version: str) -> None:
    """What one release names in the other exists there: the drivers' account, the executor
    pod template, and the pod labels each NetworkPolicy admits."""
    executor_docs, zeppelin_docs = _render_releases(render, "sandbox", zeppelin_version=version)
    accounts = {doc["metadata"]["name"] for doc in executor_docs
                if doc["kind"] == "ServiceAccount"}
    spec = interpreter_spec(zeppelin_docs)
    account = spark_properties(zeppelin_docs)["zeppelin.k8s.interpreter.serviceAccount"]
    assert account in accounts
    assert f"serviceAccountName: {account}" in spec
    # The interpreter pods mount the executors' pod template ConfigMap.
    template_map = find(executor_docs, "ConfigMap", suffix="-pod-template")["metadata"]["name"]
    assert re.search(rf"configMap:\s+name: {re.escape(template_map)}\n", spec)
    # Each release's NetworkPolicy admits the other's pods by their real labels.
    executor_labels = executor_pod_template(executor_docs)["metadata"]["labels"]
    interpreter_labels = _spec_labels(spec)
    [interpreter_policy] = [doc for doc in zeppelin_docs if doc["kind"] == "NetworkPolicy"
                            and doc["metadata"]["name"].endswith("-interpreter")]
    assert any(_matches(peer["podSelector"]["matchLabels"], executor_labels)
               for rule in interpreter_policy["spec"]["ingress"] for peer in rule["from"])
    executor_policy = find(executor_docs, "NetworkPolicy")
    assert any(_matches(peer["podSelector"]["matchLabels"], interpreter_labels)
               for rule in executor_policy["spec"]["ingress"] for peer in rule["from"])
    # status and the user commands find the server by Names().server.
    assert find(zeppelin_docs, "Deployment")["metadata"]["name"] == values.Names().server
    assert find(zeppelin_docs, "Service")["metadata"]["name"] == values.Names().server


@pytest.mark.parametrize("mounts", ["sparkProperties", "podTemplate"])
def test_executors_get_every_share_exactly_once_either_way(render: Render,
                                                           mounts: values.ShareMounts) -> None:
    """Spark adds the volumes of its properties to those of the pod template: each catalogue
    share must come from exactly one of the two (twice fails the executor pod)."""
    deployment = profile.load("cambridge")
    executor_docs, zeppelin_docs = _render_releases(render, "cambridge",
                                                    zeppelin_version="0.12.0",
                                                    executor_share_mounts=mounts)
    prefix = "spark.kubernetes.executor.volumes.persistentVolumeClaim."
    from_properties = [value for key, value in spark_properties(zeppelin_docs).items()
                       if key.startswith(prefix) and key.endswith(".options.claimName")]
    template = executor_pod_template(executor_docs)
    from_template = [volume["persistentVolumeClaim"]["claimName"]
                     for volume in template["spec"].get("volumes", [])
                     if "persistentVolumeClaim" in volume]
    claims = sorted(from_properties + from_template)
    assert claims == sorted(share.name for share in deployment.catalogue.shares)
    assert (from_template == []) is (mounts == "sparkProperties")


def test_a_new_catalogue_share_becomes_a_new_mount(tmp_path: Path) -> None:
    before = profile.load("sandbox")
    after = _load(tmp_path, [{"name": "gaia-dr4", "size_gb": 10, "access": "ro",
                              "mount_path": "/data/gaia/GDR4", "purpose": "data"}])
    old = values.zeppelin_values(before, desired_state(before))["shares"]
    new = values.zeppelin_values(after, desired_state(after))["shares"]
    assert new[:-1] == old
    assert new[-1] == {"name": "gaia-dr4", "claimName": "gaia-dr4",
                       "mountPath": "/data/gaia/GDR4", "readOnly": True}


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


def test_an_unsupported_zeppelin_is_refused_naming_choices_the_chart_renders(
        render: Render) -> None:
    deployment = profile.load("sandbox")
    with pytest.raises(ConfigError, match=r"Zeppelin 0\.8\.2 is not supported") as error:
        values.zeppelin_values(deployment, desired_state(deployment), zeppelin_version="0.8.2")
    choices = re.findall(r"\d+\.\d+\.\d+", str(error.value).split("choose one of", 1)[1])
    assert len(choices) >= 2
    for version in choices:
        _, zeppelin_docs = _render_releases(render, "sandbox", zeppelin_version=version)
        image = find(zeppelin_docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
        assert image["image"] == f"apache/zeppelin:{version}"


@pytest.mark.parametrize("image", ["localhost/gaia-platform/spark-py:v3.0.3",
                                   "registry:5000/gaia/spark-py"])
def test_the_profiles_spark_image_is_what_drivers_and_executors_run(render: Render,
                                                                   image: str) -> None:
    _, zeppelin_docs = _render_releases(render, "sandbox", spark_image=image)
    # An untagged reference means :latest to a container runtime; a registry port is no tag.
    expected = image if re.search(r":[^/]+$", image) else f"{image}:latest"
    properties = spark_properties(zeppelin_docs)
    assert properties["spark.kubernetes.container.image"] == expected  # the executors'
    assert properties["zeppelin.k8s.spark.container.image"] == expected  # the driver's Spark
    assert server_env(zeppelin_docs)["ZEPPELIN_K8S_SPARK_CONTAINER_IMAGE"] == expected


def test_without_a_spark_image_the_version_default_is_rendered(render: Render) -> None:
    _, zeppelin_docs = _render_releases(render, "sandbox", zeppelin_version="0.12.0",
                                        spark_image=None)
    image = spark_properties(zeppelin_docs)["spark.kubernetes.container.image"]
    # A Spark 3.5 image for Zeppelin 0.12 (Zeppelin's SparkVersion.java: 3.3 <= v < 4).
    assert image.startswith("apache/spark:3.5.")
