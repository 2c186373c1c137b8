"""`platform users` where no cloud is needed: the catalogue is edited and checked, bad input is
refused with the file and field (exit 2, no traceback), and nothing is applied without
credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cambridge(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the cambridge profile with its own users catalogue, and no credentials."""
    (tmp_path / "users.yaml").write_text("# our people\nusers:\n- name: admin\n  role: admin\n"
                                         "- name: carol\n")
    data = yaml.safe_load((REPO / "openstack/clouds/cambridge.yaml").read_text())
    data.update(shares=str(REPO / "manila/shares.yaml"), users=str(tmp_path / "users.yaml"))
    (tmp_path / "cambridge.yaml").write_text(yaml.safe_dump(data))
    env = {"HOME": str(tmp_path), "OS_CLIENT_CONFIG_FILE": str(tmp_path / "none.yaml"),
           "XDG_CONFIG_HOME": str(tmp_path), "GAIA_STATE_DIR": str(tmp_path / "state")}
    return tmp_path / "cambridge.yaml", env


def _users(profile: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gaia_platform.cli", "users", *args,
                           "--cloud", str(profile)], capture_output=True, text=True, cwd=REPO,
                          timeout=120, env={**os.environ, **env})


def test_add_edits_the_catalogue_and_says_it_was_not_applied(
    cambridge: tuple[Path, dict[str, str]]
) -> None:
    profile, env = cambridge
    result = _users(profile, env, "add", "alice", "--home-gb", "5", "-o", "json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["added"], answer["applied"], answer["password"]) == (True, False, None)
    assert "platform deploy" in answer["note"]
    assert {s["name"]: s["size_gb"] for s in answer["user"]["shares"]} == {
        "cambridge-home-alice": 5, "cambridge-user-alice": 1024}
    text = (profile.parent / "users.yaml").read_text()
    assert text.startswith("# our people\n")  # the file's own comment is kept
    assert yaml.safe_load(text)["users"] == [{"name": "admin", "role": "admin"},
                                             {"name": "carol"}, {"name": "alice", "home_gb": 5}]
    # Again: nothing more (idempotent).
    again = json.loads(_users(profile, env, "add", "alice", "-o", "json").stdout)
    assert again["added"] is False
    same = json.loads(_users(profile, env, "add", "alice", "--home-gb", "5", "-o", "json").stdout)
    assert same["added"] is False
    assert yaml.safe_load((profile.parent / "users.yaml").read_text())["users"][2] == {
        "name": "alice", "home_gb": 5}
    listed = json.loads(_users(profile, env, "list", "-o", "json").stdout)
    assert [(u["name"], u["password_set"]) for u in listed["users"]] == [
        ("admin", None), ("carol", None), ("alice", None)]


@pytest.mark.parametrize(("args", "expected"), [
    (("add", "Alice"), "NAME"),
    (("add", "bob", "--home-gb", "0"), "--home-gb"),
    (("remove", "admin"), "no user has role: admin"),
    (("reset-password", "nobody"), "No user 'nobody'"),
    (("add", "carol", "--user-gb", "7"), "already in"),
    (("remove", "admin", "--delete-data"), "--yes"),
])
def test_bad_input_names_what_to_fix_with_exit_code_2(
    cambridge: tuple[Path, dict[str, str]], args: tuple[str, ...], expected: str
) -> None:
    profile, env = cambridge
    before = (profile.parent / "users.yaml").read_text()
    result = _users(profile, env, *args)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert (profile.parent / "users.yaml").read_text() == before


def test_a_broken_catalogue_is_reported_with_file_and_field(
    cambridge: tuple[Path, dict[str, str]]
) -> None:
    profile, env = cambridge
    (profile.parent / "users.yaml").write_text("users:\n- name: admin\n  role: root\n")
    result = _users(profile, env, "list")
    assert result.returncode == 2
    assert str(profile.parent / "users.yaml") in result.stderr
    assert "users.0.role" in result.stderr and "Traceback" not in result.stderr


def test_a_profile_without_a_users_catalogue_says_how_to_add_one(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "openstack/clouds/cambridge.yaml").read_text())
    data.pop("users")
    data["shares"] = str(REPO / "manila/shares.yaml")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    result = _users(tmp_path / "p.yaml", {"GAIA_STATE_DIR": str(tmp_path)}, "list")
    assert result.returncode == 2 and "users: users.yaml" in result.stderr
