"""Zeppelin's Kubernetes launcher, per release, with that release's own libraries.

The Java harness in harness/ follows K8sRemoteInterpreterProcess and K8sSpecTemplate line by
line (the launcher plugin is not on Maven Central) and runs them with the real Jinjava, Guava
and fabric8 kubernetes-client of each release, and with zeppelin-zengine 0.9.0 loading the
chart's interpreter.json. Maven fetches the artifacts (cached in ~/.m2); the class path and the
compiled harness are cached under ~/.cache/gaia-platform/zeppelin-harness/<version>/<hash of
the harness sources>/. One JVM per Zeppelin version serves every request of a test session.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gaia_platform.sandbox.paths import cache_dir
from tests.tools import require
from tests.zeppelin.tools import JDK_INSTALL, MAVEN_INSTALL

HARNESS = Path(__file__).resolve().parent / "harness"
#: Who runs the paragraph unless a test says: a login no users catalogue can name (catalogue
#: names are lower-case DNS labels, profile.USER_NAME), so with the per-user binding its
#: interpreter shows everyone's shares and nobody's own (those are test_users_chart.py's).
GUEST = "Guest"


def _sources() -> list[Path]:
    return [*sorted(HARNESS.rglob("*.java")), HARNESS / "pom.xml"]


def _build(version: str) -> tuple[Path, str]:
    """The compiled harness and its class path for one Zeppelin version (cached)."""
    java_files = [p for p in _sources() if p.suffix == ".java"
                  and (version == "0.9.0" or "src/zengine" not in str(p))]
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(path.read_bytes())
    target = cache_dir() / "zeppelin-harness" / version / digest.hexdigest()[:16]
    classes, classpath_file = target / "classes", target / "classpath.txt"
    if not (target / ".complete").exists():
        mvn = require("mvn", MAVEN_INSTALL)
        javac = require("javac", JDK_INSTALL)
        target.mkdir(parents=True, exist_ok=True)
        fetched = subprocess.run(
            [mvn, "-q", "-B", "-f", str(HARNESS / "pom.xml"), f"-Dzeppelin.version={version}",
             "dependency:build-classpath", f"-Dmdep.outputFile={classpath_file}"],
            capture_output=True, text=True, timeout=900, check=False)
        assert fetched.returncode == 0, fetched.stdout[-3000:] + fetched.stderr[-3000:]
        classes.mkdir(exist_ok=True)
        compiled = subprocess.run(
            [javac, "-nowarn", "-d", str(classes), "-cp", classpath_file.read_text().strip(),
             *map(str, java_files)], capture_output=True, text=True, timeout=300, check=False)
        assert compiled.returncode == 0, compiled.stderr[-3000:]
        (target / ".complete").touch()
    return classes, classpath_file.read_text().strip()


@dataclass
class Launched:
    """What one launch produced: the objects as the release's fabric8 would send them."""

    answer: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.answer["ok"])

    @property
    def pod_name(self) -> str:
        return str(self.answer["podName"])

    @property
    def objects(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.answer["objects"]]

    def object(self, kind: str) -> dict[str, Any]:
        [found] = [o for o in self.objects if o["kind"] == kind]
        return found

    @property
    def group_id(self) -> str:
        """The interpreter group id (InterpreterSetting.getInterpreterGroupId)."""
        return str(self.answer["groupId"])

    @property
    def env(self) -> dict[str, str]:
        result: dict[str, str] = self.answer["env"]
        return result

    @property
    def properties(self) -> dict[str, str]:
        """The interpreter's properties after the launcher's changes (what SparkInterpreter
        gets)."""
        result: dict[str, str] = self.answer["properties"]
        return result

    @property
    def template_objects(self) -> list[dict[str, Any]]:
        """The rendered template as YAML says it, before fabric8 parses it."""
        return [doc for doc in yaml.safe_load_all(self.answer["template"]) if doc]


@dataclass
class Launcher:
    """A running harness JVM for one Zeppelin version."""

    version: str
    process: subprocess.Popen[str]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def launch(self, *, group: str, namespace: str, spec: str, server_env: dict[str, str],
               interpreter_json: str | None = None, note_id: str = "2JQ6QXVW2",
               user: str | None = GUEST, pod_name: str | None = None,
               isolated_start: str | None = None, stop: bool = False,
               apiserver: dict[str, str] | None = None) -> Launched:
        """Start an interpreter of ``group`` for ``user``'s paragraph in a note, from the
        chart's spec template and interpreter settings, as the server whose environment is
        ``server_env`` would; with ``apiserver`` ({url, token, caFile}) the objects are created
        there. ``isolated_start``: the start time of a note run in isolated mode. ``stop``:
        what stopping that process renders (no user bound) and, with ``apiserver``, deletes."""
        with tempfile.TemporaryDirectory() as work:
            spec_dir = Path(work) / "interpreter"
            spec_dir.mkdir()
            (spec_dir / "100-interpreter-spec.yaml").write_text(spec)
            request: dict[str, Any] = {
                "group": group, "namespace": namespace, "specDir": str(spec_dir),
                "serverEnv": server_env, "noteId": note_id, "user": user}
            if interpreter_json is not None:
                (Path(work) / "interpreter.json").write_text(interpreter_json)
                request["interpreterJson"] = str(Path(work) / "interpreter.json")
            if pod_name:
                request["podName"] = pod_name
            if isolated_start is not None:
                request["isolatedStart"] = isolated_start
            if stop:
                request["stop"] = True
            if apiserver:
                request["apiserver"] = apiserver
            with self.lock:
                assert self.process.stdin and self.process.stdout
                self.process.stdin.write(json.dumps(request) + "\n")
                self.process.stdin.flush()
                line = self.process.stdout.readline()
        assert line, f"the launcher harness for Zeppelin {self.version} exited"
        return Launched(json.loads(line))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(version: str) -> Launcher:
    classes, classpath = _build(version)
    java = require("java", JDK_INSTALL)
    process = subprocess.Popen(
        [java, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
         f"{classes}:{classpath}", "gaia.harness.LauncherHarness", version],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return Launcher(version, process)


def submitted_conf(options: str) -> dict[str, str]:
    """The spark.* settings spark-submit takes from SPARK_SUBMIT_OPTIONS (the last wins), as
    its argument parser reads --conf, --master, --deploy-mode and --driver-memory."""
    import itertools
    import shlex

    conf: dict[str, str] = {}
    flags = {"--master": "spark.master", "--deploy-mode": "spark.submit.deployMode",
             "--driver-memory": "spark.driver.memory"}
    for flag, value in itertools.pairwise(shlex.split(options)):
        if flag == "--conf":
            key, _, setting = value.partition("=")
            conf[key] = setting
        elif flag in flags:
            conf[flags[flag]] = value
    return conf


def spark_conf(launched: Launched, version: str) -> dict[str, str]:
    """The Spark settings the driver runs with: up to 0.10, spark-submit's options from
    SPARK_SUBMIT_OPTIONS, then SparkInterpreter.open sets every non-blank spark.* property;
    from 0.11 the launcher's ZEPPELIN_SPARK_CONF carries them all."""
    properties = {key: value for key, value in launched.properties.items()
                  if key.startswith("spark.") and value.strip()}
    major, minor = (int(part) for part in version.split(".")[:2])
    if (major, minor) >= (0, 11):
        words = launched.env.get("ZEPPELIN_SPARK_CONF", "").split("|")
        return dict(word.partition("=")[::2] for word in words[1::2])
    conf = submitted_conf(launched.env.get("SPARK_SUBMIT_OPTIONS", ""))
    conf.update(properties)
    return conf
