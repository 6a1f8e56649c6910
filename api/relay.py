"""Relay-style connections: ``edges { cursor node }``, ``pageInfo``, ``totalCount``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from graphql.language import SelectionSetNode

from graph.store import Page, encode_cursor

T = TypeVar("T")
NODES = ("edges", "node")
"""Where the items of a connection sit below it (for `selects`)."""


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
    _total: strawberry.Private[int | None]

    @strawberry.field(description="All matches, not only this page.")
    def total_count(self) -> int:
        assert self._total is not None, "the resolver did not ask the store to count"
        return self._total


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
        _total=page.total,
    )


def asks_total(info: Any) -> bool:
    """Whether the query selects ``totalCount`` on the connection this resolver returns.

    Counting every match can cost more than the page itself, so the store counts only
    when asked.
    """
    return selects(info, "totalCount")


def selects(info: Any, *path: str) -> bool:
    """Whether the query selects ``path`` (field names, outermost first) below the field
    being resolved, through fragments too. ``@skip``/``@include`` are not evaluated, so
    this may say yes where the field is skipped, never no where it is asked."""
    raw = info._raw_info
    sets: list[SelectionSetNode | None] = [n.selection_set for n in raw.field_nodes]
    for name in path:
        found = list(_fields(sets, name, raw.fragments))
        if not found:
            return False
        sets = [f.selection_set for f in found]
    return True


def selects_anywhere(info: Any, names: Iterable[str]) -> bool:
    """Whether the query selects a field named one of ``names`` anywhere below the field
    being resolved, at any depth, through fragments too (like `selects`, never no where
    such a field is asked)."""
    wanted = set(names)
    raw = info._raw_info
    todo: list[SelectionSetNode | None] = [n.selection_set for n in raw.field_nodes]
    seen: set[str] = set()
    while todo:
        selection_set = todo.pop()
        if selection_set is None:
            continue
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                if sel.name.value in wanted:
                    return True
                todo.append(sel.selection_set)
            elif isinstance(sel, InlineFragmentNode):
                todo.append(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                fragment = raw.fragments.get(sel.name.value)
                if fragment is not None:
                    todo.append(fragment.selection_set)
    return False


def _fields(
    selection_sets: Iterable[SelectionSetNode | None], name: str, fragments: dict[str, Any]
) -> Iterator[FieldNode]:
    for selection_set in selection_sets:
        if selection_set is None:
            continue
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                if sel.name.value == name:
                    yield sel
            elif isinstance(sel, InlineFragmentNode):
                yield from _fields([sel.selection_set], name, fragments)
            elif isinstance(sel, FragmentSpreadNode):
                fragment = fragments.get(sel.name.value)
                if fragment is not None:
                    yield from _fields([fragment.selection_set], name, fragments)
