"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4
MIN_LENGTH = 10
# verified against when the e-mail is unknown, so both cases take as long


@functools.cache
def _dummy() -> str:
    """A hash to verify against when there is none (same time either way); made on first
    use, not at import: an Argon2 hash takes 64 MiB and a good part of a second."""
    return _hasher.hash("not a password of anyone's")


def check_strength(password: str) -> str | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > 1024:
        return "a password may have at most 1024 characters"
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored: str, password: str) -> bool:
    """True when ``password`` matches ``stored`` (an Argon2 hash; "" never matches)."""

    def check() -> bool:
        try:
            return _hasher.verify(stored or _dummy(), password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
