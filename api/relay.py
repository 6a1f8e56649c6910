"""Relay-style connections: ``edges { cursor node }``, ``pageInfo``, ``totalCount``."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from graph.store import Page, encode_cursor

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="One page of a list, in a stable order (by id).")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="All matches, not only this page.")


def connection(page: Page, nodes: list[T], *, after: str | None) -> Connection[T]:
    """Build a connection from a store page and the GraphQL objects for its items."""
    edges = [
        Edge(cursor=encode_cursor(item.id), node=node)
        for item, node in zip(page.items, nodes, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=page.end_cursor,
        ),
        total_count=page.total,
    )
