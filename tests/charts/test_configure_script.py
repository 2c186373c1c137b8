"""The server's start-up script (files/configure.sh), run with sh as the init container runs it:
shiro.ini gets the users' salted Shiro hashes (the Secret's <user>.shiro1 keys), never the
passwords, and a user without a hash in the Secret stops the start with a message naming the
user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from gaia_platform.shiro import shiro_hash, shiro_matches
from tests import tools
from tests.charts.conftest import ZEPPELIN, Render, find

PASSWORDS = {"admin": "s3cret-Admin-pw", "alice": "wonder land,=#'\"", "bob": "b0b\n"}


def _setup(render: Render, tmp_path: Path) -> dict[str, str]:
    docs = render(ZEPPELIN, release="z", files=[ZEPPELIN / "ci/lint-values.yaml"])
    data = find(docs, "ConfigMap", suffix="-server-config")["data"]
    setup = tmp_path / "setup"
    setup.mkdir()
    for name, text in data.items():
        (setup / name).write_text(text)
    for directory in ("auth", "out", "volume"):
        (tmp_path / directory).mkdir()
    return {**os.environ, "SETUP_DIR": str(setup), "AUTH_DIR": str(tmp_path / "auth"),
            "OUTPUT_DIR": str(tmp_path / "out"), "NOTEBOOK_STORAGE": str(tmp_path / "volume"),
            "NOTEBOOKS_SUBPATH": "notebooks", "CONFIG_SUBPATH": "zeppelin-config",
            "AUTH_SECRET": "Secret gaia/gaia-zeppelin-auth"}


def _run(env: dict[str, str], prefix: list[str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    script = Path(env["SETUP_DIR"]) / "configure.sh"
    return subprocess.run([*(prefix or []), "sh", str(script)], env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def test_shiro_ini_holds_hashes_of_the_secrets_passwords(render: Render,
                                                         tmp_path: Path) -> None:
    env = _setup(render, tmp_path)
    hashes = {user: shiro_hash(password.rstrip("\n"), iterations=1000)
              for user, password in PASSWORDS.items()}
    for user, password in PASSWORDS.items():
        (tmp_path / "auth" / user).write_text(password)
        (tmp_path / "auth" / f"{user}.shiro1").write_text(hashes[user])
    result = _run(env)
    assert result.returncode == 0, result.stderr
    shiro = tmp_path / "out" / "shiro.ini"
    text = shiro.read_text()
    users = text.split("[users]\n")[1].splitlines()
    # Shiro's PasswordMatcher reads exactly these $shiro1$ strings (checked against the real
    # Shiro in tests/charts/test_shiro_hash.py).
    assert users == [f"admin = {hashes['admin']}, admin",
                     f"alice = {hashes['alice']}, astronomer",
                     f"bob = {hashes['bob']}"]
    assert shiro_matches("b0b", hashes["bob"])
    for password in PASSWORDS.values():
        assert password.strip() not in text
        assert password.strip() not in result.stdout + result.stderr
    assert "/** = authc" in text and "authc.credential.PasswordMatcher" in text
    assert oct(shiro.stat().st_mode & 0o777) == "0o600"
    volume = tmp_path / "volume"
    installed = volume / "zeppelin-config" / "interpreter.json"
    settings = json.loads(installed.read_text())["interpreterSettings"]
    # The deploy's values: one Spark driver per person (the repo's users catalogue).
    assert (settings["spark"]["option"]["perUser"],
            settings["spark"]["option"]["perNote"]) == ("isolated", "scoped")
    # Zeppelin's state is the server's alone; the notes directory is shared with interpreters.
    assert oct((volume / "zeppelin-config").stat().st_mode & 0o777) == "0o700"
    assert (volume / "notebooks").is_dir()
    # A second start (an upgrade) replaces the settings and keeps the directories.
    (volume / "notebooks" / "note.zpln").write_text("{}")
    assert _run(env).returncode == 0
    assert (volume / "notebooks" / "note.zpln").exists()


def test_a_notebook_volume_the_server_cannot_write_stops_the_start(render: Render) -> None:
    """As the pod's user (uid 1000, group 0) on a volume whose top directory is root's."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        tools.missing("setpriv (to drop from root to the pod's user)",
                      "apt-get install -y util-linux")
    scratch = Path(tempfile.mkdtemp(prefix="gaia-configure-"))
    try:
        scratch.chmod(0o755)
        env = _setup(render, scratch)
        for path in [scratch, *scratch.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        for user in PASSWORDS:
            (scratch / "auth" / f"{user}.shiro1").write_text(shiro_hash("pw", iterations=10))
            (scratch / "auth" / f"{user}.shiro1").chmod(0o644)
        (scratch / "volume").chmod(0o755)
        (scratch / "out").chmod(0o777)
        prefix = ([] if os.geteuid() != 0 else
                  ["setpriv", "--reuid=1000", "--regid=0", "--clear-groups"])
        if not prefix:
            (scratch / "volume").chmod(0o555)
        result = _run(env, prefix)
        assert result.returncode != 0
        assert "on the notebook volume is missing or not writable by uid" in result.stderr
        assert "chown it on the share" in result.stderr
        if prefix:
            # Once the share's top directory is the pod user's, the start goes through.
            os.chown(scratch / "volume", 1000, 0)
            assert _run(env, prefix).returncode == 0
    finally:
        shutil.rmtree(scratch)


@pytest.mark.parametrize("broken", ["missing", "empty"])
def test_a_user_without_a_password_stops_the_start(render: Render, tmp_path: Path,
                                                   broken: str) -> None:
    env = _setup(render, tmp_path)
    for user in ("admin", "bob"):
        (tmp_path / "auth" / f"{user}.shiro1").write_text(shiro_hash("pw", iterations=10))
    # A password alone is not enough: shiro.ini only ever gets hashes.
    (tmp_path / "auth" / "alice").write_text("pw")
    if broken == "empty":
        (tmp_path / "auth" / "alice.shiro1").write_text("")
    result = _run(env)
    assert result.returncode != 0
    assert ("Secret gaia/gaia-zeppelin-auth has no password hash for user 'alice'"
            in result.stderr)
    assert not (tmp_path / "out" / "shiro.ini").exists()
