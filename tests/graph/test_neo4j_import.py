"""How a bulk import into Neo4j overlaps its batches (``_Lanes``) and packs its change log
entries; the import itself is in tests/contract (both stores) and needs no server here."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from graph.model import Actor, ActorKind, NodeId, NodeKind, Relationship, RelType
from graph.neo4j_store import _Created, _Lanes, pack_change, unpack_change


class Writes:
    """Writes that end when the test says so, and what ran at the same time."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.running: set[int] = set()
        self.most = 0
        self.order: list[str] = []

    async def write(self, n: int, fail: bool = False) -> None:
        gate = self.gates.setdefault(n, asyncio.Event())
        self.running.add(n)
        self.most = max(self.most, len(self.running))
        self.order.append(f"start {n}")
        try:
            await gate.wait()
            if fail:
                raise RuntimeError(f"write {n} failed")
        finally:
            self.running.discard(n)
            self.order.append(f"end {n}")

    def open(self, n: int) -> None:
        self.gates.setdefault(n, asyncio.Event()).set()


async def _run_after(writes: Writes, delay_each: list[int]) -> None:
    """Let the writes end one by one, in the given order, as the event loop turns."""
    for n in delay_each:
        for _ in range(5):
            await asyncio.sleep(0)
        writes.open(n)


async def test_lanes_write_at_most_so_many_at_once_and_all_of_them() -> None:
    writes = Writes()
    opener = asyncio.ensure_future(_run_after(writes, list(range(6))))
    async with _Lanes(2) as lanes:
        for n in range(6):
            await lanes.start(writes.write(n))
            assert len(writes.running) <= 2
    await opener
    assert writes.most == 2
    assert writes.running == set()
    assert {e for e in writes.order if e.startswith("end")} == {f"end {n}" for n in range(6)}


async def test_a_write_alone_waits_for_all_before_it() -> None:
    writes = Writes()
    opener = asyncio.ensure_future(_run_after(writes, [0, 1, 2, 3]))
    async with _Lanes(3) as lanes:
        await lanes.start(writes.write(0))
        await lanes.start(writes.write(1))
        await lanes.start(writes.write(2), alone=True)
        assert writes.running <= {2}  # 0 and 1 ended before 2 started
        await lanes.start(writes.write(3))
    await opener
    assert writes.order.index("start 2") > max(
        writes.order.index("end 0"), writes.order.index("end 1")
    )


async def test_a_failed_write_is_raised_after_the_others_ended() -> None:
    writes = Writes()
    opener = asyncio.ensure_future(_run_after(writes, [1, 0, 2, 3]))

    async def four() -> None:
        async with _Lanes(2) as lanes:
            await lanes.start(writes.write(0, fail=True))
            await lanes.start(writes.write(1))
            await lanes.start(writes.write(2))  # waits for 0, which fails
            await lanes.start(writes.write(3))

    with pytest.raises(RuntimeError, match="write 0 failed"):
        await four()
    await opener
    assert writes.running == set()  # 1 was let finish, not left behind
    assert "start 3" not in writes.order
    assert "end 1" in writes.order


async def test_a_failure_in_the_block_lets_busy_writes_end() -> None:
    writes = Writes()
    opener = asyncio.ensure_future(_run_after(writes, [0]))

    async def one_then_trouble() -> None:
        async with _Lanes(2) as lanes:
            await lanes.start(writes.write(0))
            raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        await one_then_trouble()
    await opener
    assert writes.order == ["start 0", "end 0"]


def test_a_change_entry_packs_and_unpacks() -> None:
    rels = [
        Relationship(RelType.KNOWS, NodeId("ann"), NodeId("bob")),
        Relationship(RelType.LIVES_IN, NodeId("ann"), NodeId("BU05180001")),
    ]
    packed = pack_change([NodeId("ann"), NodeId("zoë")], [*rels, ("MEMBER_OF", "bob", "i1")])
    assert unpack_change(packed) == (
        ["ann", "zoë"],
        ["KNOWS", "LIVES_IN", "MEMBER_OF"],
        ["ann", "ann", "bob"],
        ["bob", "BU05180001", "i1"],
    )
    many = pack_change(
        [], [Relationship(RelType.KNOWS, f"p{i}", f"p{i + 1}") for i in range(10_000)]
    )
    assert len(many) < 60_000  # against ~190 kB as three lists of strings


def test_created_nodes_keep_their_element_ids_without_the_shared_prefix() -> None:
    created = _Created()
    people = [Actor(id=NodeId(f"p{i}"), kind=ActorKind.RESIDENT, name=f"P {i}") for i in range(3)]
    created.add(people[:2], [("p0", "4:db-one:10"), ("p1", "4:db-one:11")])
    assert created.prefix == "4:db-one:"
    assert created.row(Relationship(RelType.KNOWS, NodeId("p0"), NodeId("p1")))[:2] == ["10", "11"]
    # an id that does not start the same way: every id is kept whole from then on
    created.add(people[2:], [("p2", "5:other")])
    assert created.prefix == ""
    assert created.row(Relationship(RelType.KNOWS, NodeId("p1"), NodeId("p2"))) == [
        "4:db-one:11",
        "5:other",
        {},
        "p1",
        "p2",
        "KNOWS",
    ]
    assert created.kinds == {f"p{i}": NodeKind.RESIDENT for i in range(3)}


async def test_a_write_alone_after_a_failure_is_never_started() -> None:
    writes = Writes()
    opener = asyncio.ensure_future(_run_after(writes, [0]))
    second = writes.write(1)

    async def two() -> None:
        async with _Lanes(2) as lanes:
            await lanes.start(writes.write(0, fail=True))
            await lanes.start(second, alone=True)

    with pytest.raises(RuntimeError, match="write 0 failed"):
        await two()
    await opener
    assert writes.order == ["start 0", "end 0"]
    assert inspect.getcoroutinestate(second) == inspect.CORO_CLOSED  # not left unawaited
