"""`platform notebooks` against a real Zeppelin server: zeppelin-server 0.9.0 and its runtime
dependencies from Maven Central (the only release whose server is published), configured the
way the chart configures it: the chart's own start-up script (files/configure.sh) writes
shiro.ini (hashed password) and installs the chart's interpreter.json; the notebook directory
and config directory are those of the notebook volume.

What this server lacks, and why: no web UI (neither zeppelin-web nor zeppelin-web-angular is on
Maven Central for any release: the REST API only; so no UI screenshot), no interpreter jars
(spark-interpreter 0.9.0 is not on Maven Central: the test registers the Spark group from an
interpreter-setting.json naming its classes, as the image's interpreter/spark directory
would, which is enough to create notes but not to run them).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from gaia_platform import profile
from gaia_platform.desired import desired_state
from gaia_platform.helm import values as chart_values
from gaia_platform.notebooks import FOLDER, example_notes
from gaia_platform.shiro import shiro_hash
from tests.charts.conftest import Render, find
from tests.tools import require
from tests.yarn.minicluster import maven_jars
from tests.zeppelin.tools import JDK_INSTALL, MAVEN_INSTALL

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Gaia-test-pw-7f3a"


@dataclass
class Server:
    url: str
    notebooks: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def zeppelin(render: Render, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    java = require("java", JDK_INSTALL)
    require("mvn", MAVEN_INSTALL)
    jars = maven_jars("zeppelin-server", "0.9.0", ["org.apache.zeppelin:zeppelin-server:0.9.0"])
    home = tmp_path_factory.mktemp("zeppelin")
    # The chart's server configuration, as deploy renders it, run through its init script.
    deployment = profile.load("sandbox")
    desired = desired_state(deployment)
    _, release = chart_values.releases(deployment, desired,
                                       spark_image=deployment.profile.kubernetes.spark_image)
    docs = render(release.chart, release=release.name, values=release.values)
    setup, auth, out, volume = (home / d for d in ("setup", "auth", "out", "volume"))
    for directory in (setup, auth, out, volume):
        directory.mkdir()
    for name, text in find(docs, "ConfigMap", suffix="-server-config")["data"].items():
        (setup / name).write_text(text)
    # What deploy's auth Secret holds: the password and its Shiro hash (users/passwords.py).
    (auth / "admin").write_text(PASSWORD)
    (auth / "admin.shiro1").write_text(shiro_hash(PASSWORD))
    configured = subprocess.run(
        ["sh", str(setup / "configure.sh")], capture_output=True, text=True, timeout=60,
        env={**os.environ, "SETUP_DIR": str(setup), "AUTH_DIR": str(auth),
             "OUTPUT_DIR": str(out), "NOTEBOOK_STORAGE": str(volume),
             "NOTEBOOKS_SUBPATH": chart_values.NOTEBOOKS_SUBPATH,
             "CONFIG_SUBPATH": chart_values.CONFIG_SUBPATH, "AUTH_SECRET": "Secret gaia/auth"},
        check=False)
    assert configured.returncode == 0, configured.stderr
    conf = home / "conf"
    conf.mkdir()
    (conf / "shiro.ini").write_text((out / "shiro.ini").read_text())
    # The image's interpreter/spark/interpreter-setting.json registers the Spark group (from
    # spark-interpreter's resources, apache/zeppelin 0.9.0 spark/interpreter); its jar is not
    # on Maven Central, so only the group's name and default interpreter are given here.
    spark = home / "interpreter" / "spark"
    spark.mkdir(parents=True)
    (spark / "interpreter-setting.json").write_text(json.dumps([
        {"group": "spark", "name": name, "className": f"org.apache.zeppelin.spark.{cls}",
         "defaultInterpreter": name == "spark", "properties": {},
         "editor": {"language": lang, "editOnDblClick": False}}
        for name, cls, lang in (("spark", "SparkInterpreter", "scala"),
                                ("pyspark", "PySparkInterpreter", "python"))]))
    (home / "war").mkdir()
    port = _free_port()
    env = {**os.environ, "ZEPPELIN_HOME": str(home), "ZEPPELIN_CONF_DIR": str(conf),
           "ZEPPELIN_ADDR": "127.0.0.1", "ZEPPELIN_PORT": str(port),
           "ZEPPELIN_WAR": str(home / "war"), "ZEPPELIN_INTERPRETER_DIR": str(home / "interpreter"),
           "ZEPPELIN_NOTEBOOK_DIR": str(volume / chart_values.NOTEBOOKS_SUBPATH),
           "ZEPPELIN_CONFIG_FS_DIR": str(volume / chart_values.CONFIG_SUBPATH),
           "ZEPPELIN_SEARCH_INDEX_PATH": str(home / "index"),
           # zeppelin-daemon.sh sets it; without it the server exits on stdin's end of file.
           "ZEPPELIN_IDENT_STRING": "gaia-test"}
    log = (home / "server.log").open("w")
    process = subprocess.Popen(
        [java, "-cp", f"{jars}/*", "org.apache.zeppelin.server.ZeppelinServer"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            # Waiting for Jetty to serve the REST API (about 20 s on two busy cores).
            assert process.poll() is None, (home / "server.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "Zeppelin did not start in 180 s"
            try:
                if requests.get(f"{url}/api/version", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(1)
        yield Server(url, volume / chart_values.NOTEBOOKS_SUBPATH)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _platform(*args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gaia_platform.cli", "notebooks", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "ZEPPELIN_PASSWORD": password})


def test_the_server_runs_the_charts_login_and_interpreter_settings(zeppelin: Server) -> None:
    assert requests.get(f"{zeppelin.url}/api/version", timeout=5).json()["body"]["version"] == (
        "0.9.0")
    # Nothing but the version without a login (the chart's shiro.ini).
    anonymous = requests.get(f"{zeppelin.url}/api/notebook", timeout=5, allow_redirects=False)
    assert anonymous.status_code in (302, 401, 403)
    session = requests.Session()
    assert session.post(f"{zeppelin.url}/api/login", data={"userName": "admin", "password": "x"},
                        timeout=10).status_code in (401, 403)
    login = session.post(f"{zeppelin.url}/api/login",
                         data={"userName": "admin", "password": PASSWORD}, timeout=10)
    assert login.status_code == 200
    # zeppelin-zengine 0.9.0 loaded the chart's interpreter.json: the Spark setting drives
    # executors on Kubernetes.
    settings = session.get(f"{zeppelin.url}/api/interpreter/setting", timeout=10).json()["body"]
    spark = next(s for s in settings if s["name"] == "spark")
    assert spark["properties"]["spark.master"]["value"] == "k8s://https://kubernetes.default.svc"
    # One Spark driver per person (the users catalogue's binding, helm/values.py).
    assert (spark["option"]["perUser"], spark["option"]["perNote"]) == ("isolated", "scoped")


def test_platform_notebooks_loads_the_examples_once(zeppelin: Server) -> None:
    first = _platform("--url", zeppelin.url, "--output", "json")
    assert first.returncode == 0, first.stderr
    expected = sorted(note.path for note in example_notes())
    assert sorted(json.loads(first.stdout)["imported"]) == expected
    # Zeppelin saved them in the notebook volume, under the examples folder.
    files = sorted(p.name for p in (zeppelin.notebooks / FOLDER.strip("/")).glob("*.zpln"))
    assert len(files) == 3
    session = requests.Session()
    session.post(f"{zeppelin.url}/api/login", data={"userName": "admin", "password": PASSWORD},
                 timeout=10)
    listed = {n["path"]: n["id"] for n in
              session.get(f"{zeppelin.url}/api/notebook", timeout=10).json()["body"]}
    for note in example_notes():
        body = session.get(f"{zeppelin.url}/api/notebook/{listed[note.path]}", timeout=10)
        paragraphs = [p["text"] for p in body.json()["body"]["paragraphs"]]
        assert paragraphs == [p["text"] for p in json.loads(note.body)["paragraphs"]]
    # A second run changes nothing (and never overwrites an astronomer's edits).
    again = _platform("--url", zeppelin.url, "--output", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"imported": [], "present": expected}


def test_a_wrong_password_is_a_clear_error(zeppelin: Server) -> None:
    result = _platform("--url", zeppelin.url, password="wrong")
    assert result.returncode == 2
    assert "refused the login of 'admin'" in result.stderr and "Traceback" not in result.stderr
    assert "wrong" not in result.stderr
