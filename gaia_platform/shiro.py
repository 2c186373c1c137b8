"""Zeppelin's stored login passwords: salted, iterated hashes in the format Apache Shiro's own
password service reads, so that shiro.ini never holds a password or a fast unsalted digest.

The format is Shiro1CryptFormat ("$shiro1$<algorithm>$<iterations>$<base64 salt>$<base64
digest>", apache/shiro core .../crypto/hash/format/Shiro1CryptFormat.java, since 1.2), and
the digest is SimpleHash's: the algorithm over salt + password (UTF-8), then over its own
output, ``iterations`` times in all (SimpleHash.hash(bytes, salt, hashIterations)). Shiro's
PasswordMatcher with its default DefaultPasswordService parses that string and recomputes
with the stored salt and iterations (DefaultPasswordService.passwordsMatch; defaults SHA-256
and 500,000 iterations, Shiro 1.2 onwards, which every supported Zeppelin ships).

Used by deploy for the zeppelin-auth Secret (key ``<user>.shiro1``), and meant for anything
else that writes Zeppelin users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "SHA-256"
#: DefaultPasswordService.DEFAULT_HASH_ITERATIONS: slow on purpose (about 0.3 s here).
ITERATIONS = 500_000
#: 128 bits, what Shiro's SecureRandomNumberGenerator hands DefaultHashService by default.
SALT_BYTES = 16
PREFIX = "$shiro1$"


def _digest(password: str, salt: bytes, iterations: int) -> bytes:
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    for _ in range(iterations - 1):
        digest = hashlib.sha256(digest).digest()
    return digest


def shiro_hash(password: str, *, salt: bytes | None = None,
               iterations: int = ITERATIONS) -> str:
    """The shiro.ini credential for ``password``: a fresh random salt unless one is given."""
    if not password:
        raise ValueError("an empty password cannot be hashed (Shiro refuses empty ones)")
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    encoded = (base64.b64encode(salt).decode(),
               base64.b64encode(_digest(password, salt, iterations)).decode())
    return f"{PREFIX}{ALGORITHM}${iterations}${encoded[0]}${encoded[1]}"


def shiro_matches(password: str, stored: str) -> bool:
    """What Shiro's PasswordMatcher decides for ``password`` against a stored credential."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[1] != "shiro1" or parts[2] != ALGORITHM:
        return False
    try:
        iterations = int(parts[3])
        salt, digest = base64.b64decode(parts[4]), base64.b64decode(parts[5])
    except ValueError:
        return False
    if iterations < 1 or not password:
        return False
    return hmac.compare_digest(_digest(password, salt, iterations), digest)


def main() -> None:
    """``python -m gaia_platform.shiro``: read a password (prompted, or from stdin) and print
    its shiro.ini credential, for a zeppelin-auth Secret made by hand."""
    import getpass
    import sys

    password = getpass.getpass("password: ") if sys.stdin.isatty() \
        else sys.stdin.read().rstrip("\n")
    try:
        print(shiro_hash(password))
    except ValueError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
