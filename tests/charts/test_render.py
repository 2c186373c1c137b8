"""helm template for each profile and each supported Zeppelin version, with the values the
deploy step computes, checked strictly against the Kubernetes 1.34 schema: the charts' own
objects, the executor pod template, and the interpreter pods Zeppelin would create from the
rendered spec template."""

from __future__ import annotations

import pytest

from gaia_platform.helm import values as chart_values
from tests.charts.conftest import (
    EXECUTOR,
    PROFILES,
    SPARK_IMAGE_09,
    VERSIONS,
    ZEPPELIN,
    Launchers,
    Render,
    deployment_of,
    executor_pod_template,
    launch_from,
    validate,
)


def _render_both(render: Render, profile_name: str, version: str,
                 mounts: chart_values.ShareMounts = "sparkProperties") -> list[dict]:  # type: ignore[type-arg]
    deployment, desired = deployment_of(profile_name)
    image = deployment.profile.kubernetes.spark_image or (
        "{repository}:{tag}".format(**SPARK_IMAGE_09) if version == "0.9.0" else None)
    executor, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version,
                                               executor_share_mounts=mounts, spark_image=image)
    return (render(executor.chart, release=executor.name, namespace=desired.namespace,
                   values=executor.values)
            + render(zeppelin.chart, release=zeppelin.name, namespace=desired.namespace,
                     values=zeppelin.values))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("profile_name", PROFILES)
def test_rendered_objects_are_valid_kubernetes(render: Render, zeppelin_launcher: Launchers,
                                               profile_name: str, version: str) -> None:
    docs = _render_both(render, profile_name, version)
    kinds = sorted({doc["kind"] for doc in docs})
    assert kinds == ["ConfigMap", "Deployment", "NetworkPolicy", "Pod", "Role",
                     "RoleBinding", "Service", "ServiceAccount", "ValidatingAdmissionPolicy",
                     "ValidatingAdmissionPolicyBinding"]
    for doc in docs:
        validate(doc)
    validate(executor_pod_template(docs))
    _, desired = deployment_of(profile_name)
    for group in ("spark", "python", "md"):
        launched = launch_from(docs, zeppelin_launcher(version), group, desired.namespace)
        assert launched.ok, launched.answer.get("trace")
        # As rendered (what YAML says) and as that release's fabric8 client would send it.
        for objects in (launched.template_objects, launched.objects):
            assert [o["kind"] for o in objects] == ["Pod", "Service"], group
            for obj in objects:
                validate(obj)


@pytest.mark.parametrize("version", VERSIONS)
def test_pod_template_mode_renders_valid_objects(render: Render, version: str) -> None:
    docs = _render_both(render, "cambridge", version, mounts="podTemplate")
    for doc in docs:
        validate(doc)
    template = executor_pod_template(docs)
    validate(template)
    assert template["spec"]["volumes"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_option_on_renders_valid_objects(render: Render, zeppelin_launcher: Launchers,
                                               version: str) -> None:
    docs = (render(ZEPPELIN, release="gaia-zeppelin", files=[ZEPPELIN / "ci/lint-values.yaml"],
                   values={"zeppelinVersion": version})
            + render(EXECUTOR, release="gaia-executors",
                     files=[EXECUTOR / "ci/lint-values.yaml"]))
    assert {"Ingress", "Deployment"} <= {doc["kind"] for doc in docs}
    for doc in docs:
        validate(doc)
    validate(executor_pod_template(docs))
    launched = launch_from(docs, zeppelin_launcher(version))
    assert launched.ok, launched.answer.get("trace")
    for obj in launched.template_objects + launched.objects:
        validate(obj)
