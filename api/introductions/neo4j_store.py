"""``IntroductionStore`` in Neo4j: ``IdIntroduction`` nodes beside the ``IdAccount``
nodes of :mod:`api.identity.neo4j_store` (never ``Node``, so graph queries never see
them), over the account store's driver. All Cypher of this adapter is below."""

from __future__ import annotations

from typing import Any, Final, LiteralString

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from api.introductions.model import Introduction
from api.introductions.store import from_record, newest_first, to_record
from graph.errors import StoreUnavailable

_SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT wijknet_id_intro IF NOT EXISTS "
    "FOR (i:IdIntroduction) REQUIRE i.id IS UNIQUE",
    "CREATE INDEX wijknet_id_intro_sender IF NOT EXISTS FOR (i:IdIntroduction) ON (i.sender_id)",
    "CREATE INDEX wijknet_id_intro_candidate IF NOT EXISTS "
    "FOR (i:IdIntroduction) ON (i.candidate_id)",
    "CREATE INDEX wijknet_id_intro_via IF NOT EXISTS FOR (i:IdIntroduction) ON (i.via_id)",
)
# MERGE on the client-made id: the driver may retry a managed write
_ADD: Final = "MERGE (i:IdIntroduction {id: $props.id}) ON CREATE SET i = $props"
_GET: Final = "MATCH (i:IdIntroduction {id: $id}) RETURN i"
_UPDATE: Final = (
    "MATCH (i:IdIntroduction {id: $id}) "
    "SET i.state = $state, i.answered = $answered, i.declined_by = $declined_by"
)
_OF_ACTOR: Final = (
    "MATCH (i:IdIntroduction {sender_id: $actor}) RETURN i "
    "UNION MATCH (i:IdIntroduction {candidate_id: $actor}) RETURN i "
    "UNION MATCH (i:IdIntroduction {via_id: $actor}) RETURN i"
)
_DELETE_OF_ACTOR: Final = (
    "MATCH (i:IdIntroduction) "
    "WHERE i.sender_id = $actor OR i.candidate_id = $actor OR i.via_id = $actor "
    "DELETE i RETURN count(*) AS n"
)


class Neo4jIntroductionStore:
    """``IntroductionStore`` over a driver it does not own (the account store's)."""

    def __init__(self, driver: neo4j.AsyncDriver, database: str) -> None:
        self._driver = driver
        self._db = database

    @classmethod
    async def open(cls, driver: neo4j.AsyncDriver, database: str) -> Neo4jIntroductionStore:
        store = cls(driver, database)
        for statement in _SCHEMA:
            await store._q(statement)
        return store

    async def _q(
        self, query: LiteralString, *, write: bool = True, **params: Any
    ) -> list[neo4j.Record]:
        try:
            records, _, _ = await self._driver.execute_query(
                query,
                params,
                database_=self._db,
                routing_=neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ,
            )
        except (Neo4jError, ServiceUnavailable, OSError) as exc:
            raise StoreUnavailable(f"introductions are unavailable: {exc}") from exc
        return list(records)

    async def add(self, intro: Introduction) -> None:
        await self._q(_ADD, props={k: v for k, v in to_record(intro).items() if v is not None})

    async def get(self, intro_id: str) -> Introduction | None:
        rows = await self._q(_GET, write=False, id=intro_id)
        return from_record(dict(rows[0]["i"])) if rows else None

    async def update(self, intro: Introduction) -> None:
        r = to_record(intro)
        await self._q(
            _UPDATE,
            id=r["id"],
            state=r["state"],
            answered=r["answered"],
            declined_by=r["declined_by"],
        )

    async def of_actor(self, actor_id: str) -> list[Introduction]:
        rows = await self._q(_OF_ACTOR, write=False, actor=actor_id)
        return newest_first([from_record(dict(r["i"])) for r in rows])

    async def delete_of_actor(self, actor_id: str) -> int:
        rows = await self._q(_DELETE_OF_ACTOR, actor=actor_id)
        return int(rows[0]["n"]) if rows else 0

    async def close(self) -> None:
        """The driver belongs to the account store, which closes it."""
