"""The graph layer: domain model, the ``GraphStore`` port and its adapters."""

from graph.errors import Conflict, GraphError, InvalidInput, NotFound, StoreUnavailable
from graph.store import (
    Direction,
    GraphStats,
    GraphStore,
    Neighbour,
    NodeFilter,
    Page,
    Path,
    Sight,
)

__all__ = [
    "Conflict",
    "Direction",
    "GraphError",
    "GraphStats",
    "GraphStore",
    "InvalidInput",
    "Neighbour",
    "NodeFilter",
    "NotFound",
    "Page",
    "Path",
    "Sight",
    "StoreUnavailable",
]
