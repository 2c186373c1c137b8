"""Who may reach what under the charts' NetworkPolicies, as deploy renders them.

The sandbox has no network plugin, so the API server only validates the policies
(tests/charts/test_install.py installs them); here their egress rules are evaluated with the
NetworkPolicy semantics of the Kubernetes API reference (networking.k8s.io/v1): a pod
selected by any policy with Egress in policyTypes may open only connections some rule of
those policies allows; a rule allows a destination when one of its peers matches (podSelector
in the policy's namespace, namespaceSelector, or ipBlock cidr minus except) and one of its
ports does (no ports: every port).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest

from gaia_platform.desired import desired_state
from gaia_platform.helm import values as chart_values
from gaia_platform.profile import load
from tests.charts.conftest import Render

NS = "gaia"
METADATA = "169.254.169.254"
API_SERVER = "10.0.0.10"  # a master's address (the kubernetes Service's endpoint)
INTERNET = "93.184.216.34"


@dataclass
class Pod:
    labels: dict[str, str]
    namespace: str = NS
    ip: str = "10.100.0.5"
    ns_labels: dict[str, str] = field(default_factory=dict)


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = selector.get("matchLabels") or {}
    return all(labels.get(k) == v for k, v in wanted.items()) and not selector.get(
        "matchExpressions")


def _peer_allows(peer: dict[str, Any], policy_ns: str, target: Pod | str) -> bool:
    if "ipBlock" in peer:
        if not isinstance(target, str):
            return False
        address = ipaddress.ip_address(target)
        block = peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except") or [])
    if isinstance(target, str):
        return False
    if "namespaceSelector" in peer:
        if not _matches(peer["namespaceSelector"], target.ns_labels):
            return False
    elif target.namespace != policy_ns:
        return False
    return _matches(peer.get("podSelector") or {}, target.labels)


def may_connect(policies: list[dict[str, Any]], source: Pod, target: Pod | str,
                port: int, protocol: str = "TCP") -> bool:
    applying = [p for p in policies if "Egress" in p["spec"].get("policyTypes", [])
                and p["metadata"].get("namespace", NS) == source.namespace
                and _matches(p["spec"]["podSelector"], source.labels)]
    if not applying:
        return True
    for policy in applying:
        for rule in policy["spec"].get("egress") or []:
            ports = rule.get("ports")
            port_ok = not ports or any(
                p.get("port") in (None, port) and p.get("protocol", "TCP") == protocol
                for p in ports)
            peers = rule.get("to")
            peer_ok = not peers or any(_peer_allows(peer, NS, target) for peer in peers)
            if port_ok and peer_ok:
                return True
    return False


@pytest.fixture(scope="module")
def policies(render: Render) -> list[dict[str, Any]]:
    deployment = load("sandbox")
    docs: list[dict[str, Any]] = []
    for release in chart_values.releases(
            deployment, desired_state(deployment),
            spark_image=deployment.profile.kubernetes.spark_image):
        docs += render(release.chart, release=release.name, namespace=NS,
                       values=release.values)
    return [d for d in docs if d["kind"] == "NetworkPolicy"]


def _interpreter(group: str, name: str = "spark-abcdef") -> Pod:
    return Pod({"app": name, "interpreterSettingName": group,
                "app.kubernetes.io/name": "zeppelin", "app.kubernetes.io/instance": "zeppelin",
                "app.kubernetes.io/component": "interpreter"})


EXECUTOR = Pod({"spark-role": "executor", "app.kubernetes.io/name": "spark-executor",
                "app.kubernetes.io/instance": "spark-executor",
                "app.kubernetes.io/component": "executor"})
SERVER = Pod({"app.kubernetes.io/name": "zeppelin", "app.kubernetes.io/instance": "zeppelin",
              "app.kubernetes.io/component": "server"})
DNS = Pod({"k8s-app": "kube-dns"}, namespace="kube-system",
          ns_labels={"kubernetes.io/metadata.name": "kube-system"})


def test_executors_reach_only_their_drivers_each_other_and_dns(policies: Any) -> None:
    assert may_connect(policies, EXECUTOR, _interpreter("spark"), 22321)
    assert may_connect(policies, EXECUTOR, EXECUTOR, 7337)
    assert may_connect(policies, EXECUTOR, DNS, 53, "UDP")
    for address, port in ((METADATA, 80), (API_SERVER, 6443), (API_SERVER, 443),
                          (INTERNET, 443)):
        assert not may_connect(policies, EXECUTOR, address, port), (address, port)
    assert not may_connect(policies, EXECUTOR, SERVER, 12320)


def test_interpreters_reach_what_they_need_and_spark_ones_the_api(policies: Any) -> None:
    spark, python = _interpreter("spark"), _interpreter("python", "python-ghijkl")
    for pod in (spark, python):
        assert may_connect(policies, pod, SERVER, 12320)
        assert may_connect(policies, pod, DNS, 53, "UDP")
        assert may_connect(policies, pod, EXECUTOR, 22322)
        assert not may_connect(policies, pod, METADATA, 80)
        assert not may_connect(policies, pod, SERVER, 8080)
        # Other users' drivers are off limits.
        assert not may_connect(policies, pod, _interpreter("spark", "spark-other"), 4040)
    assert may_connect(policies, spark, API_SERVER, 6443)
    assert not may_connect(policies, python, API_SERVER, 6443)
    assert not may_connect(policies, spark, METADATA, 443)


def test_the_server_reaches_interpreters_and_the_api_only(policies: Any) -> None:
    assert may_connect(policies, SERVER, _interpreter("spark"), 12321)
    assert may_connect(policies, SERVER, API_SERVER, 6443)
    assert may_connect(policies, SERVER, DNS, 53, "UDP")
    assert not may_connect(policies, SERVER, METADATA, 80)
    assert not may_connect(policies, SERVER, EXECUTOR, 7337)


def test_with_the_api_servers_addresses_nothing_else_is_open(render: Render) -> None:
    """What deploy does on a real cluster: networkPolicy.apiServer from the `kubernetes`
    Service's EndpointSlices, so Spark drivers reach the API and no other HTTPS address."""
    from kubernetes import client as k8s

    from gaia_platform.steps.zeppelin import api_server_addresses

    slices = [k8s.V1EndpointSlice(
        address_type="IPv4", endpoints=[k8s.V1Endpoint(addresses=[API_SERVER]),
                                        k8s.V1Endpoint(addresses=["10.0.0.11"])],
        ports=[k8s.DiscoveryV1EndpointPort(name="https", port=6443)])]
    found = api_server_addresses(slices)
    assert found == {"cidrs": ["10.0.0.10/32", "10.0.0.11/32"], "ports": [6443]}
    assert api_server_addresses([]) is None
    deployment = load("sandbox")
    _, zeppelin = chart_values.releases(
        deployment, desired_state(deployment),
        spark_image=deployment.profile.kubernetes.spark_image)
    values = {**zeppelin.values, "networkPolicy": {**zeppelin.values["networkPolicy"],
                                                   "apiServer": found}}
    policies = [d for d in render(zeppelin.chart, release="zeppelin", namespace=NS,
                                  values=values) if d["kind"] == "NetworkPolicy"]
    spark = _interpreter("spark")
    assert may_connect(policies, spark, API_SERVER, 6443)
    assert not may_connect(policies, spark, INTERNET, 443)
    assert not may_connect(policies, SERVER, INTERNET, 443)
    assert may_connect(policies, SERVER, "10.0.0.11", 6443)
