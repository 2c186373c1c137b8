"""gaia_platform.shiro's hashes are what Apache Shiro accepts: real Shiro jars (from Maven
Central) log users in through an IniRealm with PasswordMatcher, the matcher the zeppelin
chart's shiro.ini names, for the right password only. Shiro 1.2.3 (the oldest Zeppelin's)
and 1.13.0 (the last 1.x) both."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gaia_platform.shiro import ITERATIONS, shiro_hash, shiro_matches
from tests.yarn.minicluster import _needs, maven_jars

HERE = Path(__file__).resolve().parent
PASSWORDS = {"admin": "s3cret-Admin-pw", "alice": "wonder land,=#'\"", "eve": "ünïcødé-€"}


@pytest.mark.parametrize("version", ["1.2.3", "1.13.0"])
def test_shiro_logs_in_with_our_hashes(version: str) -> None:
    java = _needs("java")
    jars = maven_jars("shiro", version, [f"org.apache.shiro:shiro-core:{version}",
                                         "org.slf4j:slf4j-nop:1.7.36"])
    hashes = {user: shiro_hash(password) for user, password in PASSWORDS.items()}
    assert all(h.startswith(f"$shiro1$SHA-256${ITERATIONS}$") for h in hashes.values())
    lines = [f"{user}\t{password}\t{hashes[user]}" for user, password in PASSWORDS.items()]
    lines += [f"{user}\t{password}x\t{hashes[user]}" for user, password in PASSWORDS.items()]
    result = subprocess.run([java, "-cp", f"{jars}/*", str(HERE / "ShiroLogin.java")],
                            input="\n".join(lines) + "\n", capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:-1] == (
        [f"{user} ok" for user in PASSWORDS] + [f"{user} refused" for user in PASSWORDS])


def test_each_hash_is_salted_and_checks_only_its_password() -> None:
    first, second = shiro_hash("same", iterations=10), shiro_hash("same", iterations=10)
    assert first != second  # a fresh salt every time
    assert shiro_matches("same", first) and shiro_matches("same", second)
    assert not shiro_matches("Same", first)
    unsalted = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
    assert not shiro_matches("same", unsalted)
    with pytest.raises(ValueError):
        shiro_hash("")
