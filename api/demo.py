"""``wijknet demo remove``: take every piece of demo data out of a store, and nothing else.

Demo data is what the generator made up (``provenance="demo"``, see
:mod:`seed_data.generate`). Removing a demo node removes every relationship it
has; a relationship marked demo between two nodes that stay is removed too.
Reference data, imported rows and what users made are left exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.model import Node, NodeId, Provenance, Relationship
from graph.store import GraphStore

#: Nodes deleted per transaction.
BATCH = 5_000


async def demo_counts(store: GraphStore) -> tuple[list[NodeId], list[Relationship]]:
    """The demo nodes, and the demo relationships between nodes that are not demo data."""
    demo: set[str] = set()
    nodes: list[NodeId] = []
    loose: list[Relationship] = []
    async for item in store.stream():
        if isinstance(item, Relationship):
            if (
                item.props.get("provenance") == Provenance.DEMO.value
                and item.source not in demo
                and item.target not in demo
            ):
                loose.append(item)
        elif _is_demo(item):
            demo.add(item.id)
            nodes.append(item.id)
    return nodes, loose


def _is_demo(node: Node) -> bool:
    return node.provenance is Provenance.DEMO


async def remove_demo(
    store: GraphStore,
    *,
    batch_size: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Delete all demo data; return (nodes, relationships) deleted.

    Each batch is a transaction of its own: an interrupted run leaves whole batches
    deleted, and running it again finishes the job.
    """
    before = await store.stats()
    nodes, loose = await demo_counts(store)
    for start in range(0, len(nodes), batch_size):
        await store.delete(nodes=nodes[start : start + batch_size])
        if progress is not None:
            progress(min(start + batch_size, len(nodes)), len(nodes))
    if loose:
        await store.delete(rels=loose)
    after = await store.stats()
    return (
        before.node_count - after.node_count,
        before.relationship_count - after.relationship_count,
    )
