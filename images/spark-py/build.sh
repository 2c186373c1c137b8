#!/usr/bin/env bash
# Builds the Spark image (JVM + Python) drivers and executors run, for a Spark release that has
# no upstream image any more: Zeppelin 0.9 needs Spark < 3.1, and gcr.io/spark-operator/spark-py
# (v3.0.0) was removed in October 2023 (kubeflow/spark-operator issues 1860, 1862, 1868, 1899);
# Apache never published 3.0 images. It is Spark's own recipe: the release's binary
# distribution and its bin/docker-image-tool.sh with the Python bindings Dockerfile
# (spark.apache.org/docs/3.0.3/running-on-kubernetes.html#docker-images), which makes the
# <repo>/spark-py:<tag> image with /opt/spark (the chart's init container copies it), sh,
# and user 185 (the spark-executor chart's runAsUser).
#
#   images/spark-py/build.sh 3.0.3 registry.example.org/gaia   # -> registry.example.org/gaia/spark-py:v3.0.3
#   docker push registry.example.org/gaia/spark-py:v3.0.3
#
# then set kubernetes.spark_image: registry.example.org/gaia/spark-py:v3.0.3 in the profile.
# Needs docker (or podman as docker), curl, sha512sum and network access to archive.apache.org.
set -euo pipefail

version=${1:?usage: build.sh SPARK_VERSION [REPOSITORY]}
repository=${2:-localhost/gaia-platform}
# The Hadoop build Apache ships for 3.0.x/3.1.x (hadoop3.2), as on archive.apache.org.
hadoop=${HADOOP_PROFILE:-hadoop3.2}
dist="spark-${version}-bin-${hadoop}"
url="https://archive.apache.org/dist/spark/spark-${version}/${dist}.tgz"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
curl -fsSLO "$url"
curl -fsSLO "$url.sha512"
# Apache's .sha512 files for these releases use gpg's "file: HEX HEX ..." layout: compare hex.
expected=$(tr -d ' \n' < "${dist}.tgz.sha512" | sed 's/.*://' | tr 'A-F' 'a-f')
actual=$(sha512sum "${dist}.tgz" | cut -d' ' -f1)
[ "$expected" = "$actual" ] || { echo "checksum mismatch for ${dist}.tgz" >&2; exit 1; }
tar xzf "${dist}.tgz"
cd "$dist"
./bin/docker-image-tool.sh -r "$repository" -t "v${version}" \
  -p kubernetes/dockerfiles/spark/bindings/python/Dockerfile build
echo "built ${repository}/spark-py:v${version}"
