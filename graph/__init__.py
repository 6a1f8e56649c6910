"""The graph layer: domain model, the ``GraphStore`` port and its adapters."""

from graph.errors import Conflict, GraphError, InvalidInput, NotFound, StoreUnavailable
from graph.store import (
    Change,
    Changes,
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
    "Change",
    "Changes",
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
