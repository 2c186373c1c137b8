"""The generated Hadoop and Spark settings on a real Yarn: Hadoop's MiniYARNCluster runs the
rendered yarn-site.xml and capacity-scheduler.xml (Spark's shuffle service as aux-service), and
pyspark sessions submit with the rendered spark-defaults, as notebook users would.

Only what cannot be the same on one test machine is changed, each for the reason given in
`_harness`. The first run fetches Hadoop and Spark's shuffle service from Maven Central (mvn)
and pyspark from PyPI into $GAIA_CACHE_DIR; later runs take about two minutes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gaia_platform import profile
from gaia_platform.yarn import hadoop, spark
from gaia_platform.yarn.layout import YarnPlan, yarn_plan
from gaia_platform.yarn.sizing import Flavor, Sizing, compute
from tests.yarn import minicluster
from tests.yarn.helpers import FLAVORS

HERE = Path(__file__).resolve().parent
#: How long the second user may wait for a result while the first holds the whole cluster:
#: an application master, one executor, preemption rounds of a few seconds.
FAIR_WAIT = 150.0


@dataclass
class Cluster:
    plan: YarnPlan
    sizing: Sizing
    yarn: minicluster.MiniYarn
    spark_conf: dict[str, str]
    env: dict[str, str]
    work: Path

    def session(self, user: str, mode: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(HERE / "spark_user.py"), json.dumps(self.spark_conf), mode],
            env={**self.env, "HADOOP_USER_NAME": user}, stdout=subprocess.PIPE,
            stderr=(self.work / f"{user}-{mode}.log").open("w"), text=True,
            # Its own process group, so that stopping it also stops pyspark's JVM.
            start_new_session=True)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _events(process: subprocess.Popen[str]) -> Iterator[dict[str, Any]]:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            yield json.loads(line)


def _harness(plan: YarnPlan, sizing: Sizing, shuffle_jars: Path, port: int
             ) -> dict[str, str]:
    """The rendered site files, with what one test machine cannot share with the VMs."""
    site = hadoop.yarn_site(plan, sizing)
    workers = plan.spec.worker_count
    site.update({
        # The master's name resolves only on the VMs (their /etc/hosts).
        "yarn.resourcemanager.hostname": "localhost",
        # Spark's shuffle-service jars are here, not in /opt/spark/yarn.
        "yarn.nodemanager.aux-services.spark_shuffle.classpath": f"{shuffle_jars}/*",
        "spark.shuffle.service.port": str(port),
        # MiniYARNCluster's NodeManagers would all bind the one shuffle-service port, so the
        # profile's workers run as one NodeManager with their summed capacity; MiniYARNCluster
        # takes a NodeManager's memory from its own key.
        "yarn.nodemanager.resource.cpu-vcores": str(sizing.nm_vcores * workers),
        "yarn.minicluster.yarn.nodemanager.resource.memory-mb":
            str(sizing.nm_memory_mb * workers),
    })
    return {
        "core-site.xml": hadoop.site_xml(hadoop.core_site(plan), "test"),
        "yarn-site.xml": hadoop.site_xml(site, "test"),
        "capacity-scheduler.xml": hadoop.site_xml(hadoop.capacity_scheduler(plan), "test"),
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    plan = yarn_plan(profile.load("sandbox"))
    software = plan.spec.software
    vcpus, ram = FLAVORS[plan.spec.worker_flavor]
    sizing = compute(plan.spec, Flavor(plan.spec.worker_flavor, vcpus, ram), "sandbox")
    java_home = minicluster.java_home()
    hadoop_jars = minicluster.maven_jars("hadoop-minicluster", software.hadoop_version, [
        f"org.apache.hadoop:hadoop-minicluster:{software.hadoop_version}",
        "junit:junit:4.13.2"])  # MiniYARNCluster asserts with JUnit
    # The published spark-network-yarn jar leaves its shaded dependencies out: add them, but
    # not a second logging framework (the NodeManager's own serves the shuffle service).
    shuffle_jars = minicluster.maven_jars("spark-yarn-shuffle", software.spark_version, [
        f"org.apache.spark:spark-network-yarn_2.12:{software.spark_version}",
        f"org.apache.spark:spark-network-shuffle_2.12:{software.spark_version}"],
        exclude_groups=("org.slf4j", "org.apache.logging.log4j"))
    pyspark = minicluster.pyspark(software.spark_version)
    work = tmp_path_factory.mktemp("yarn")
    port = minicluster.free_port()
    yarn = minicluster.start(hadoop_jars, _harness(plan, sizing, shuffle_jars, port), work)
    conf = spark.properties(plan, sizing)
    conf.update({
        "spark.yarn.jars": f"local:{pyspark}/pyspark/jars/*",
        # The user share every VM mounts: here, a directory every process sees.
        "spark.yarn.stagingDir": f"file://{work}/user/.spark-staging",
        "spark.local.dir": str(work / "spark-temp"),
        "spark.shuffle.service.port": str(port),
        # pip's pyspark ships no pyspark.zip for executors: they use this interpreter.
        "spark.pyspark.python": sys.executable,
        "spark.executorEnv.PYTHONPATH": str(pyspark),
    })
    env = {**os.environ, "HADOOP_CONF_DIR": str(yarn.client_conf), "PYTHONPATH": str(pyspark),
           "SPARK_HOME": str(pyspark / "pyspark"), "JAVA_HOME": str(java_home),
           "SPARK_LOCAL_IP": "127.0.0.1"}
    try:
        yield Cluster(plan, sizing, yarn, conf, env, work)
    finally:
        yarn.stop()


def test_a_pyspark_job_runs_on_yarn_with_the_generated_settings(cluster: Cluster) -> None:
    session = cluster.session("astronomer", "job")
    try:
        session.wait(timeout=240)
        events = list(_events(session))
    finally:
        _stop(session)
    log = (cluster.work / "astronomer-job.log").read_text()
    assert session.returncode == 0, log[-3000:]
    started, result = events[0], events[-1]
    assert (started["master"], started["deploy_mode"], started["dynamic_allocation"]) == \
        ("yarn", "client", "true")
    assert result == {"event": "result", "groups": 97, "total": 300_000}
    yarn_log = cluster.yarn.log_text()
    # Executors kept their shuffle output in the NodeManager's shuffle service.
    assert "Started YARN shuffle service for Spark" in yarn_log
    assert f"appId={started['app']}" in yarn_log.split("Registered executor", 1)[1]
    assert [line for line in yarn_log.splitlines()
            if "USER=astronomer\t" in line and "OPERATION=Submit Application Request" in line]


def test_a_second_user_gets_a_result_while_the_first_holds_the_whole_cluster(
    cluster: Cluster,
) -> None:
    executors_per_user = cluster.sizing.executors_per_worker * cluster.plan.spec.worker_count
    hog = cluster.session("alice", "hog")
    small = None
    try:
        events = _events(hog)
        alice = next(events)["app"]
        # Alice's 16 long tasks take every executor the cluster has room for.
        deadline = time.monotonic() + 120
        for event in events:
            if event["event"] == "executors" and event["count"] >= executors_per_user - 1:
                break
            assert time.monotonic() < deadline, "alice never filled the cluster"
        begun = time.monotonic()
        small = cluster.session("bob", "small")
        try:
            small.wait(timeout=FAIR_WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"bob got no result in {FAIR_WAIT:.0f} s while alice held the cluster: "
                        "one user starves the others")
        waited = time.monotonic() - begun
        result = list(_events(small))
        assert small.returncode == 0, (cluster.work / "bob-small.log").read_text()[-3000:]
        assert result[-1] == {"event": "result", "total": 10}
        assert hog.poll() is None  # alice's work is still running: bob was not just next
    finally:
        _stop(hog)
        if small is not None:
            _stop(small)
    # Bob got his share by preemption of one of alice's executors, not by her finishing.
    attempt = alice.replace("application_", "container_")
    killed = [line for line in cluster.yarn.log_text().splitlines()
              if attempt in line and "from RUNNING to KILLED" in line]
    assert killed, "no container of alice's was preempted"
    assert waited < FAIR_WAIT
