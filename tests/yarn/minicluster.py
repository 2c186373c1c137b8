"""A real Yarn for the tests: Hadoop's MiniYARNCluster (from Maven Central), Spark's Yarn
shuffle service (Maven Central) and pyspark (PyPI), fetched on first use into
$GAIA_CACHE_DIR (~/.cache/gaia-platform) and run with the configuration gaia-platform renders.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gaia_platform.sandbox.paths import cache_dir
from tests import tools

HERE = Path(__file__).resolve().parent
# Hadoop on Java 17 needs these (its web layer's Guice reflects into java.lang).
JAVA_OPENS = [f"--add-opens=java.base/{package}=ALL-UNNAMED" for package in (
    "java.lang", "java.lang.reflect", "java.util", "java.util.concurrent", "java.io",
    "java.net", "java.nio", "sun.nio.ch")]
START_TIMEOUT = 180.0

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>gaia-platform.tests</groupId><artifactId>{name}</artifactId><version>1</version>
  <dependencies>{dependencies}</dependencies>
</project>
"""


def _needs(tool: str) -> str:
    # The MiniYARNCluster test fetches Hadoop from Maven Central with mvn, runs it with java.
    return tools.require(tool, "apt-get install -y --no-install-recommends maven "
                               "default-jdk-headless")


def maven_jars(name: str, version: str, coordinates: list[str],
               exclude_groups: tuple[str, ...] = ()) -> Path:
    """Every runtime jar of the given artifacts (less the excluded group ids), fetched once by
    `mvn dependency:copy-dependencies` into the cache."""
    target = cache_dir() / name / version
    jars = target / "jars"
    if (target / ".complete").exists():
        return jars
    mvn = _needs("mvn")
    dependencies = "".join(
        "<dependency><groupId>{}</groupId><artifactId>{}</artifactId><version>{}</version>"
        "</dependency>".format(*c.split(":")) for c in coordinates)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        pom = Path(work) / "pom.xml"
        pom.write_text(POM.format(name=name, dependencies=dependencies))
        partial = target / "jars.partial"
        shutil.rmtree(partial, ignore_errors=True)
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
             f"-DoutputDirectory={partial}", "-DincludeScope=runtime",
             *([f"-DexcludeGroupIds={','.join(exclude_groups)}"] if exclude_groups else [])],
            capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError(f"mvn could not fetch {coordinates}:\n{result.stdout[-3000:]}")
    shutil.rmtree(jars, ignore_errors=True)
    partial.rename(jars)
    (target / ".complete").touch()
    return jars


def pyspark(version: str) -> Path:
    """pyspark from PyPI, installed once into the cache (put it on PYTHONPATH)."""
    target = cache_dir() / "pyspark" / version
    if (target / ".complete").exists():
        return target
    partial = target.with_name(version + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                    str(partial), f"pyspark=={version}"], check=True, timeout=1200)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    (target / ".complete").touch()
    return target


def java_home() -> Path:
    return Path(_needs("java")).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LOG4J = """log4j.rootLogger=INFO,file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File={log}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d{{ISO8601}} %-5p %c{{2}} - %m%n
"""


@dataclass
class MiniYarn:
    process: subprocess.Popen[bytes]
    #: HADOOP_CONF_DIR for clients: the running cluster's addresses.
    client_conf: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(jars: Path, site_files: dict[str, str], directory: Path) -> MiniYarn:
    """MiniYARNCluster (one NodeManager) with these *-site.xml files, on the class path first."""
    conf = directory / "server-conf"
    conf.mkdir(parents=True)
    for name, text in site_files.items():
        (conf / name).write_text(text)
    log = directory / "minicluster.log"
    (conf / "log4j.properties").write_text(LOG4J.format(log=log))
    running = directory / "running-yarn-site.xml"
    process = subprocess.Popen(
        [str(java_home() / "bin" / "java"), "-Xmx1g", *JAVA_OPENS, "-cp",
         f"{conf}:{jars}/*", str(HERE / "MiniYarn.java"), str(running), "1"],
        cwd=directory, stdout=(directory / "minicluster.out").open("wb"),
        stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT
    while not running.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out = (directory / "minicluster.out").read_text(errors="replace")
            raise RuntimeError(f"MiniYARNCluster did not start:\n{out[-3000:]}\n"
                               f"{log.read_text(errors='replace')[-3000:] if log.exists() else ''}")
        time.sleep(0.5)
    client = directory / "client-conf"
    client.mkdir()
    shutil.copy(running, client / "yarn-site.xml")
    shutil.copy(conf / "core-site.xml", client / "core-site.xml")
    return MiniYarn(process, client, log)
