"""One error root for everything the graph layer can say went wrong.

Driver and database errors never leave ``graph/``: adapters translate them into
these classes (``raise ... from exc``) so the API can answer in words a user
understands.
"""

from __future__ import annotations


class GraphError(Exception):
    """Root of every error raised by ``graph``."""

    code = "GRAPH_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(GraphError):
    """A value breaks a rule of the domain model; ``field`` names the culprit."""

    code = "INVALID_INPUT"


class NotFound(GraphError):
    """A node the caller named does not exist."""

    code = "NOT_FOUND"


class Conflict(GraphError):
    """The write would duplicate something that must be unique."""

    code = "CONFLICT"


class StoreUnavailable(GraphError):
    """The store cannot be reached or opened right now; retrying later may work."""

    code = "STORE_UNAVAILABLE"
