"""Cluster certificates: the CA a cluster trusts, and signing a user's CSR with it.

https://docs.openstack.org/api-ref/container-infrastructure-management/#manage-certificates
and magnum/api/controllers/v1/certificate.py, conductor/handlers/ca_conductor.py. The CA exists
from the moment a cluster's creation starts (the conductor makes it before the driver runs),
so certificates can be had while the cluster is still CREATE_IN_PROGRESS. Signing keeps the
CSR's subject (CN = user, O = groups), which is what Kubernetes authorizes on.

With a real control plane (``config.kube``) every cluster's CA is that control plane's CA, read
from its files, so a kubeconfig made through this API authenticates for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ... import pki
from ..http import ApiError
from ..store import Record
from .validation import Field, parse_body

if TYPE_CHECKING:
    from .models import MagnumBackend

FIELDS = {
    "cluster_uuid": Field("string", mandatory=True),
    "csr": Field("string", 1, mandatory=True),
    "ca_cert_type": Field("string"),
}


def cluster_ca(backend: MagnumBackend, cluster: Record) -> pki.KeyPair:
    kube = backend.state.config.kube
    if kube is not None:
        try:
            return pki.KeyPair(Path(kube.ca_cert).read_bytes(), Path(kube.ca_key).read_bytes())
        except OSError as exc:
            raise ApiError(500, f"Could not load the cluster CA: {exc}") from exc
    if "_ca_cert" not in cluster:  # a cluster stored before it had a CA of its own
        ca = pki.new_ca(cluster["name"])
        cluster["_ca_cert"], cluster["_ca_key"] = ca.cert_pem.decode(), ca.key_pem.decode()
    return pki.KeyPair(cluster["_ca_cert"].encode(), cluster["_ca_key"].encode())


def show(backend: MagnumBackend, cluster: Record) -> Record:
    pem = cluster_ca(backend, cluster).cert_pem.decode()
    return {"cluster_uuid": cluster["uuid"], "pem": pem,
            "links": backend.links("certificates", cluster["uuid"])}


def sign(backend: MagnumBackend, body: Any, project_id: str) -> Record:
    values = parse_body(body, "certificate", FIELDS)
    try:
        cluster = backend.cluster(values["cluster_uuid"], project_id)
    except ApiError as error:
        # certificate.py: a missing cluster is a 400 here, not a 404.
        raise ApiError(400 if error.status == 404 else error.status, error.message) from None
    csr = values["csr"]
    try:
        pem = pki.sign_csr(cluster_ca(backend, cluster), csr.encode())
    except ValueError:
        raise ApiError(400, f"Received invalid csr {csr}.") from None
    answer: Record = {"cluster_uuid": cluster["uuid"], "csr": csr, "pem": pem.decode(),
                      "links": backend.links("certificates", cluster["uuid"])}
    if values.get("ca_cert_type"):
        answer["ca_cert_type"] = values["ca_cert_type"]
    return answer
