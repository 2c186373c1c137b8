"""The public HTTPS entry point's releases and the Zeppelin Ingress values (pure).

An ingress controller (Traefik) whose Service is a LoadBalancer: on OpenStack the cloud
controller gives it an Octavia load balancer with a floating IP. TLS ends there, with either
a certificate the profile names (an existing Secret) or one cert-manager obtains over ACME
(HTTP-01 through the same ingress class).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..profile import Web
from .charts import ChartRef

ACME_ISSUER_CHART = Path(__file__).resolve().parents[2] / "charts" / "acme-issuer"
#: The Issuer (in the deployment's namespace) and the Secret cert-manager writes the
#: certificate to; the Ingress names both.
ISSUER = "zeppelin-acme"
ACME_TLS_SECRET = "zeppelin-tls-acme"
#: cert-manager's ingress-shim reads this annotation (cert-manager v1.21.1
#: pkg/apis/certmanager/v1/types.go IngressIssuerNameAnnotationKey).
ISSUER_ANNOTATION = "cert-manager.io/issuer"
#: cert-manager's CRDs: an Issuer needs this one to exist.
ISSUER_CRD = "issuers.cert-manager.io"


#: (release, namespace) of the two upstream charts, and the issuer's release name (it lives in
#: the deployment's namespace).
INGRESS_RELEASE = ("traefik", "traefik")
CERT_MANAGER_RELEASE = ("cert-manager", "cert-manager")
ISSUER_RELEASE = "acme-issuer"


@dataclass(frozen=True)
class WebRelease:
    step: str
    name: str
    namespace: str
    chart: ChartRef
    values: dict[str, Any]


def ingress_controller(web: Web, chart: ChartRef) -> WebRelease:
    """Traefik, values as its chart documents them (traefik-helm-chart v41.3.0
    traefik/values.yaml)."""
    return WebRelease("web.ingress-controller", *INGRESS_RELEASE, chart, {
        # The class the Zeppelin Ingress names; not the default class, so the controller
        # serves only what asks for it (ingressClass, lines 126-130).
        "ingressClass": {"enabled": True, "isDefaultClass": False,
                         "name": web.ingress.class_name},
        # A LoadBalancer Service: Octavia on OpenStack (service.spec.type, line ~1143).
        "service": {"spec": {"type": "LoadBalancer"}},
        # Plain HTTP only redirects to HTTPS (ports.web.http.redirections.entryPoint, line
        # 974). ACME HTTP-01 follows such a redirect (Let's Encrypt accepts redirects to
        # https on port 443).
        "ports": {"web": {"http": {"redirections": {"entryPoint": {
            "to": "websecure", "scheme": "https", "permanent": True}}}}},
    })


def cert_manager(chart: ChartRef) -> WebRelease:
    # crds.enabled installs the CRDs with the chart (cert-manager v1.21.1
    # deploy/charts/cert-manager/values.yaml lines 106-109; default false).
    return WebRelease("web.cert-manager", *CERT_MANAGER_RELEASE, chart,
                      {"crds": {"enabled": True}})


def acme_issuer(web: Web, namespace: str) -> WebRelease:
    """This repository's charts/acme-issuer: one Issuer answering HTTP-01 through the ingress
    class (fields of cert-manager v1.21.1 pkg/apis/acme/v1/types_issuer.go)."""
    assert web.tls.acme is not None
    return WebRelease("web.acme-issuer", ISSUER_RELEASE, namespace, ACME_ISSUER_CHART, {
        "name": ISSUER,
        "server": web.tls.acme.server,
        "email": web.tls.acme.email or "",
        "ingressClassName": web.ingress.class_name,
    })


def tls_secret(web: Web) -> str:
    return web.tls.secret or ACME_TLS_SECRET


def zeppelin_ingress(web: Web) -> dict[str, Any]:
    """The zeppelin chart's ``ingress`` values (charts/zeppelin/values.yaml)."""
    annotations = {ISSUER_ANNOTATION: ISSUER} if web.tls.acme else {}
    return {
        "enabled": True,
        "className": web.ingress.class_name,
        "annotations": annotations,
        "hosts": [web.host],
        "tls": [{"secretName": tls_secret(web), "hosts": [web.host]}],
    }
