"""The CSI releases' values, rendered by the real helm binary through the sandbox's stand-in
charts (which read the same keys as upstream's), and the PV each driver version gets.

`helm template` of the real upstream charts (openstack-manila-csi, ceph-csi-cephfs) needs
their Helm repositories, which no test can reach; notes/cluster-addons.md records the one-off
check of these values against the upstream 2.34.2 and 3.15.1 chart sources.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gaia_platform.errors import ConfigError
from gaia_platform.helm import charts
from gaia_platform.helm import csi as csi_charts
from gaia_platform.kube import storage
from tests.charts.conftest import REPO, Render, deployment_of, find, validate

STAND_INS = REPO / "charts" / "sandbox"


def _releases() -> tuple[csi_charts.CsiRelease, csi_charts.CsiRelease]:
    return csi_charts.releases(STAND_INS / "openstack-manila-csi",
                               STAND_INS / "ceph-csi-cephfs")


def test_the_manila_release_registers_only_the_cephfs_driver(render: Render) -> None:
    _, manila = _releases()
    docs = render(manila.chart, release=manila.name, namespace=manila.namespace,
                  values=manila.values)
    drivers = [d for d in docs if d["kind"] == "CSIDriver"]
    # The default NFS protocol is replaced, not added to.
    assert [d["metadata"]["name"] for d in drivers] == ["cephfs.manila.csi.openstack.org"]
    assert drivers[0]["spec"]["fsGroupPolicy"] == "None"
    for doc in drivers:
        validate(doc)
    forward = manila.values["shareProtocols"][0]["fwdNodePluginEndpoint"]
    # ... and it forwards mounts to where ceph-csi's node plugin listens.
    cephfs, _ = _releases()
    assert forward["dir"] == f"/var/lib/kubelet/plugins/{cephfs.driver}"


def test_the_cephfs_release_registers_ceph_csi_without_storage_class_or_secret(
        render: Render) -> None:
    cephfs, _ = _releases()
    docs = render(cephfs.chart, release=cephfs.name, namespace=cephfs.namespace,
                  values=cephfs.values)
    driver = find(docs, "CSIDriver")
    assert driver["metadata"]["name"] == "cephfs.csi.ceph.com"
    validate(driver)
    assert cephfs.values["storageClass"]["create"] is False
    assert cephfs.values["secret"]["create"] is False


def test_the_stand_in_refuses_a_protocol_without_fs_group_policy(
        render_error: object) -> None:
    _, manila = _releases()
    broken = {**manila.values, "shareProtocols": [
        {k: v for k, v in manila.values["shareProtocols"][0].items() if k != "fsGroupPolicy"}]}
    message = render_error(manila.chart, values=broken)  # type: ignore[operator]
    assert "fsGroupPolicy" in message


@pytest.mark.parametrize(("chart", "version"), [
    (charts.RemoteChart("https://kubernetes.github.io/cloud-provider-openstack",
                        "openstack-manila-csi", "2.34.2"), (1, 34)),
    (charts.RemoteChart("https://kubernetes.github.io/cloud-provider-openstack",
                        "openstack-manila-csi", "2.35.0"), (1, 35)),
    (STAND_INS / "openstack-manila-csi", (1, 34)),
])
def test_the_driver_version_follows_the_pinned_chart(chart: charts.ChartRef,
                                                     version: tuple[int, int]) -> None:
    assert charts.manila_driver_version(chart) == version


def test_a_chart_version_that_is_no_manila_release_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"2\.N\.x"):
        charts.manila_driver_version(charts.RemoteChart("https://x", "openstack-manila-csi",
                                                        "1.4.0"))


def _volume(version: tuple[int, int] | None) -> dict[str, object]:
    _, desired = deployment_of("sandbox")
    share = next(s for s in desired.shares if s.share.purpose == "data")
    volume = storage.persistent_volume(share, deployment="sandbox", namespace="gaia",
                                       share_id="share-uuid", access_id="rule-uuid",
                                       secret="manila-csi-credentials", driver_version=version)
    validate(volume)
    return volume


def test_driver_up_to_1_34_gets_share_access_id() -> None:
    csi = _volume((1, 34))["spec"]["csi"]  # type: ignore[index]
    assert csi["volumeAttributes"] == {"shareID": "share-uuid", "shareAccessID": "rule-uuid",
                                       "cephfs-mounter": "kernel"}
    assert csi["nodeStageSecretRef"] == {"name": "manila-csi-credentials", "namespace": "gaia"}
    assert csi["nodePublishSecretRef"] == csi["nodeStageSecretRef"]


def test_driver_from_1_35_gets_share_access_ids_only() -> None:
    # v1.35 refuses shareAccessID and shareAccessIDs together (shareoptions.go "precludes").
    attributes = _volume((1, 35))["spec"]["csi"]["volumeAttributes"]  # type: ignore[index]
    assert attributes == {"shareID": "share-uuid", "shareAccessIDs": "rule-uuid",
                          "cephfs-mounter": "kernel"}


def test_a_driver_of_unknown_version_gets_the_attribute_every_version_reads() -> None:
    attributes = _volume(None)["spec"]["csi"]["volumeAttributes"]  # type: ignore[index]
    assert "shareAccessID" in attributes and "shareAccessIDs" not in attributes


def test_a_missing_chart_directory_is_a_profile_error(tmp_path: Path) -> None:
    from gaia_platform.profile import ChartSource

    with pytest.raises(ConfigError, match=r"cephfs\.csi\.manila_chart\.path"):
        charts.resolve(ChartSource(path="nowhere/chart"), tmp_path / "p.yaml",
                       "cephfs.csi.manila_chart")


UPSTREAM = "GAIA_UPSTREAM_CHARTS"


@pytest.mark.skipif(not __import__("os").environ.get(UPSTREAM),
                    reason=f"{UPSTREAM} names no directory holding the upstream charts "
                           "(their Helm repositories are out of reach offline)")
def test_the_values_render_valid_objects_with_the_upstream_charts(render: Render) -> None:
    """With $GAIA_UPSTREAM_CHARTS/openstack-manila-csi (cloud-provider-openstack
    charts/manila-csi-plugin at openstack-manila-csi-2.34.2) and .../ceph-csi-cephfs (the
    3.15.1 chart package, unpacked): the same values, through the real charts."""
    import os

    root = Path(os.environ[UPSTREAM])
    cephfs, manila = csi_charts.releases(root / "openstack-manila-csi", root / "ceph-csi-cephfs")
    for release in (cephfs, manila):
        docs = render(release.chart, release=release.name, namespace=release.namespace,
                      values=release.values)
        assert find(docs, "CSIDriver")["metadata"]["name"] == release.driver
        for doc in docs:
            validate(doc)


def test_a_pinned_chart_is_fetched_from_its_repository_at_that_version(
        helm: Path, tmp_path: Path) -> None:
    """The path real clouds take (repository + name + version), against a Helm repository
    served on 127.0.0.1 holding two versions of the stand-in: the pinned one is rendered."""
    import functools
    import http.server
    import shutil
    import threading

    import yaml

    from gaia_platform.kube.helm import Helm
    from tests.charts.conftest import run_helm

    repo = tmp_path / "repo"
    repo.mkdir()
    for version in ("2.34.2", "2.35.0"):
        chart = tmp_path / version / "openstack-manila-csi"
        shutil.copytree(STAND_INS / "openstack-manila-csi", chart)
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        meta.update(version=version, appVersion=f"v1.{version.split('.')[1]}.0")
        (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
        assert run_helm(helm, "package", str(chart), "-d", str(repo)).returncode == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(repo))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert run_helm(helm, "repo", "index", str(repo), "--url", url).returncode == 0
        pinned = charts.RemoteChart(url, "openstack-manila-csi", "2.34.2")
        _, manila = csi_charts.releases(pinned, STAND_INS / "ceph-csi-cephfs")
        rendered = Helm(tmp_path / "unused-kubeconfig").render(
            manila.name, manila.chart, manila.values, manila.namespace)
    finally:
        server.shutdown()
    assert (rendered["chart"], rendered["version"]) == ("openstack-manila-csi", "2.34.2")
    assert [name for kind, name, _ in rendered["resources"] if kind == "CSIDriver"] == [
        "cephfs.manila.csi.openstack.org"]
    assert charts.manila_driver_version(pinned) == (1, 34)
