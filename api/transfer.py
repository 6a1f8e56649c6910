"""Import and export a folder of CSV files (:mod:`graph.csv_format`) through the store port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from graph.csv_format import COLUMNS, export_tables, parse_dir, write_tables
from graph.errors import InvalidInput
from graph.model import Node, NodeId, NodeKind, Relationship
from graph.store import GraphStore

TransferProgress = Callable[[str, int, int], None]
"""Called as ``progress(what, done, total)``; ``what`` is ``"nodes"`` or ``"relationships"``."""

#: Ids asked of the store at once while checking references.
LOOKUP_BATCH = 10_000


async def import_dir(
    store: GraphStore,
    folder: Path,
    progress: TransferProgress | None = None,
    *,
    batch_size: int | None = None,
) -> tuple[int, int]:
    """Import every CSV file in ``folder`` into ``store``; return (nodes, relationships) written.

    Every row of every file is read and checked, references included (against the
    files and the store), before anything is written: a dataset with any problem
    raises :class:`~graph.csv_format.ImportErrors` and leaves the store as it was.
    Rows then upsert by id: nodes are replaced, relationships added or updated;
    nothing is deleted.
    """
    parsed = await asyncio.to_thread(parse_dir, folder)
    existing = await _kinds(store, parsed.lookup_ids())
    data = parsed.resolve(existing)
    total_nodes, total_rels = len(data.nodes), len(data.rels)

    def report(nodes: int, rels: int) -> None:
        if progress is not None:
            progress("nodes", nodes, total_nodes)
            progress("relationships", rels, total_rels)

    report(0, 0)
    return await store.bulk_import(data.nodes, data.rels, batch_size=batch_size, progress=report)


async def export_dir(
    store: GraphStore,
    folder: Path,
    progress: TransferProgress | None = None,
    *,
    overwrite: bool = False,
) -> tuple[int, int]:
    """Write the whole graph in ``store`` as CSV files into ``folder``; return the counts.

    Without ``overwrite`` a folder that already holds one of the files is refused.
    Importing the files into an empty store gives back the same graph.
    """
    taken = [name for name in COLUMNS if (folder / name).exists()]
    if taken and not overwrite:
        raise InvalidInput(
            f"{folder} already holds {', '.join(taken)}; export into another folder, "
            "or overwrite them (wijknet export --force)"
        )
    stats = await store.stats()
    if progress is not None:
        progress("nodes", 0, stats.node_count)
        progress("relationships", 0, stats.relationship_count)
    nodes: list[Node] = []
    rels: list[Relationship] = []
    async for item in store.stream():
        if isinstance(item, Relationship):
            rels.append(item)
            if progress is not None and len(rels) % 10_000 == 0:
                progress("relationships", len(rels), max(len(rels), stats.relationship_count))
        else:
            nodes.append(item)
            if progress is not None and len(nodes) % 10_000 == 0:
                progress("nodes", len(nodes), max(len(nodes), stats.node_count))
    tables = export_tables(nodes, rels)
    try:
        await asyncio.to_thread(write_tables, folder, tables)
    except OSError as exc:
        raise InvalidInput(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    if progress is not None:
        progress("nodes", len(nodes), len(nodes))
        progress("relationships", len(rels), len(rels))
    return len(nodes), len(rels)


async def _kinds(store: GraphStore, ids: Sequence[NodeId]) -> dict[NodeId, NodeKind]:
    """The kind of each of ``ids`` that the store holds."""
    kinds: dict[NodeId, NodeKind] = {}
    for start in range(0, len(ids), LOOKUP_BATCH):
        found = await store.get_nodes(ids[start : start + LOOKUP_BATCH])
        kinds.update((node_id, node.node_kind) for node_id, node in found.items())
    return kinds
