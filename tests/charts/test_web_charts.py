"""The public entry point's values through the real helm binary: the sandbox's stand-ins for
Traefik and cert-manager (same keys as upstream), this repository's acme-issuer chart, and
the Zeppelin Ingress they serve. (The upstream charts themselves are out of reach offline: see
test_csi_charts.py for the opt-in check with $GAIA_UPSTREAM_CHARTS.)"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gaia_platform.helm import web as web_charts
from gaia_platform.profile import Web
from tests.charts.conftest import REPO, ZEPPELIN, Render, deployment_of, find, validate

STAND_INS = REPO / "charts" / "sandbox"
ACME = Web(host="gaia.example.org", tls={"acme": {"email": "ops@example.org"}})
OWN_CERT = Web(host="gaia.example.org", tls={"secret": "gaia-cert"})


def test_the_controller_makes_the_class_the_ingress_names_behind_a_load_balancer(
        render: Render) -> None:
    release = web_charts.ingress_controller(ACME, STAND_INS / "traefik")
    docs = render(release.chart, release=release.name, namespace=release.namespace,
                  values=release.values)
    ingress_class = find(docs, "IngressClass")
    assert ingress_class["metadata"]["name"] == "traefik"
    # Not the cluster's default class: it serves what names it.
    annotations = ingress_class["metadata"]["annotations"]
    assert annotations["ingressclass.kubernetes.io/is-default-class"] == "false"
    service = find(docs, "Service")
    assert service["spec"]["type"] == "LoadBalancer"
    assert {p["port"] for p in service["spec"]["ports"]} == {80, 443}
    for doc in docs:
        validate(doc)


def test_acme_gets_an_issuer_answering_through_that_class(render: Render) -> None:
    issuer = web_charts.acme_issuer(ACME, "gaia")
    doc = find(render(issuer.chart, values=issuer.values), "Issuer")
    assert doc["apiVersion"] == "cert-manager.io/v1"
    acme = doc["spec"]["acme"]
    assert acme["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    assert acme["email"] == "ops@example.org"
    assert acme["solvers"] == [{"http01": {"ingress": {"ingressClassName": "traefik"}}}]
    manager = web_charts.cert_manager(STAND_INS / "cert-manager")
    crd = find(render(manager.chart, values=manager.values), "CustomResourceDefinition")
    assert crd["metadata"]["name"] == web_charts.ISSUER_CRD


def test_the_issuer_chart_refuses_no_ingress_class(render_error: Callable[..., str]) -> None:
    issuer = web_charts.acme_issuer(ACME, "gaia")
    message = render_error(issuer.chart, values={**issuer.values, "ingressClassName": ""})
    assert "ingressClassName" in message


@pytest.mark.parametrize(("web", "secret", "annotations"), [
    (ACME, web_charts.ACME_TLS_SECRET, {"cert-manager.io/issuer": web_charts.ISSUER}),
    (OWN_CERT, "gaia-cert", None),
])
def test_zeppelin_is_served_at_the_host_over_tls(render: Render, web: Web, secret: str,
                                                 annotations: dict[str, str] | None) -> None:
    from gaia_platform.helm import values as chart_values

    deployment, desired = deployment_of("sandbox")
    # The profile's Spark image, as deploy passes it (Zeppelin 0.9.0 has no upstream one).
    values = chart_values.zeppelin_values(deployment, desired,
                                          spark_image=deployment.profile.kubernetes.spark_image)
    values["ingress"] = web_charts.zeppelin_ingress(web)
    ingress = find(render(ZEPPELIN, values=values), "Ingress")
    validate(ingress)
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert ingress["spec"]["rules"][0]["host"] == "gaia.example.org"
    assert ingress["spec"]["tls"] == [{"secretName": secret, "hosts": ["gaia.example.org"]}]
    assert ingress["metadata"].get("annotations") == annotations


@pytest.mark.skipif(not os.environ.get("GAIA_UPSTREAM_CHARTS"),
                    reason="GAIA_UPSTREAM_CHARTS names no directory holding the upstream "
                           "charts (their Helm repositories are out of reach offline)")
def test_the_values_render_valid_objects_with_upstream_traefik_and_cert_manager(
        render: Render) -> None:
    """$GAIA_UPSTREAM_CHARTS/traefik (traefik-helm-chart v41.3.0 traefik/) and .../cert-manager
    (cert-manager v1.21.1 deploy/charts/cert-manager)."""
    root = Path(os.environ["GAIA_UPSTREAM_CHARTS"])
    controller = web_charts.ingress_controller(ACME, root / "traefik")
    docs = render(controller.chart, release=controller.name, namespace=controller.namespace,
                  values=controller.values)
    assert find(docs, "IngressClass")["metadata"]["name"] == "traefik"
    assert find(docs, "Service")["spec"]["type"] == "LoadBalancer"
    for doc in docs:
        validate(doc)
    manager = web_charts.cert_manager(root / "cert-manager")
    docs = render(manager.chart, release=manager.name, namespace=manager.namespace,
                  values=manager.values)
    assert find(docs, "CustomResourceDefinition", name=web_charts.ISSUER_CRD)


@pytest.mark.parametrize("chart", [
    web_charts.ACME_ISSUER_CHART, *sorted(p for p in STAND_INS.iterdir() if p.is_dir())],
    ids=lambda p: p.name)
def test_lint_strict(helm: Path, chart: Path) -> None:
    from tests.charts.conftest import run_helm

    values = {"ingressClassName": "traefik"} if chart == web_charts.ACME_ISSUER_CHART else None
    result = run_helm(helm, "lint", "--strict", str(chart), values=values)
    assert result.returncode == 0, result.stdout + result.stderr
