"""One notebook user's Spark session on the MiniYARNCluster (run as a subprocess by
test_minicluster.py, with HADOOP_USER_NAME naming the user).

    spark_user.py CONF_JSON job    a shuffle-heavy query; prints its result as JSON
    spark_user.py CONF_JSON hog    keeps every executor it can get busy; reports their number
    spark_user.py CONF_JSON small  a tiny query; prints its result as JSON
"""

from __future__ import annotations

import json
import sys
import threading
import time

from pyspark.sql import SparkSession


def main() -> None:
    conf, mode = json.loads(sys.argv[1]), sys.argv[2]
    builder = SparkSession.builder.appName(f"gaia-yarn-test-{mode}")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    context = spark.sparkContext
    started = {"event": "started", "app": context.applicationId, "master": context.master,
               "deploy_mode": context.getConf().get("spark.submit.deployMode"),
               "dynamic_allocation": context.getConf().get("spark.dynamicAllocation.enabled")}
    print(json.dumps(started), flush=True)
    if mode == "hog":
        def work() -> None:
            context.parallelize(range(16), 16).map(lambda x: (time.sleep(600), x)[1]).count()

        threading.Thread(target=work, daemon=True).start()
        while True:
            executors = context._jsc.sc().getExecutorIds().size()
            print(json.dumps({"event": "executors", "count": executors}), flush=True)
            time.sleep(1)
    if mode == "job":
        rows = spark.range(0, 300_000).selectExpr("id % 97 AS k", "id") \
            .groupBy("k").count().orderBy("k").collect()
        result = {"groups": len(rows), "total": sum(r["count"] for r in rows)}
    else:
        result = {"total": context.parallelize(range(10), 1).count()}
    print(json.dumps({"event": "result", **result}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
