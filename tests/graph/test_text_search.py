"""The embedded store's ``text`` filter equals a brute-force scan with ``text_matches``, for
common words (kept by kind and visibility between queries) and rare ones, for every kind
of viewer, before and after random writes (renames, visibility changes, deletes)."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from graph import text_index
from graph.embedded import EmbeddedStore
from graph.model import (
    ACTOR_KINDS,
    Actor,
    ActorKind,
    Initiative,
    Node,
    NodeId,
    NodeKind,
    Place,
    PlaceLevel,
    Relationship,
    RelType,
    Theme,
    Visibility,
    search_text,
    text_matches,
)
from graph.store import MAX_PAGE, NodeFilter, Sight

WORDS = ["de", "buurt", "zorg", "mantelzorg", "tuin", "energie", "an", "één", "Straße", "van"]
QUERIES = ["de", "an", "de buurt", "zorg de", "ZORG", "strasse", "één", "d", "x", "de x", "uurt"]
KIND_SETS = [ACTOR_KINDS, frozenset({NodeKind.INITIATIVE}), frozenset({NodeKind.FREELANCER})]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))


def _node(rng: random.Random, i: int) -> Node:
    vis = rng.choice(list(Visibility))
    if rng.random() < 0.25:
        return Initiative(id=NodeId(f"i{i:03d}"), name=_text(rng), visibility=vis)
    return Actor(
        id=NodeId(f"a{i:03d}"),
        kind=rng.choice(list(ActorKind)),
        name=_text(rng),
        description=_text(rng) if rng.random() < 0.5 else "",
        visibility=vis,
    )


async def _page_through(
    store: EmbeddedStore, flt: NodeFilter, first: int
) -> tuple[list[str], int | None]:
    ids: list[str] = []
    after, total = None, None
    while True:
        page = await store.list_nodes(flt, first=first, after=after)
        total = page.total if total is None else total
        ids.extend(n.id for n in page.items)
        if not page.has_next:
            return ids, total
        after = page.end_cursor


async def _check(store: EmbeddedStore, nodes: dict[str, Node], rng: random.Random) -> None:
    hidden = [n for n, node in nodes.items() if node.visibility is not Visibility.PUBLIC]  # type: ignore[union-attr]
    circle = frozenset([*rng.sample(hidden, min(8, len(hidden))), "gone", "BU1"])
    sights = [
        None,
        Sight(),
        Sight(ids=circle),
        Sight(visibility=frozenset({Visibility.PUBLIC, Visibility.NETWORK}), ids=circle),
    ]
    for query in QUERIES:
        for kinds in KIND_SETS:
            for sight in sights:
                want = sorted(
                    nid
                    for nid, node in nodes.items()
                    if node.node_kind in kinds
                    and (sight is None or sight.admits(node))
                    and text_matches(search_text(node), query)
                )
                flt = NodeFilter(kinds=kinds, text=query, sight=sight)
                first = rng.choice([1, 4, MAX_PAGE])
                assert await _page_through(store, flt, first) == (want, len(want)), (
                    query,
                    kinds,
                    sight,
                )
                page = await store.list_nodes(flt, first=3, count=False)
                assert ([n.id for n in page.items], page.total) == (want[:3], None)
        vis = frozenset({Visibility.NETWORK, Visibility.PRIVATE})
        want = sorted(
            nid
            for nid, node in nodes.items()
            if node.node_kind in ACTOR_KINDS
            and node.visibility in vis  # type: ignore[union-attr]
            and text_matches(search_text(node), query)
        )
        flt = NodeFilter(kinds=ACTOR_KINDS, text=query, visibility=vis)
        assert await _page_through(store, flt, 5) == (want, len(want))


@pytest.mark.parametrize("hot", [3, 10_000], ids=["kept", "not-kept"])
async def test_text_search_equals_a_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hot: int
) -> None:
    monkeypatch.setattr(text_index, "HOT", hot)
    monkeypatch.setattr(text_index, "HOT_BUDGET", 250)  # some words are dropped again
    rng = random.Random(hot)
    store = EmbeddedStore.open(str(tmp_path / "text.db"))
    nodes = {n.id: n for n in (_node(rng, i) for i in range(150))}
    await store.upsert(list(nodes.values()))
    await _check(store, nodes, rng)
    serial = 150
    for _ in range(4):
        for _ in range(25):
            op = rng.choice(["add", "rename", "visibility", "delete", "erase"])
            nid = rng.choice(sorted(nodes))
            if op == "add":
                serial += 1
                node = _node(rng, serial)
                await store.upsert([node])
                nodes[node.id] = node
            elif op == "rename":
                node = dataclasses.replace(nodes[nid], name=_text(rng))  # type: ignore[type-var]
                await store.upsert([node])
                nodes[nid] = node
            elif op == "visibility":
                vis = rng.choice(list(Visibility))
                node = dataclasses.replace(nodes[nid], visibility=vis)  # type: ignore[type-var]
                await store.upsert([node])
                nodes[nid] = node
            elif op == "delete":
                await store.delete(nodes=[NodeId(nid)])
                del nodes[nid]
            elif nodes[nid].node_kind in ACTOR_KINDS:
                await store.delete_actor(NodeId(nid))
                del nodes[nid]
        await _check(store, nodes, rng)
        # common words are kept between queries (and some were dropped for the budget)
        assert bool(store._text_index()._hot) is (hot == 3)
    await store.close()


async def test_text_beside_place_and_theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_index, "HOT", 3)
    rng = random.Random(3)
    store = EmbeddedStore.open(str(tmp_path / "mixed.db"))
    places = [
        Place(id=NodeId("GM1"), name="Gemeente de Een", level=PlaceLevel.MUNICIPALITY),
        Place(id=NodeId("BU1"), name="Buurt de Een", level=PlaceLevel.BUURT),
    ]
    theme = Theme(id=NodeId("zorg"), name_nl="Zorg", name_en="Care")
    nodes = {n.id: n for n in (_node(rng, i) for i in range(120))}
    actors = [n for n in nodes.values() if n.node_kind in ACTOR_KINDS]
    located = {n.id for n in actors[::2]}
    themed = {n.id for n in actors[::3]}
    rels = [Relationship(RelType.PART_OF, NodeId("BU1"), NodeId("GM1"))]
    for nid in sorted(located):
        kind = nodes[nid].node_kind
        person = kind in (NodeKind.RESIDENT, NodeKind.FREELANCER, NodeKind.PROFESSIONAL)
        rtype = RelType.LIVES_IN if person else RelType.LOCATED_IN
        rels.append(Relationship(rtype, NodeId(nid), NodeId("BU1")))
    rels += [Relationship(RelType.INTERESTED_IN, NodeId(n), theme.id) for n in sorted(themed)]
    await store.upsert([*places, theme, *nodes.values()], rels)
    for query in ["de", "de an", "zorg"]:
        for sight in (None, Sight()):
            matching = {
                nid
                for nid, node in nodes.items()
                if node.node_kind in ACTOR_KINDS
                and (sight is None or sight.admits(node))
                and text_matches(search_text(node), query)
            }
            flt = NodeFilter(kinds=ACTOR_KINDS, text=query, sight=sight, place=NodeId("GM1"))
            want = sorted(matching & located)
            assert await _page_through(store, flt, 3) == (want, len(want))
            flt = NodeFilter(kinds=ACTOR_KINDS, text=query, sight=sight, theme=theme.id)
            want = sorted(matching & themed)
            assert await _page_through(store, flt, 3) == (want, len(want))
    # places are found by text too (a kind without visibility)
    flt = NodeFilter(kinds=frozenset({NodeKind.PLACE}), text="de een", sight=Sight())
    assert await _page_through(store, flt, 1) == (["BU1", "GM1"], 2)
    await store.close()
