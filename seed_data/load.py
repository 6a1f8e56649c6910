"""Put the reference data and a generated network into any store."""

from __future__ import annotations

from graph.store import GraphStore, Progress
from seed_data.generate import generate
from seed_data.reference import load_reference


async def seed_store(
    store: GraphStore,
    *,
    actors: int,
    seed: int = 42,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> tuple[int, int]:
    """Import reference data plus ``actors`` generated actors; return (nodes, rels) written.

    Ids are fixed by the seed, so seeding twice with the same values changes nothing.
    """
    ref = load_reference()
    gen = generate(ref, actors=actors, seed=seed)
    return await store.bulk_import(
        [*ref.nodes(), *gen.nodes],
        [*ref.relationships(), *gen.rels],
        batch_size=batch_size,
        progress=progress,
    )
