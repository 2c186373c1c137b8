"""Hadoop's configuration for the fallback (pure): core-site, yarn-site, capacity-scheduler.

There is no HDFS: every node mounts the same CephFS shares at the same paths, so the default
file system is the local one and Spark stages its files on the shared user share.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .layout import SHUFFLE_PORT, YarnPlan
from .sizing import MIN_ALLOCATION_MB, Sizing

CONF_DIR = "/etc/hadoop/conf"
#: The account that runs Yarn, Spark drivers and Zeppelin on every node (cloudinit.py).
SERVICE_USER = "gaia"
SPARK_HOME = "/opt/spark"
TMP_DIR = "/var/lib/hadoop/tmp"
NM_LOCAL_DIR = "/var/lib/hadoop/nm-local"
NM_LOG_DIR = "/var/log/hadoop/containers"
QUEUE = "default"
CS = "yarn.scheduler.capacity"
PREEMPTION = "yarn.resourcemanager.monitor.capacity.preemption"


def site_xml(properties: dict[str, str], comment: str) -> str:
    """A Hadoop *-site.xml: <configuration> with one <property> per entry, in order."""
    root = ET.Element("configuration")
    root.append(ET.Comment(f" {comment} "))
    for name, value in properties.items():
        prop = ET.SubElement(root, "property")
        ET.SubElement(prop, "name").text = name
        ET.SubElement(prop, "value").text = value
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def core_site(plan: YarnPlan) -> dict[str, str]:
    props = {
        "fs.defaultFS": "file:///",
        "hadoop.tmp.dir": TMP_DIR,
    }
    if plan.users:
        # Zeppelin submits each person's Spark application as them (spark-submit --proxy-user,
        # SparkInterpreterLauncher with isUserImpersonate), so Yarn's per-user limits apply to
        # people; the service user may act for the catalogue's people from the gateway only
        # (Hadoop's "Proxy user - Superusers Acting On Behalf Of Other Users", Superusers.md:
        # hadoop.proxyuser.<superuser>.hosts and .users).
        props.update({
            f"hadoop.proxyuser.{SERVICE_USER}.hosts": plan.gateway.name,
            f"hadoop.proxyuser.{SERVICE_USER}.users": ",".join(u.name for u in plan.users),
        })
    return props


def yarn_site(plan: YarnPlan, sizing: Sizing) -> dict[str, str]:
    scheduler = plan.spec.scheduler
    props = {
        "yarn.resourcemanager.hostname": plan.master.name,
        "yarn.resourcemanager.scheduler.class": "org.apache.hadoop.yarn.server."
        "resourcemanager.scheduler.capacity.CapacityScheduler",
        # Spark's shuffle service inside every NodeManager: executors can go away (dynamic
        # allocation) while their shuffle output stays available. Its own class path keeps
        # Spark's jars apart from Hadoop's (works from Hadoop 3.3.2, YARN-11053).
        "yarn.nodemanager.aux-services": "spark_shuffle",
        "yarn.nodemanager.aux-services.spark_shuffle.class":
            "org.apache.spark.network.yarn.YarnShuffleService",
        "yarn.nodemanager.aux-services.spark_shuffle.classpath": f"{SPARK_HOME}/yarn/*",
        "spark.shuffle.service.port": str(SHUFFLE_PORT),
        "yarn.nodemanager.resource.memory-mb": str(sizing.nm_memory_mb),
        "yarn.nodemanager.resource.cpu-vcores": str(sizing.nm_vcores),
        "yarn.scheduler.minimum-allocation-mb": str(MIN_ALLOCATION_MB),
        "yarn.scheduler.maximum-allocation-mb": str(sizing.nm_memory_mb),
        "yarn.scheduler.maximum-allocation-vcores": str(sizing.nm_vcores),
        # Temporary space on the VM's own disk (no Cinder volumes: see notes/yarn-fallback.md).
        "yarn.nodemanager.local-dirs": NM_LOCAL_DIR,
        "yarn.nodemanager.log-dirs": NM_LOG_DIR,
        # Java reserves far more virtual memory than it uses; the physical check remains.
        "yarn.nodemanager.vmem-check-enabled": "false",
        "yarn.log-aggregation-enable": "false",
    }
    if scheduler.preemption:
        # Without preemption the first user's executors stay until they idle out: a second
        # user's application waits in ACCEPTED (what aglais saw).
        props.update({
            "yarn.resourcemanager.scheduler.monitor.enable": "true",
            "yarn.resourcemanager.scheduler.monitor.policies": "org.apache.hadoop.yarn.server."
            "resourcemanager.monitor.capacity.ProportionalCapacityPreemptionPolicy",
            f"{PREEMPTION}.intra-queue-preemption.enabled": "true",
            f"{PREEMPTION}.intra-queue-preemption.preemption-order-policy": "userlimit_first",
            # Yarn's 10 % per round rounds down to no vCPU at all on a cluster of fewer than
            # ten, and then nothing is ever preempted (seen on MiniYARNCluster, see
            # tests/yarn/test_minicluster.py); a quarter also rebalances faster.
            f"{PREEMPTION}.total_preemption_per_round": "0.25",
        })
    return props


def capacity_scheduler(plan: YarnPlan) -> dict[str, str]:
    scheduler = plan.spec.scheduler
    queue = f"{CS}.root.{QUEUE}"
    return {
        # Cores count as well as memory when sharing the cluster out.
        f"{CS}.resource-calculator":
            "org.apache.hadoop.yarn.util.resource.DominantResourceCalculator",
        f"{CS}.maximum-am-resource-percent": str(scheduler.max_am_share),
        f"{CS}.root.queues": QUEUE,
        f"{queue}.capacity": "100",
        f"{queue}.maximum-capacity": "100",
        f"{queue}.state": "RUNNING",
        f"{queue}.acl_submit_applications": "*",
        # Every active user is guaranteed this share; one user alone may use the whole queue
        # (user-limit-factor 1) and gives it back, by preemption, when others arrive.
        f"{queue}.minimum-user-limit-percent": str(scheduler.min_user_share_percent),
        f"{queue}.user-limit-factor": "1",
        f"{queue}.ordering-policy": "fair",
        f"{queue}.ordering-policy.fair.enable-size-based-weight": "false",
        f"{queue}.maximum-am-resource-percent": str(scheduler.max_am_share),
        f"{CS}.user.max-parallel-apps": str(scheduler.max_apps_per_user),
        # The catalogue's people: each one's own limit on parallel applications (Hadoop's
        # CapacitySchedulerConfiguration.getMaxParallelAppsForUser reads
        # yarn.scheduler.capacity.user.<name>.max-parallel-apps, falling back to the one above;
        # see its FS-to-CS converter test, testSpecificUserMaxParallelApps).
        **{f"{CS}.user.{user.name}.max-parallel-apps": str(user.max_apps)
           for user in plan.users},
    }
