"""What identity keeps: accounts, grants, sessions, API tokens, one-time codes, audit.

Plain frozen values; the stores (:mod:`api.identity.store`) persist them. Secrets
(session ids, API tokens, one-time codes) are never stored, only their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def new_secret(prefix: str = "") -> str:
    """A fresh random secret (256 bits), URL safe."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the stores keep of a secret: its SHA-256 (hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


class GrantKind(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # may act for an enterprise, organisation or gemeente (body id)
    OFFICER = "officer"  # policy officer of a gemeente (place code GMxxxx)


class CodePurpose(StrEnum):
    VERIFY = "verify"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class Grant:
    kind: GrantKind
    target: str = ""  # body id (staff), gemeente code (officer), "" (admin)


@dataclass(frozen=True, slots=True)
class Account:
    """A person's way in. ``actor_id`` is the one actor the account acts as."""

    id: str
    email: str
    password_hash: str = ""
    verified: bool = False
    disabled: bool = False
    actor_id: str | None = None
    name: str = ""  # the name given at sign-up, until the actor exists
    created: datetime = field(default_factory=now)
    grants: tuple[Grant, ...] = ()

    @property
    def is_admin(self) -> bool:
        return any(g.kind is GrantKind.ADMIN for g in self.grants)


@dataclass(frozen=True, slots=True)
class Session:
    """A browser session; the cookie carries the id, the store its digest."""

    digest: str
    account_id: str
    csrf: str
    created: datetime
    expires: datetime
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A bearer token for GraphQL clients and scripts (stored as a digest)."""

    id: str
    account_id: str
    name: str
    digest: str
    created: datetime
    expires: datetime
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who changed what and when. ``details`` is JSON text of the arguments."""

    seq: int
    at: datetime
    account_id: str | None
    actor_id: str | None
    action: str
    target: str
    details: str
