"""Partner suggestions and coalitions over an in-memory index of the graph."""

__all__: list[str] = []
