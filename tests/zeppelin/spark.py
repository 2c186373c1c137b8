"""Real Spark from PyPI for the executor tests: pyspark of the Spark each Zeppelin version's
default image carries (gaia_platform.helm.values.SPARK_VERSIONS), installed once per version
into ~/.cache/gaia-platform/pyspark/<version> (its pyspark/ directory is a complete SPARK_HOME:
jars, bin/spark-submit, the Kubernetes backend), and a one-class driver compiled against it."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from gaia_platform.sandbox.paths import cache_dir
from tests.tools import require
from tests.yarn.minicluster import pyspark
from tests.zeppelin.tools import JDK_INSTALL

PROBE = Path(__file__).resolve().parent / "probe" / "ExecutorProbe.java"
#: Spark 3.0-3.2 predate Java 17; these let them run on it (Spark 3.3+ adds them itself,
#: launcher JavaModuleOptions).
JAVA_OPENS = " ".join(f"--add-opens=java.base/{package}=ALL-UNNAMED" for package in (
    "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio",
    "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch",
    "sun.nio.cs", "sun.security.action", "sun.util.calendar"))


def spark_home(version: str) -> Path:
    """SPARK_HOME of pyspark ``version``: pip-installed from PyPI once into the cache the Yarn
    tests share (tests/yarn/minicluster.py); its parent directory is the PYTHONPATH that
    imports that pyspark."""
    return pyspark(version) / "pyspark"


def probe_jar(version: str) -> Path:
    """The driver class, compiled against this Spark's jars (cached by source hash)."""
    home = spark_home(version)
    digest = hashlib.sha256(PROBE.read_bytes()).hexdigest()[:12]
    jar = cache_dir() / "pyspark" / f"probe-{version}-{digest}.jar"
    if not jar.exists():
        javac, jar_tool = require("javac", JDK_INSTALL), require("jar", JDK_INSTALL)
        classes = jar.with_suffix(".classes")
        classes.mkdir(parents=True, exist_ok=True)
        compiled = subprocess.run(
            [javac, "-nowarn", "--release", "8", "-d", str(classes), "-cp",
             str(home / "jars" / "*"), str(PROBE)],
            capture_output=True, text=True, timeout=300, check=False)
        assert compiled.returncode == 0, compiled.stderr[-3000:]
        packed = subprocess.run([jar_tool, "cf", str(jar), "-C", str(classes), "."],
                                capture_output=True, text=True, timeout=60, check=False)
        assert packed.returncode == 0, packed.stderr
    return jar
