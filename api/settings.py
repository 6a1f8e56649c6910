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
    index_refresh: int = 0  # seconds between rebuilds of the matching index; 0: never

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read ``WIJKNET_*`` variables; a bad value raises SettingsError naming it."""
        flag = environ.get("WIJKNET_GRAPHIQL", "true").lower()
        if flag not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError(f"WIJKNET_GRAPHIQL must be true or false, got {flag!r}")
        return cls(
            store=environ.get("WIJKNET_STORE") or environ.get("WIJKNET_DB") or DEFAULT_PATH,
            neo4j_user=environ.get("WIJKNET_NEO4J_USER", "neo4j"),
            neo4j_password=environ.get("WIJKNET_NEO4J_PASSWORD", ""),
            neo4j_database=environ.get("WIJKNET_NEO4J_DATABASE", "neo4j"),
            host=environ.get("WIJKNET_HOST", "127.0.0.1"),
            port=_int(environ, "WIJKNET_PORT", 8000, 1, 65535),
            seed_actors=_int(environ, "WIJKNET_SEED_ACTORS", DEFAULT_SEED_ACTORS, 0, 2_000_000),
            seed=_int(environ, "WIJKNET_SEED", 42, 0, 2**31),
            graphiql=flag in ("true", "1", "yes"),
            index_refresh=_int(environ, "WIJKNET_INDEX_REFRESH", 0, 0, 86_400),
        )

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the values that are not None replaced (command-line flags)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

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
