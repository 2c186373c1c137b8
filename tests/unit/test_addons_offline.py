"""The cluster add-ons in profiles and plans, where no cloud is needed: the CSI charts and
the web entry point that `plan --cloud cambridge` shows, and bad settings of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.unit.test_cli_offline import REPO, _platform


@pytest.fixture
def no_credentials(tmp_path: Path) -> dict[str, str]:
    """No clouds.yaml anywhere openstacksdk looks (as in test_cli_offline.py)."""
    return {"HOME": str(tmp_path), "OS_CLIENT_CONFIG_FILE": str(tmp_path / "none.yaml"),
            "XDG_CONFIG_HOME": str(tmp_path), "GAIA_STATE_DIR": str(tmp_path / "state")}


def _steps(env: dict[str, str], cloud: str = "cambridge") -> dict[str, dict[str, object]]:
    result = _platform("plan", "--cloud", cloud, "--output", "json", env=env)
    assert result.returncode == 0, result.stderr
    return {step["id"]: step for step in json.loads(result.stdout)["steps"]}


def test_cambridge_plan_lists_the_pinned_csi_charts_in_install_order(
        no_credentials: dict[str, str]) -> None:
    steps = _steps(no_credentials)
    assert "ceph-csi-cephfs-3.15.1 from https://ceph.github.io/csi-charts" \
        in str(steps["csi.cephfs"]["reason"])
    assert "openstack-manila-csi-2.34.2 from https://kubernetes.github.io/" \
        "cloud-provider-openstack" in str(steps["csi.manila"]["reason"])
    assert steps["csi.manila"]["depends_on"] == ["csi.cephfs"]
    assert steps["kube.csi-driver"]["depends_on"] == ["csi.manila"]
    assert "kube.csi-driver" in steps["kube.pv/aglais-data-gaia-dr3-2048-20221107"][  # type: ignore[operator]
        "depends_on"]


def test_cambridge_plan_lists_the_https_entry_point(
        no_credentials: dict[str, str]) -> None:
    result = _platform("plan", "--cloud", "cambridge", "--output", "json", env=no_credentials)
    notes = json.loads(result.stdout)["notes"]
    # What the name resolves to here, or the DNS record to make (tests/unit/test_reachability).
    assert any(note.startswith("web.host dmp.gaia.ac.uk ") for note in notes)
    steps = _steps(no_credentials)
    assert "traefik-41.3.0" in str(steps["web.ingress-controller"]["reason"])
    assert "cert-manager-v1.21.1" in str(steps["web.cert-manager"]["reason"])
    zeppelin = steps["helm.release/zeppelin"]["depends_on"]
    assert {"web.ingress-controller", "web.acme-issuer"} <= set(zeppelin)  # type: ignore[arg-type]


def _variant(tmp_path: Path, change: dict[str, object]) -> Path:
    profile = yaml.safe_load((REPO / "openstack/clouds/cambridge.yaml").read_text())
    profile["shares"] = str(REPO / "manila/shares.yaml")
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node = profile
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def test_install_never_plans_only_checks(tmp_path: Path,
                                         no_credentials: dict[str, str]) -> None:
    path = _variant(tmp_path, {"cephfs.csi": {"install": "never"},
                               "web.ingress": {"install": "never"}})
    steps = _steps(no_credentials, str(path))
    assert "csi.manila" not in steps and "csi.cephfs" not in steps
    assert steps["kube.csi-driver"]["depends_on"] == ["kube.kubeconfig"]
    assert steps["web.ingress-controller"]["kind"] == "addon.check"


def test_a_chart_with_both_path_and_repository_is_refused(
        tmp_path: Path, no_credentials: dict[str, str]) -> None:
    path = _variant(tmp_path, {"cephfs.csi.manila_chart.path": "charts/x"})
    result = _platform("plan", "--cloud", str(path), env=no_credentials)
    assert result.returncode == 2
    assert "cephfs.csi.manila_chart" in result.stderr and "not both" in result.stderr
    assert "Traceback" not in result.stderr


def test_tls_needs_exactly_one_source(tmp_path: Path,
                                      no_credentials: dict[str, str]) -> None:
    path = _variant(tmp_path, {"web.tls": {"secret": "gaia-cert", "acme": {}}})
    result = _platform("plan", "--cloud", str(path), env=no_credentials)
    assert result.returncode == 2
    assert "web.tls" in result.stderr and "exactly one" in result.stderr


def test_a_missing_local_chart_names_file_and_field(
        tmp_path: Path, no_credentials: dict[str, str]) -> None:
    path = _variant(tmp_path, {"web.ingress.chart": {"path": "no/such/chart"}})
    result = _platform("plan", "--cloud", str(path), env=no_credentials)
    assert result.returncode == 2
    assert str(path) in result.stderr and "web.ingress.chart.path" in result.stderr
