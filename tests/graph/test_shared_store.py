"""Several processes writing one embedded store file (``wijknet serve --workers N``):
each member keeps the graph in its own memory and sees every write another member
acknowledged as soon as it catches up (before each request). Two members are two
stores in this process here, sharing one lock as the workers of a serve group do."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore, take_lock
from graph.errors import NotFound, StoreUnavailable
from graph.model import (
    ACTOR_KINDS,
    Actor,
    ActorKind,
    NodeId,
    Relationship,
    RelType,
    Visibility,
)
from graph.store import Change, Direction, NodeFilter
from tests.contract import tiny

R = RelType
PUBLIC = frozenset({Visibility.PUBLIC})


@dataclass
class Group:
    path: str
    lock: int
    a: EmbeddedStore
    b: EmbeddedStore
    heard: list[Change]  # what b's listener was told


@pytest.fixture
async def group(tmp_path: Path) -> AsyncIterator[Group]:
    path = str(tmp_path / "group.db")
    lock = take_lock(path)
    a = EmbeddedStore.open(path, group_lock=lock)
    await a.upsert(tiny.nodes(), tiny.rels())
    b = EmbeddedStore.open(path, group_lock=lock)
    heard: list[Change] = []
    b.on_changes(heard.extend)
    try:
        yield Group(path, lock, a, b, heard)
    finally:
        await a.close()
        await b.close()
        os.close(lock)


def newcomer(name: str = "Eva Nieuw") -> Actor:
    return Actor(
        id=NodeId("eva"),
        kind=ActorKind.FREELANCER,
        name=name,
        visibility=Visibility.PUBLIC,
        matchable=True,
    )


async def test_a_write_through_one_member_is_seen_by_the_other_after_catching_up(
    group: Group,
) -> None:
    await group.b.catch_up()  # b is current
    assert not group.heard
    joins = Relationship(R.MEMBER_OF, NodeId("eva"), NodeId("ini2"), {"role": "member"})
    lives = Relationship(R.LIVES_IN, NodeId("eva"), NodeId("WK2"))
    await group.a.upsert([newcomer()], [joins, lives])
    # until it catches up, b answers from its memory as it was
    assert await group.b.get_nodes([NodeId("eva")]) == {}
    await group.b.catch_up()
    assert list(await group.b.get_nodes([NodeId("eva")])) == ["eva"]
    members = await group.b.neighbours(
        [NodeId("ini2")], types=[R.MEMBER_OF], direction=Direction.IN
    )
    assert "eva" in {n.node.id for n in members["ini2"]}
    # the place index and the word index keep up too
    in_place = NodeFilter(kinds=ACTOR_KINDS, place=NodeId("SD1"), visibility=PUBLIC)
    assert "eva" in {n.id for n in (await group.b.list_nodes(in_place, first=50)).items}
    by_word = NodeFilter(kinds=ACTOR_KINDS, text="nieuw")
    assert [n.id for n in (await group.b.list_nodes(by_word, first=50)).items] == ["eva"]
    # and the listener (the matching index) hears of it as the graph holds it now
    assert [n.id for n in group.heard[-1].nodes] == ["eva"]
    assert {r.key for r in group.heard[-1].rels} == {joins.key, lives.key}


async def test_a_member_checks_its_write_against_the_others_writes(group: Group) -> None:
    await group.a.upsert([newcomer()])
    # b has not caught up, yet its write sees eva: it catches up inside its transaction
    tie = Relationship(R.KNOWS, NodeId("dora"), NodeId("eva"))
    await group.b.upsert(rels=[tie])
    assert list(await group.b.get_nodes([NodeId("eva")])) == ["eva"]
    await group.a.catch_up()
    knows = await group.a.neighbours([NodeId("eva")], types=[R.KNOWS], direction=Direction.BOTH)
    assert [n.node.id for n in knows["eva"]] == ["dora"]
    # and a write that is wrong given the others' writes is refused
    await group.a.delete(nodes=[NodeId("eva")])
    with pytest.raises(NotFound):
        await group.b.upsert(rels=[Relationship(R.KNOWS, NodeId("cas"), NodeId("eva"))])


async def test_deletes_and_erasure_reach_the_other_member(group: Group) -> None:
    await group.b.catch_up()
    rel = Relationship(R.KNOWS, NodeId("ann"), NodeId("bob"))
    await group.a.delete(rels=[rel])
    await group.a.delete_actor(NodeId("dora"))
    await group.b.catch_up()
    knows = await group.b.neighbours([NodeId("ann")], types=[R.KNOWS])
    assert "bob" not in {n.node.id for n in knows["ann"]}
    assert await group.b.get_nodes([NodeId("dora")]) == {}
    gone = [c for c in group.heard if c.gone_nodes]
    assert gone[-1].gone_nodes == ["dora"]
    assert any((R.KNOWS, "ann", "bob") in c.gone_rels for c in group.heard)
    assert (await group.b.stats()) == (await group.a.stats())


async def test_changes_is_the_log_this_memory_holds(group: Group) -> None:
    start = (await group.b.changes(0)).head
    await group.a.upsert([newcomer()])
    await group.a.upsert([newcomer("Eva Anders")])
    # b's memory has not got them yet: its log ends where its memory does
    assert (await group.b.changes(start)).changes == []
    await group.b.catch_up()
    found = await group.b.changes(start)
    assert found.head == start + 2
    assert [c.seq for c in found.changes] == [start + 1, start + 2]
    assert [n.name for c in found.changes for n in c.nodes] == ["Eva Anders", "Eva Anders"]
    assert [c.seq for c in (await group.b.changes(start, limit=1)).changes] == [start + 1]


async def test_another_program_is_refused_and_told_who_holds_the_file(group: Group) -> None:
    with pytest.raises(StoreUnavailable, match=f"pid {os.getpid()}"):
        EmbeddedStore.open(group.path)
    other = os.open(os.devnull, os.O_RDONLY)
    try:
        with pytest.raises(StoreUnavailable, match="not"):
            EmbeddedStore.open(group.path, group_lock=other)
    finally:
        os.close(other)


async def test_the_last_member_out_is_told_so(group: Group) -> None:
    assert not group.a.last_member()
    await group.b.close()
    assert group.a.last_member()


async def test_a_snapshot_is_stamped_with_what_the_memory_holds(tmp_path: Path) -> None:
    path = str(tmp_path / "snap.db")
    lock = take_lock(path)
    try:
        a = EmbeddedStore.open(path, group_lock=lock, snapshot=True)
        await a.upsert(tiny.nodes(), tiny.rels())
        b = EmbeddedStore.open(path, group_lock=lock, snapshot=True)
        await a.upsert([newcomer()])
        # b is behind the file: the snapshot it writes catches up first
        assert await b.write_snapshot()
        assert b.stamp() == a.stamp()
        await a.close()
        await b.close()
        again = EmbeddedStore.open(path, group_lock=lock, snapshot=True)
        assert again.loaded_from == "snapshot"
        assert list(await again.get_nodes([NodeId("eva")])) == ["eva"]
        await again.close()
    finally:
        os.close(lock)


async def test_writes_from_both_members_at_once_are_serialised(group: Group) -> None:
    def person(i: int) -> Actor:
        return Actor(id=NodeId(f"p{i}"), kind=ActorKind.RESIDENT, name=f"Persoon {i}")

    async def write(store: EmbeddedStore, i: int) -> None:
        # twenty writes queue for SQLite's write lock, ten from each member
        rels = [Relationship(R.KNOWS, NodeId(f"p{i}"), NodeId("ann"))]
        await store.upsert([person(i)], rels)

    await asyncio.gather(*(write(group.a if i % 2 else group.b, i) for i in range(20)))
    await group.a.catch_up()
    await group.b.catch_up()
    assert await group.a.stats() == await group.b.stats()
    knows = await group.b.neighbours([NodeId("ann")], types=[R.KNOWS], direction=Direction.IN)
    assert {f"p{i}" for i in range(20)} <= {n.node.id for n in knows["ann"]}
    log = await group.a.changes(0, limit=1000)
    assert [c.seq for c in log.changes] == list(range(1, log.head + 1))
