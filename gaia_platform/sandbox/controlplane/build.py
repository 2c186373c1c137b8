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

    # kwok is its own module (its own client-go and apimachinery versions), so it shares no
    # compiled package with the Kubernetes build; a second process lets it fill the gaps while
    # the big binaries link on one core.
    kwok_log = work / "build-kwok.log"
    kwok_log.write_text("")
    with kwok_log.open("a") as kwok_out:
        kwok = subprocess.Popen(
            ["go", "install", "-trimpath", "-ldflags=-s -w",
             f"sigs.k8s.io/kwok/cmd/kwok@v{versions.KWOK}"],
            cwd=src, env={**env, "GOBIN": str(staging), "GOFLAGS": ""},
            stdout=kwok_out, stderr=subprocess.STDOUT)
        try:
            _compile_kube(src, staging, log, env, progress)
        except BaseException:
            kwok.kill()
            kwok.wait()
            raise
        progress(f"waiting for kwok v{versions.KWOK} to finish compiling")
        if kwok.wait() != 0:
            raise SandboxError(f"Building kwok v{versions.KWOK} failed; see {kwok_log}:\n"
                               + "".join(kwok_log.read_text().splitlines(keepends=True)[-15:]))

    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    shutil.rmtree(src, ignore_errors=True)


def _compile_kube(src: Path, staging: Path, log: Path, env: dict[str, str],
                  progress: Progress) -> None:
    """One `go build` for all four binaries: Go schedules their shared packages once and keeps
    both cores busy across them, where four builds in a row link one at a time. `-v` names each
    package as it is compiled, which gives the progress and the estimate."""
    packages = list(KUBE_PACKAGES.values())
    listed = _go(["list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
                  *packages], src, log, env)
    total = sum(1 for line in listed.splitlines() if line.strip())
    progress(f"compiling {', '.join(KUBE_PACKAGES)} ({total} packages; about 4-8 minutes on "
             "2 cores, less when Go's build cache has some of them)")
    args = ["build", "-v", "-trimpath", f"-ldflags={_version_ldflags()}",
            "-o", str(staging) + "/", *packages]
    started = time.monotonic()
    compiled, last_report = 0, started
    with log.open("a") as handle:
        handle.write(f"$ go {' '.join(args)}\n")
        handle.flush()
        process = subprocess.Popen(["go", *args], cwd=src, env=env, stdout=handle,
                                   stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        for line in process.stderr:
            handle.write(line)
            if line.strip() and " " not in line.strip():
                compiled += 1
            now = time.monotonic()
            if now - last_report >= 20 and compiled:
                last_report = now
                progress(_estimate(compiled, total, now - started))
        code = process.wait()
    if code != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise SandboxError(f"Building the control plane failed at 'go build' (exit {code}). "
                           f"The Go module proxy must be reachable. Full log: {log}\n{tail}")
    for name, package in KUBE_PACKAGES.items():
        built = staging / _binary_name(package)
        if built.name != name:
            built.rename(staging / name)


def _binary_name(package: str) -> str:
    """The file `go build -o DIR/` writes for a main package: its last path element, or the
    one before a major-version suffix (`go help build`): go.etcd.io/etcd/server/v3 -> server."""
    parts = package.split("/")
    return parts[-2] if re.fullmatch(r"v[2-9]\d*", parts[-1]) and len(parts) > 1 else parts[-1]


def _estimate(compiled: int, total: int, elapsed: float) -> str:
    """'compiled N of ~M packages, E elapsed, about R left' from the rate so far."""
    done = min(compiled, total)
    left = (elapsed / done) * (total - done) if done else 0.0
    return (f"compiled {done} of ~{total} packages in {elapsed / 60:.1f} min, about "
            f"{max(left, 0) / 60:.0f} min left (then linking)")
