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
    VERSIONS,
    ZEPPELIN,
    Render,
    deployment_of,
    executor_pod_template,
    interpreter_spec,
    spark_properties,
    validate,
)
from tests.charts.zeppelin_launcher import launch


def _render_both(render: Render, profile_name: str, version: str,
                 mounts: chart_values.ShareMounts = "sparkProperties") -> list[dict]:  # type: ignore[type-arg]
    deployment, desired = deployment_of(profile_name)
    executor, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version,
                                               executor_share_mounts=mounts)
    return (render(executor.chart, release=executor.name, namespace=desired.namespace,
                   values=executor.values)
            + render(zeppelin.chart, release=zeppelin.name, namespace=desired.namespace,
                     values=zeppelin.values))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("profile_name", PROFILES)
def test_rendered_objects_are_valid_kubernetes(render: Render, profile_name: str,
                                               version: str) -> None:
    docs = _render_both(render, profile_name, version)
    kinds = sorted({doc["kind"] for doc in docs})
    assert kinds == ["ConfigMap", "Deployment", "NetworkPolicy", "Pod", "Role",
                     "RoleBinding", "Service", "ServiceAccount", "ValidatingAdmissionPolicy",
                     "ValidatingAdmissionPolicyBinding"]
    for doc in docs:
        validate(doc)
    validate(executor_pod_template(docs))
    _, desired = deployment_of(profile_name)
    properties = spark_properties(docs)
    for group, props in (("spark", properties), ("python", {}), ("md", {})):
        run = launch(version, props, group=group, namespace=desired.namespace,
                     server_service="zeppelin-server", interpreter_image="apache/zeppelin",
                     spark_image=properties["spark.kubernetes.container.image"])
        objects = run.render(interpreter_spec(docs))
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
def test_every_option_on_renders_valid_objects(render: Render, version: str) -> None:
    docs = (render(ZEPPELIN, release="gaia-zeppelin", files=[ZEPPELIN / "ci/lint-values.yaml"],
                   values={"zeppelinVersion": version})
            + render(EXECUTOR, release="gaia-executors",
                     files=[EXECUTOR / "ci/lint-values.yaml"]))
    assert {"Ingress", "Deployment"} <= {doc["kind"] for doc in docs}
    for doc in docs:
        validate(doc)
    validate(executor_pod_template(docs))
    properties = spark_properties(docs)
    run = launch(version, properties, group="spark", namespace="gaia",
                 server_service="gaia-zeppelin-server", interpreter_image="x",
                 spark_image=properties["spark.kubernetes.container.image"])
    for obj in run.render(interpreter_spec(docs)):
        validate(obj)
