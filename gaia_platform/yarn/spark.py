"""Spark's settings for the fallback (pure): yarn client mode with dynamic allocation.

The same properties go to spark-defaults.conf (for spark-submit on the gateway) and to
Zeppelin's Spark interpreter setting (which would otherwise pass its own defaults).
"""

from __future__ import annotations

from .hadoop import SPARK_HOME
from .layout import SHUFFLE_PORT, YarnPlan
from .sizing import AM_MEMORY_MB, Sizing

LOCAL_DIR = "/var/lib/spark/temp"
CONF_DIR = "/etc/spark/conf"


def staging_dir(plan: YarnPlan) -> str:
    """Spark's staging directory, on the share every node mounts read-write."""
    return f"{plan.scratch_share.share.mount_path}/.spark-staging"


def properties(plan: YarnPlan, sizing: Sizing) -> dict[str, str]:
    props = {
        "spark.master": "yarn",
        "spark.submit.deployMode": "client",
        "spark.yarn.queue": "default",
        "spark.driver.memory": f"{sizing.driver_memory_mb}m",
        "spark.yarn.am.memory": f"{AM_MEMORY_MB}m",
        "spark.executor.cores": str(sizing.executor_cores),
        "spark.executor.memory": f"{sizing.executor_memory_mb}m",
        # Executors come and go with the work, so an idle notebook holds nothing.
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "0",
        "spark.dynamicAllocation.initialExecutors": "1",
        "spark.dynamicAllocation.executorIdleTimeout": "60s",
        # Cached data would otherwise pin executors for ever.
        "spark.dynamicAllocation.cachedExecutorIdleTimeout": "900s",
        "spark.shuffle.service.enabled": "true",
        "spark.shuffle.service.port": str(SHUFFLE_PORT),
        # Spark is installed on every node: nothing to upload per application.
        "spark.yarn.jars": f"local:{SPARK_HOME}/jars/*",
        "spark.yarn.stagingDir": f"file://{staging_dir(plan)}",
        "spark.local.dir": LOCAL_DIR,
        "spark.pyspark.python": "python3",
    }
    if sizing.max_executors is not None:
        props["spark.dynamicAllocation.maxExecutors"] = str(sizing.max_executors)
    return props


def defaults_conf(plan: YarnPlan, sizing: Sizing) -> str:
    lines = [f"# Spark on Yarn for the gaia-platform deployment {plan.deployment!r} "
             "(generated; changes are lost on redeploy)."]
    width = max(len(key) for key in properties(plan, sizing))
    lines += [f"{key:<{width}}  {value}" for key, value in properties(plan, sizing).items()]
    return "\n".join(lines) + "\n"

