"""The per-request context: the viewer, the store and one set of loaders.

Loaders batch the reads of one level of a query into one store call (strawberry
DataLoaders) where a store call costs a round trip (Neo4j); a store that answers from
memory is read directly (:class:`Direct`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from api import response_cache
from api.introductions.service import consent_of
from api.policy import ANONYMOUS, PUBLIC_CIRCLE, Circle, Viewer, circle_of
from graph.model import Node, NodeId, Place, PlaceLevel, Relationship, RelType
from graph.store import LOCATION_TYPES, Direction, GraphStore, Neighbour
from matching import MatchIndex
from network.analytics import note_write

if TYPE_CHECKING:
    from api.identity import Auth, Identity
    from api.response_cache import ResponseCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
K_in = TypeVar("K_in", bound=Hashable, contravariant=True)
V_out = TypeVar("V_out", covariant=True)
NeighbourKey = tuple[str, tuple[RelType, ...], Direction]
Home = tuple[Place | None, Place | None]
"""Where a node is (LIVES_IN / LOCATED_IN), and the same widened from a buurt to its wijk."""


class Loader(Protocol[K_in, V_out]):
    """What resolvers use to read: a strawberry DataLoader, or :class:`Direct`."""

    def load(self, key: K_in) -> Awaitable[V_out]: ...

    def load_many(self, keys: Sequence[K_in]) -> Awaitable[Sequence[V_out]]: ...

    def clear_all(self) -> None:
        """Forget what was read (after a write)."""


class Direct(Generic[K, V]):
    """A loader that calls its batch function at once, for a store that answers from
    memory (``GraphStore.in_memory``): batching saves it nothing, and a resolver that
    awaits nothing that waits finishes in one step (see :mod:`api.eager`), where waiting
    for a DataLoader's batch costs a task, a future and a turn of the event loop."""

    __slots__ = ("_fn",)

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        self._fn = load_fn

    async def load(self, key: K) -> V:
        return (await self._fn([key]))[0]

    async def load_many(self, keys: Sequence[K]) -> list[V]:
        return await self._fn(list(keys))

    def clear_all(self) -> None:
        """Nothing to forget: every load reads the store."""


def _loader(
    store: GraphStore, load_fn: Callable[[list[K]], Awaitable[list[V]]], *, cache: bool = True
) -> Loader[K, V]:
    if getattr(store, "in_memory", False):
        return Direct(load_fn)
    return DataLoader(load_fn=load_fn, cache=cache)


def _node_loader(store: GraphStore) -> Loader[str, Node | None]:
    async def load(keys: list[str]) -> list[Node | None]:
        found = await store.get_nodes([NodeId(k) for k in keys])
        return [found.get(NodeId(k)) for k in keys]

    return _loader(store, load)


def _neighbour_loader(store: GraphStore) -> Loader[NeighbourKey, list[Neighbour]]:
    async def load(keys: list[NeighbourKey]) -> list[list[Neighbour]]:
        groups: dict[tuple[tuple[RelType, ...], Direction], list[str]] = defaultdict(list)
        for node_id, types, direction in keys:
            groups[(types, direction)].append(node_id)
        results: dict[NeighbourKey, list[Neighbour]] = {}
        for (types, direction), ids in groups.items():
            unique = list(dict.fromkeys(ids))
            found = await store.neighbours(
                [NodeId(i) for i in unique], types=types, direction=direction
            )
            for node_id in unique:
                results[(node_id, types, direction)] = found.get(NodeId(node_id), [])
        return [results[k] for k in keys]

    return _loader(store, load)


def _home_loader(store: GraphStore) -> Loader[str, Home]:
    """Homes by node id. Not cached: every load waits for the next batch, so resolvers
    that asked in one tick carry on in one tick and batch their own loads together
    (``""`` is a key for a resolver that has nothing to ask but should keep step)."""

    async def load(keys: list[str]) -> list[Home]:
        ids = [NodeId(k) for k in dict.fromkeys(keys) if k]
        located = await store.neighbours(ids, types=LOCATION_TYPES) if ids else {}
        places: dict[str, Place] = {}
        for node_id, found in located.items():
            if found and isinstance(found[0].node, Place):
                places[node_id] = found[0].node
        buurten = list({p.id: p for p in places.values() if p.level is PlaceLevel.BUURT})
        wijken = await store.neighbours(buurten, types=[RelType.PART_OF]) if buurten else {}
        homes: dict[str, Home] = {}
        for key, place in places.items():
            up = wijken.get(place.id)
            wijk = up[0].node if up and isinstance(up[0].node, Place) else None
            homes[key] = (place, wijk or place)
        return [homes.get(k, (None, None)) for k in keys]

    return _loader(store, load, cache=False)


@dataclass(slots=True)
class Context:
    """What every resolver gets as ``info.context``."""

    store: GraphStore
    viewer: Viewer = ANONYMOUS
    lang: str = "nl"
    index: MatchIndex | None = None
    identity: Identity | None = None  # None outside a server (schema tests)
    auth: Auth | None = None  # how the request proved who it is (see api.identity.web)
    circle: Circle = PUBLIC_CIRCLE  # what the viewer sees and acts for; see `see_as_viewer`
    circle_exact: bool = True  # False when the circle could not be read (the store is down)
    response_cache: ResponseCache | None = None  # answers to repeated reads (HTTP only)
    nodes: Loader[str, Node | None] = field(init=False)
    neighbours_loader: Loader[NeighbourKey, list[Neighbour]] = field(init=False)
    homes: Loader[str, Home] = field(init=False)

    def __post_init__(self) -> None:
        self.nodes = _node_loader(self.store)
        self.neighbours_loader = _neighbour_loader(self.store)
        self.homes = _home_loader(self.store)

    async def see_as_viewer(self) -> Circle:
        """Derive (again, after a write that changed it) what the viewer sees and acts for."""
        consent = await consent_of(
            self.identity.introductions if self.identity is not None else None,
            self.viewer.actor_id,
        )
        self.circle = await circle_of(
            self.viewer, self.store, asking=consent.asking, introduced=consent.introduced
        )
        return self.circle

    def removed(self, rels: Sequence[Relationship] = (), nodes: Sequence[str] = ()) -> None:
        """Tell the matching index about a delete the store acknowledged (and forget
        the neighbours this request read before it)."""
        self.neighbours_loader.clear_all()
        if self.index is not None:
            self.index.remove(rels, nodes)
            note_write(self.index, [], rels)
        response_cache.changed()

    def wrote(self, nodes: Sequence[Node] = (), rels: Sequence[Relationship] = ()) -> None:
        """Tell the matching index about a write the store acknowledged (and forget
        the neighbours this request read before it)."""
        self.neighbours_loader.clear_all()
        if self.index is not None:
            self.index.apply(nodes, rels)
            note_write(self.index, nodes, rels)
        response_cache.changed()

    async def neighbours(
        self,
        node_id: str,
        types: Sequence[RelType],
        direction: Direction = Direction.OUT,
    ) -> list[Neighbour]:
        if isinstance(self.neighbours_loader, Direct):  # one node: no batch to build or split
            found = await self.store.neighbours([NodeId(node_id)], types=types, direction=direction)
            return found.get(NodeId(node_id), [])
        return await self.neighbours_loader.load((node_id, tuple(types), direction))
