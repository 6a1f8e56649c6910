"""Configuration, read once from the environment and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from graph.embedded import DEFAULT_PATH

DEFAULT_SEED_ACTORS = 3_000


class SettingsError(ValueError):
    """A configuration value is wrong; the message names the key."""


def _int(environ: Mapping[str, str], key: str, default: int, lo: int, hi: int) -> int:
    raw = environ.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{key} must be between {lo} and {hi}, got {value}")
    return value


def _bool(environ: Mapping[str, str], key: str, default: bool) -> bool:
    raw = environ.get(key, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{key} must be true or false, got {raw!r}")
    return raw in ("true", "1", "yes")


def _choice(environ: Mapping[str, str], key: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = environ.get(key, "").strip().lower() or default
    if raw not in allowed:
        raise SettingsError(f"{key} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the graph lives and how the server listens.

    ``store`` is a file path for the embedded store (the default) or a Neo4j
    URI (``neo4j://``, ``neo4j+s://``, ``bolt://``, ``bolt+s://``).
    """

    store: str = DEFAULT_PATH
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    host: str = "127.0.0.1"
    port: int = 8000
    seed_actors: int = DEFAULT_SEED_ACTORS
    seed: int = 42
    graphiql: bool = True
    follow_ms: int = 1000  # how often a worker reads the store's change log (several workers)
    workers: int = 1  # serve: processes on one socket (embedded store: one group on the file)
    snapshots: bool = True  # embedded store: start from <store>.graph/.index.snapshot files
    ranker: str = ""  # trained matching ranker; "" : <store>.ranker.json when it exists
    identity_db: str = ""  # SQLite file of accounts, sessions, tokens; "" : beside the
    # embedded store, or in the Neo4j database itself
    secret_key: str = ""  # signs session cookies; "" : one is made and kept in identity_db
    public_url: str = ""  # where people reach wijknet (links in mails); "" : http://HOST:PORT
    secure_cookies: bool = False  # always mark the session cookie Secure (behind TLS)
    smtp_host: str = ""  # "" : mails are written to the log
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls, tls (implicit, port 465) or none
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "wijknet <noreply@localhost>"
    oidc_issuer: str = ""  # "" : no OpenID Connect sign-in
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "je organisatie"
    production: bool = False  # no GraphiQL, no introspection, no "Did you mean" suggestions
    limits: bool = True  # cost limit and per-minute budgets (off only to measure their cost)
    max_cost: int = 50_000  # per request; see api.limits
    cost_budget: int = 1_000_000  # cost per minute per identity (account, else address)
    mutation_budget: int = 60  # mutations per minute per identity
    expensive_budget: int = 120  # network, suggestions, paths per minute per identity
    sign_in_budget: int = 10  # sign-in attempts per minute per identity
    deadline: int = 10  # seconds one request may take
    response_cache: int = 1024  # answers to repeated reads kept (0: none); embedded store only

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read ``WIJKNET_*`` variables; a bad value raises SettingsError naming it."""
        flag = _bool(environ, "WIJKNET_GRAPHIQL", True)
        return cls(
            store=environ.get("WIJKNET_STORE") or environ.get("WIJKNET_DB") or DEFAULT_PATH,
            neo4j_user=environ.get("WIJKNET_NEO4J_USER", "neo4j"),
            neo4j_password=environ.get("WIJKNET_NEO4J_PASSWORD", ""),
            neo4j_database=environ.get("WIJKNET_NEO4J_DATABASE", "neo4j"),
            host=environ.get("WIJKNET_HOST", "127.0.0.1"),
            port=_int(environ, "WIJKNET_PORT", 8000, 1, 65535),
            seed_actors=_int(environ, "WIJKNET_SEED_ACTORS", DEFAULT_SEED_ACTORS, 0, 2_000_000),
            seed=_int(environ, "WIJKNET_SEED", 42, 0, 2**31),
            graphiql=flag,
            follow_ms=_int(environ, "WIJKNET_FOLLOW_MS", 1000, 50, 60_000),
            workers=_int(environ, "WIJKNET_WORKERS", 1, 1, 64),
            snapshots=_bool(environ, "WIJKNET_SNAPSHOTS", True),
            ranker=environ.get("WIJKNET_RANKER", ""),
            identity_db=environ.get("WIJKNET_IDENTITY_DB", ""),
            secret_key=environ.get("WIJKNET_SECRET_KEY", ""),
            public_url=environ.get("WIJKNET_PUBLIC_URL", "").rstrip("/"),
            secure_cookies=_bool(environ, "WIJKNET_SECURE_COOKIES", False),
            smtp_host=environ.get("WIJKNET_SMTP_HOST", ""),
            smtp_port=_int(environ, "WIJKNET_SMTP_PORT", 587, 1, 65535),
            smtp_security=_choice(
                environ, "WIJKNET_SMTP_SECURITY", "starttls", ("starttls", "tls", "none")
            ),
            smtp_user=environ.get("WIJKNET_SMTP_USER", ""),
            smtp_password=environ.get("WIJKNET_SMTP_PASSWORD", ""),
            mail_from=environ.get("WIJKNET_MAIL_FROM", "wijknet <noreply@localhost>"),
            oidc_issuer=environ.get("WIJKNET_OIDC_ISSUER", "").rstrip("/"),
            oidc_client_id=environ.get("WIJKNET_OIDC_CLIENT_ID", ""),
            oidc_client_secret=environ.get("WIJKNET_OIDC_CLIENT_SECRET", ""),
            oidc_name=environ.get("WIJKNET_OIDC_NAME", "je organisatie"),
            production=_bool(environ, "WIJKNET_PRODUCTION", False),
            limits=_bool(environ, "WIJKNET_LIMITS", True),
            max_cost=_int(environ, "WIJKNET_MAX_COST", 50_000, 100, 10**9),
            cost_budget=_int(environ, "WIJKNET_COST_BUDGET", 1_000_000, 100, 10**12),
            mutation_budget=_int(environ, "WIJKNET_MUTATION_BUDGET", 60, 1, 10**9),
            expensive_budget=_int(environ, "WIJKNET_EXPENSIVE_BUDGET", 120, 1, 10**9),
            sign_in_budget=_int(environ, "WIJKNET_SIGN_IN_BUDGET", 10, 1, 10**9),
            deadline=_int(environ, "WIJKNET_DEADLINE", 10, 1, 3_600),
            response_cache=_int(environ, "WIJKNET_RESPONSE_CACHE", 1024, 0, 1_000_000),
        )

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the values that are not None replaced (command-line flags)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @property
    def identity_path(self) -> str:
        """The SQLite file of accounts, sessions and tokens (unless they live in Neo4j)."""
        if self.identity_db:
            return self.identity_db
        if self.uses_neo4j:
            return "wijknet-identity.db"  # only with WIJKNET_IDENTITY_DB set is it used
        base = self.store[:-3] if self.store.endswith(".db") else self.store
        return f"{base}.identity.db"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def uses_neo4j(self) -> bool:
        return self.store.split("://", 1)[0] in (
            "neo4j",
            "neo4j+s",
            "neo4j+ssc",
            "bolt",
            "bolt+s",
            "bolt+ssc",
        )
