"""The embedded store's place index: counts and pages of a place, kept up to date by every
write, equal a brute-force recount of the graph as it is, for every kind of viewer."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from graph import place_index
from graph.embedded import EmbeddedStore
from graph.model import (
    ACTOR_KINDS,
    PERSON_KINDS,
    Actor,
    ActorKind,
    Initiative,
    InitiativeStage,
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

R = RelType
LOCATION = (R.LIVES_IN, R.LOCATED_IN)
OPS = (
    *("add", "add", "add", "move", "second", "visibility", "unlocate", "delete_actor"),
    *("delete_node", "reparent", "new_place", "drop_place", "bulk"),
)
KIND_SETS = [
    ACTOR_KINDS,
    frozenset({NodeKind.INITIATIVE}),
    frozenset({NodeKind.RESIDENT, NodeKind.ENTERPRISE}),
]


def _place(pid: str, level: PlaceLevel) -> Place:
    return Place(id=NodeId(pid), name=f"Plek {pid}", level=level)


def _located(kind: NodeKind) -> RelType:
    return R.LIVES_IN if kind in PERSON_KINDS else R.LOCATED_IN


class World:
    """The store and a plain copy of its location ties, to recount by brute force."""

    def __init__(self, store: EmbeddedStore, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.places: list[str] = []
        self.parents: dict[str, set[str]] = {}
        self.located: dict[str, set[str]] = {}  # node -> places it is directly in
        self.nodes: dict[str, Node] = {}
        self.serial = 0

    async def add_places(self) -> None:
        nodes: list[Node] = [_place("GM", PlaceLevel.MUNICIPALITY)]
        rels: list[Relationship] = []
        self.places = ["GM"]
        self.parents = {"GM": set()}
        for d in range(3):
            nodes.append(_place(f"SD{d}", PlaceLevel.DISTRICT))
            rels.append(Relationship(R.PART_OF, NodeId(f"SD{d}"), NodeId("GM")))
            self.parents[f"SD{d}"] = {"GM"}
            for w in range(3):
                wk = f"WK{d}{w}"
                nodes.append(_place(wk, PlaceLevel.NEIGHBOURHOOD))
                rels.append(Relationship(R.PART_OF, NodeId(wk), NodeId(f"SD{d}")))
                self.parents[wk] = {f"SD{d}"}
        self.places = list(self.parents)
        await self.store.upsert(nodes, rels)

    def _new_node(self) -> Node:
        self.serial += 1
        rng = self.rng
        vis = rng.choice(list(Visibility))
        if rng.random() < 0.25:
            return Initiative(
                id=NodeId(f"i{self.serial:04d}"),
                name=f"Initiatief {self.serial}",
                visibility=vis,
                stage=rng.choice(list(InitiativeStage)),
            )
        kind = rng.choice(list(ActorKind))
        return Actor(
            id=NodeId(f"a{self.serial:04d}"),
            kind=kind,
            name=f"Actor {self.serial}",
            visibility=vis,
            matchable=rng.random() < 0.5,
        )

    async def step(self) -> None:
        rng = self.rng
        everyone = sorted(self.nodes)
        located = sorted(n for n, places in self.located.items() if places)
        op = rng.choice(OPS)
        if op == "add" or not located:
            node = self._new_node()
            place = rng.choice(self.places)
            await self.store.upsert(
                [node], [Relationship(_located(node.node_kind), node.id, NodeId(place))]
            )
            self.nodes[node.id] = node
            self.located[node.id] = {place}
        elif op == "bulk":
            batch = [self._new_node() for _ in range(5)]
            ties = [
                Relationship(_located(n.node_kind), n.id, NodeId(rng.choice(self.places)))
                for n in batch
            ]
            await self.store.bulk_import(batch, ties, batch_size=2)
            for n, t in zip(batch, ties, strict=True):
                self.nodes[n.id] = n
                self.located[n.id] = {t.target}
        elif op in ("move", "second", "unlocate"):
            nid = rng.choice(located if op != "second" else everyone)
            rtype = _located(self.nodes[nid].node_kind)
            old = sorted(self.located[nid])
            if op != "second":  # (a node may lie in two places, or in none)
                await self.store.delete(rels=[Relationship(rtype, NodeId(nid), NodeId(old[0]))])
                self.located[nid].discard(old[0])
            if op != "unlocate":
                place = rng.choice(self.places)
                await self.store.upsert([], [Relationship(rtype, NodeId(nid), NodeId(place))])
                self.located[nid].add(place)
        elif op == "visibility":
            nid = rng.choice(everyone)
            node = dataclasses.replace(  # type: ignore[type-var]
                self.nodes[nid], visibility=rng.choice(list(Visibility))
            )
            await self.store.upsert([node])
            self.nodes[nid] = node
        elif op == "delete_actor":
            actors = [n for n in everyone if self.nodes[n].node_kind in ACTOR_KINDS]
            if actors:
                nid = rng.choice(actors)
                await self.store.delete_actor(NodeId(nid))  # erasure on request
                self._gone(nid)
        elif op == "delete_node":
            nid = rng.choice(everyone)
            await self.store.delete(nodes=[NodeId(nid)])
            self._gone(nid)
        elif op == "reparent":  # a place moves (or gets a second parent)
            child = rng.choice([p for p in self.places if p != "GM"])
            below = self._below(child)
            parent = rng.choice([p for p in self.places if p not in below])
            if rng.random() < 0.5 and self.parents[child]:
                old = sorted(self.parents[child])[0]
                await self.store.delete(rels=[Relationship(R.PART_OF, NodeId(child), NodeId(old))])
                self.parents[child].discard(old)
            await self.store.upsert([], [Relationship(R.PART_OF, NodeId(child), NodeId(parent))])
            self.parents[child].add(parent)
        elif op == "new_place":
            self.serial += 1
            pid = f"BU{self.serial:04d}"
            parent = rng.choice(self.places)
            await self.store.upsert(
                [_place(pid, PlaceLevel.BUURT)],
                [Relationship(R.PART_OF, NodeId(pid), NodeId(parent))],
            )
            self.places.append(pid)
            self.parents[pid] = {parent}
        elif op == "drop_place":
            candidates = [p for p in self.places if p.startswith("BU")]
            if candidates:
                pid = rng.choice(candidates)
                await self.store.delete(nodes=[NodeId(pid)])
                self.places.remove(pid)
                del self.parents[pid]
                for ps in self.parents.values():
                    ps.discard(pid)
                for ps in self.located.values():
                    ps.discard(pid)

    def _gone(self, nid: str) -> None:
        del self.nodes[nid], self.located[nid]

    def _below(self, place: str) -> set[str]:
        return {p for p in self.places if place in self._up({p})}

    def _up(self, places: set[str]) -> set[str]:
        found, todo = set(places), list(places)
        while todo:
            for parent in self.parents[todo.pop()]:
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    def expected(
        self,
        place: str,
        kinds: frozenset[NodeKind],
        sight: Sight | None,
        visibility: frozenset[Visibility] | None = None,
        stage: InitiativeStage | None = None,
    ) -> list[str]:
        return sorted(
            nid
            for nid, node in self.nodes.items()
            if node.node_kind in kinds
            and place in self._up(self.located[nid])
            and (sight is None or sight.admits(node))
            and (visibility is None or node.visibility in visibility)  # type: ignore[union-attr]
            and (stage is None or getattr(node, "stage", None) is stage)
        )

    def counts(self) -> dict[str, dict[place_index.Key, int]]:
        out: dict[str, dict[place_index.Key, int]] = {}
        for nid, node in self.nodes.items():
            key = (node.node_kind, node.visibility)  # type: ignore[union-attr]
            for place in self._up(self.located[nid]):
                out.setdefault(place, {}).setdefault(key, 0)
                out[place][key] += 1
        return out


async def _page_through(
    store: EmbeddedStore, flt: NodeFilter, first: int
) -> tuple[list[str], int | None]:
    ids: list[str] = []
    after = None
    total = None
    while True:
        page = await store.list_nodes(flt, first=first, after=after)
        total = page.total if total is None else total
        ids.extend(n.id for n in page.items)
        if not page.has_next:
            return ids, total
        after = page.end_cursor


async def _check(world: World, sights: list[Sight | None]) -> None:
    store = world.store
    assert store._place_index().counts() == world.counts()
    rng = world.rng
    for place in rng.sample(world.places, min(4, len(world.places))):
        for kinds in KIND_SETS:
            for sight in sights:
                want = world.expected(place, kinds, sight)
                flt = NodeFilter(kinds=kinds, place=NodeId(place), sight=sight)
                got, total = await _page_through(store, flt, first=rng.choice([3, 7, MAX_PAGE]))
                assert (got, total) == (want, len(want)), (place, kinds, sight)
                page = await store.list_nodes(flt, first=5, count=False)
                assert [n.id for n in page.items] == want[:5]
                assert page.total is None
        vis = frozenset(rng.sample(list(Visibility), 2))
        sight = rng.choice(sights)
        flt = NodeFilter(kinds=ACTOR_KINDS, place=NodeId(place), sight=sight, visibility=vis)
        want = world.expected(place, ACTOR_KINDS, sight, visibility=vis)
        assert await _page_through(store, flt, first=4) == (want, len(want))
        stage = rng.choice(list(InitiativeStage))
        flt = NodeFilter(kinds=KIND_SETS[1], place=NodeId(place), sight=sight, stage=stage)
        want = world.expected(place, KIND_SETS[1], sight, stage=stage)
        assert await _page_through(store, flt, first=4) == (want, len(want))


async def test_counts_follow_random_writes(tmp_path: Path) -> None:
    rng = random.Random(13)
    path = str(tmp_path / "places.db")
    store = EmbeddedStore.open(path)
    world = World(store, rng)
    await world.add_places()
    for _ in range(30):
        await world.step()
    store._place_index()  # built now; from here on every write keeps it up to date
    for round_ in range(12):
        for _ in range(15):
            await world.step()
        # viewers: admin (None), anonymous, signed in with a circle of hidden people
        hidden = [n for n, node in world.nodes.items() if node.visibility is not Visibility.PUBLIC]  # type: ignore[union-attr]
        circle = frozenset([*rng.sample(hidden, min(6, len(hidden))), "a-gone", "GM"])
        network = Sight(visibility=frozenset({Visibility.PUBLIC, Visibility.NETWORK}), ids=circle)
        await _check(world, [None, Sight(), Sight(ids=circle), network])
        # a fresh build from the same graph files everything the same way
        incremental = store._place_index().counts()
        if round_ % 4 == 3:
            store._places = None
            assert store._place_index().counts() == incremental
    await store.close()
    again = EmbeddedStore.open(path)  # and from the file
    assert again._place_index().counts() == world.counts()
    await again.close()


async def test_place_filter_with_skill_theme_and_text(tmp_path: Path) -> None:
    """Filters beside the place still narrow by place (through the place's sub-places)."""
    store = EmbeddedStore.open(str(tmp_path / "mixed.db"))
    world = World(store, random.Random(5))
    await world.add_places()
    theme = Theme(id=NodeId("groen"), name_nl="Groen", name_en="Green")
    await store.upsert([theme])
    for _ in range(60):
        await world.step()
    interested = sorted(n for n in world.nodes if n.startswith("a"))[::2]
    await store.upsert([], [Relationship(R.INTERESTED_IN, NodeId(n), theme.id) for n in interested])
    store._place_index()
    for _ in range(20):
        await world.step()
    for place in world.places:
        for sight in (None, Sight()):
            want = [n for n in world.expected(place, ACTOR_KINDS, sight) if n in interested]
            flt = NodeFilter(kinds=ACTOR_KINDS, place=NodeId(place), theme=theme.id, sight=sight)
            assert await _page_through(store, flt, first=3) == (want, len(want))
            for text in ("1", "actor 1", "initiatief"):
                want = [
                    n
                    for n in world.expected(place, ACTOR_KINDS, sight)
                    if text_matches(search_text(world.nodes[n]), text)
                ]
                flt = NodeFilter(kinds=ACTOR_KINDS, place=NodeId(place), text=text, sight=sight)
                assert await _page_through(store, flt, first=4) == (want, len(want))
    await store.close()
