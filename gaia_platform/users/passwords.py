"""Zeppelin passwords: generated here, kept only in the auth Secret (one key per user, the
value is the password), never printed except once to the person who asked for it.

Beside each password the Secret holds ``<user>.shiro1``, its salted, iterated Shiro hash
(gaia_platform/shiro.py, which owns the scheme): the server's init container
(charts/zeppelin/files/configure.sh) puts only that into shiro.ini.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

#: 18 random bytes, URL-safe: 24 characters, 144 bits.
PASSWORD_BYTES = 18


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


#: The Secret key of a user's password hash.
HASH_SUFFIX = ".shiro1"


def encoded(passwords: dict[str, str]) -> dict[str, str]:
    """Secret ``data``: each password and its Shiro hash, base64 as the API wants them."""
    from ..shiro import shiro_hash

    data: dict[str, str] = {}
    for user, password in passwords.items():
        data[user] = base64.b64encode(password.encode()).decode()
        data[user + HASH_SUFFIX] = base64.b64encode(shiro_hash(password).encode()).decode()
    return data


def users_with_password(secret: Any) -> set[str]:
    """The users that have a non-empty password and its hash in a read Secret (a V1Secret)."""
    data = secret.data or {}
    return {user for user, value in data.items()
            if value and not user.endswith(HASH_SUFFIX) and data.get(user + HASH_SUFFIX)}


def password_of(secret: Any, user: str) -> str | None:
    """A user's password as a read Secret holds it, or None."""
    value = (secret.data or {}).get(user)
    return base64.b64decode(value).decode("utf-8", "replace") if value else None
