"""Open the store that the settings name: the embedded file or a Neo4j server."""

from __future__ import annotations

import asyncio
import functools

from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.errors import StoreUnavailable
from graph.store import GraphStore


async def open_store(
    settings: Settings,
    *,
    readonly: bool = False,
    for_import: bool = False,
    snapshot: bool = False,
    group_lock: int | None = None,
) -> GraphStore:
    """Open the configured store; StoreUnavailable says why it could not be opened.

    ``for_import`` lets the embedded store skip building its in-memory graph until
    something reads it (a process that only imports never does; ``serve`` builds it in
    the background, answering /healthz meanwhile). ``snapshot`` lets the embedded store
    start from (and keep) a snapshot of its graph beside the file. ``group_lock`` opens
    the embedded store as one worker of a serve group (``EmbeddedStore.open``).
    """
    if settings.uses_neo4j:
        try:
            from graph.neo4j_store import Neo4jStore
        except ImportError as exc:  # pragma: no cover - the module ships with wijknet
            raise StoreUnavailable(f"the Neo4j store is not available: {exc}") from exc
        return await Neo4jStore.open(
            settings.store,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
        )
    if "://" in settings.store:
        scheme = settings.store.split("://", 1)[0]
        raise StoreUnavailable(
            f"unknown store scheme {scheme!r}: use a file path or neo4j:// / neo4j+s:// / bolt://"
        )
    return await asyncio.to_thread(
        functools.partial(
            EmbeddedStore.open,
            settings.store,
            readonly=readonly,
            lazy=for_import,
            snapshot=snapshot,
            group_lock=group_lock,
        )
    )
