"""How much of a worker Yarn offers, and how big Spark's executors are (pure).

Computed from the worker flavor (vCPUs and RAM, as the cloud reports them) and the profile's
``yarn.spark`` settings; a size that cannot fit is bad input, reported with the field to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError
from ..profile import YarnSpec

#: Yarn rounds every container up to a multiple of this.
MIN_ALLOCATION_MB = 512
#: Spark on Yarn adds this much (or 10 %) to each executor's heap for its container.
MIN_OVERHEAD_MB = 384
AM_MEMORY_MB = 512


@dataclass(frozen=True)
class Flavor:
    name: str
    vcpus: int
    ram_mb: int


@dataclass(frozen=True)
class Sizing:
    nm_memory_mb: int
    nm_vcores: int
    executor_cores: int
    executor_memory_mb: int
    executors_per_worker: int
    driver_memory_mb: int
    max_executors: int | None


def overhead(memory_mb: int) -> int:
    return max(MIN_OVERHEAD_MB, math.ceil(memory_mb * 0.10))


def container(memory_mb: int) -> int:
    """The Yarn container an executor of this heap size gets."""
    needed = memory_mb + overhead(memory_mb)
    return math.ceil(needed / MIN_ALLOCATION_MB) * MIN_ALLOCATION_MB


def nodemanager_memory(ram_mb: int) -> int:
    # The OS, the NodeManager itself and the shuffle service keep a tenth (2 GB at least);
    # aglais left 3 GB of 45.
    return ram_mb - max(2048, ram_mb // 10)


def compute(spec: YarnSpec, worker: Flavor, profile_file: str) -> Sizing:
    cores = spec.spark.executor_cores
    nm_memory = nodemanager_memory(worker.ram_mb)
    if nm_memory < MIN_ALLOCATION_MB * 2:
        raise ConfigError(f"{profile_file}: yarn.worker_flavor {worker.name!r} has "
                          f"{worker.ram_mb} MB of RAM; a Yarn worker needs at least "
                          f"{2048 + 2 * MIN_ALLOCATION_MB} MB. Choose a larger flavor.")
    if cores > worker.vcpus:
        raise ConfigError(f"{profile_file}: yarn.spark.executor_cores is {cores} but the "
                          f"worker flavor {worker.name!r} has {worker.vcpus} vCPUs. Lower it "
                          "or choose a larger yarn.worker_flavor.")
    per_worker = max(1, worker.vcpus // cores)
    memory = spec.spark.executor_memory_mb
    if memory is None:
        slot = nm_memory // per_worker
        memory = slot - MIN_OVERHEAD_MB
        while memory > MIN_ALLOCATION_MB and container(memory) > slot:
            memory -= 64
        memory = memory // 64 * 64
    elif container(memory) > nm_memory:
        raise ConfigError(f"{profile_file}: yarn.spark.executor_memory_mb is {memory}, so an "
                          f"executor needs a {container(memory)} MB container, but a "
                          f"{worker.name!r} worker offers Yarn {nm_memory} MB. Lower it or "
                          "choose a larger yarn.worker_flavor.")
    else:
        per_worker = max(1, min(per_worker, nm_memory // container(memory)))
    return Sizing(nm_memory_mb=nm_memory, nm_vcores=worker.vcpus, executor_cores=cores,
                  executor_memory_mb=memory, executors_per_worker=per_worker,
                  driver_memory_mb=spec.spark.driver_memory_mb,
                  max_executors=spec.spark.max_executors)
