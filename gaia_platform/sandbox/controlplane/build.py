"""Builds the control-plane binaries from the Go module proxy, once per version set.

k8s.io/kubernetes cannot be ``go install``-ed directly: its go.mod replaces the k8s.io/*
staging modules with paths inside its own repository. So we write a small wrapper module that
requires it and replaces each staging module with its published v0.x release, then
``go build`` the commands out of the module cache. etcd's server is in the same build list
(kubernetes requires it), so one build makes four binaries; kwok has no replace directives and
is installed on its own.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ...errors import SandboxError
from . import versions

Progress = Callable[[str], None]

KUBE_PACKAGES = {
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
    "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
    "etcd": "go.etcd.io/etcd/server/v3",
}


def bin_dir(cache: Path) -> Path:
    return cache / "controlplane" / versions.cache_key() / "bin"


def is_built(cache: Path) -> bool:
    directory = bin_dir(cache)
    return all(os.access(directory / name, os.X_OK) for name in versions.BINARIES)


def _go(args: list[str], cwd: Path, log: Path, env: dict[str, str]) -> str:
    with log.open("a") as handle:
        handle.write(f"$ go {' '.join(args)}\n")
        handle.flush()
        result = subprocess.run(
            ["go", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
            stderr=handle, text=True, check=False,
        )
        handle.write(result.stdout)
    if result.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise SandboxError(
            f"Building the control plane failed at 'go {args[0]}' (exit {result.returncode}). "
            f"The Go module proxy must be reachable. Full log: {log}\n{tail}"
        )
    return result.stdout


def _staging_modules(kubernetes_gomod: str) -> list[str]:
    """The k8s.io/* modules kubernetes' go.mod replaces with paths under ./staging."""
    return sorted(set(re.findall(r"^\s*(k8s\.io/[\w.-]+)\s+=>\s+\./staging/", kubernetes_gomod,
                                 re.MULTILINE)))


def _version_ldflags() -> str:
    major, minor, _ = versions.KUBERNETES.split(".")
    pkg = "k8s.io/component-base/version"
    flags = {
        "gitVersion": f"v{versions.KUBERNETES}",
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "clean",
        "buildDate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return "-s -w " + " ".join(f"-X {pkg}.{key}={value}" for key, value in flags.items())


def build(cache: Path, progress: Progress) -> Path:
    """Make sure every binary is in the cache; build what is missing. Returns the bin dir."""
    target = bin_dir(cache)
    if is_built(cache):
        return target
    if shutil.which("go") is None:
        raise SandboxError(
            "The sandbox's Kubernetes control plane is built from source with Go, and 'go' is "
            "not on PATH. Install Go 1.24 or newer (e.g. from your distribution), then re-run."
        )
    work = target.parent
    work.mkdir(parents=True, exist_ok=True)
    # One build at a time per cache (tests and a CLI may race on a fresh machine).
    with (work / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_built(cache):
            return target
        _build_locked(work, target, progress)
    return target


def _build_locked(work: Path, target: Path, progress: Progress) -> None:
    src = work / "src"
    staging = work / "bin.partial"
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    src.mkdir()
    staging.mkdir()
    log = work / "build.log"
    log.write_text("")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0", "GOWORK": "off"}
    kube = f"k8s.io/kubernetes@v{versions.KUBERNETES}"

    progress(f"downloading {kube} from the Go module proxy")
    gomod_path = _go(["mod", "download", "-json", kube], src, log, env)
    gomod_file = re.search(r'"GoMod":\s*"([^"]+)"', gomod_path)
    if gomod_file is None:
        raise SandboxError(f"'go mod download' gave no go.mod for {kube}; see {log}")
    replaces = _staging_modules(Path(gomod_file.group(1)).read_text())
    lines = [
        "module gaia-platform/sandbox-controlplane",
        "",
        "go 1.24",
        "",
        f"require k8s.io/kubernetes v{versions.KUBERNETES}",
        "",
        "replace (",
        *[f"\t{module} => {module} {versions.staging_version()}" for module in replaces],
        ")",
        "",
    ]
    (src / "go.mod").write_text("\n".join(lines))
    packages = list(KUBE_PACKAGES.values())
    pinned = [f"{p}@v{versions.KUBERNETES}" for p in packages if p.startswith("k8s.io/")]
    _go(["get", *pinned, f"go.etcd.io/etcd/server/v3@v{versions.ETCD}"], src, log, env)

    progress("compiling kube-apiserver, kube-controller-manager, kube-scheduler and etcd "
             "(several minutes on 2 cores)")
    for name, package in KUBE_PACKAGES.items():
        _go(["build", "-trimpath", f"-ldflags={_version_ldflags()}", "-o",
             str(staging / name), package], src, log, env)

    progress(f"compiling kwok v{versions.KWOK}")
    _go(["install", "-trimpath", "-ldflags=-s -w", f"sigs.k8s.io/kwok/cmd/kwok@v{versions.KWOK}"],
        src, log, {**env, "GOBIN": str(staging), "GOFLAGS": ""})

    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    shutil.rmtree(src, ignore_errors=True)
