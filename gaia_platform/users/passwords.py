"""Zeppelin passwords: generated here, kept only in the auth Secret (one key per user, the
value is the password), never printed except once to the person who asked for it.

Hashing for shiro.ini happens where the Secret is read, in the server's init container
(charts/zeppelin/files/configure.sh); the hashing scheme is owned there (issue 12), so no code
here hashes. Should a Python-side hash be needed, it belongs in ``hash_for_shiro`` only.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

#: 18 random bytes, URL-safe: 24 characters, 144 bits.
PASSWORD_BYTES = 18


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def encoded(passwords: dict[str, str]) -> dict[str, str]:
    """Secret ``data``: base64 values, as the API wants them."""
    return {user: base64.b64encode(password.encode()).decode()
            for user, password in passwords.items()}


def users_with_password(secret: Any) -> set[str]:
    """The users that have a non-empty password in a read Secret (a V1Secret)."""
    return {user for user, value in (secret.data or {}).items() if value}
