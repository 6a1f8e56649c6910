"""Instruments as a tool: which initiatives use one, and those like yours that do.

``Instrument.initiatives`` and ``initiatives(instrument: ...)`` read the USES
relationships; the place, theme and skill filters are checked on the matching
index (the same hierarchy and themes the store has), stage and text on the node.
"""

from __future__ import annotations

from collections.abc import Sequence

from api import types as t
from graph import model as m
from graph.errors import InvalidInput, StoreUnavailable
from graph.store import MAX_PAGE, Direction, Page, decode_cursor, encode_cursor
from matching.index import MatchIndex


def _inside(index: MatchIndex, i: int, place: int) -> bool:
    cur = index.home[i]
    for _ in range(10):
        if cur < 0:
            return False
        if cur == place:
            return True
        cur = index.parent.get(cur, -1)
    return False


async def users(
    info: t.Ctx,
    instrument: str,
    *,
    place: str | None = None,
    theme: str | None = None,
    skill: str | None = None,
    stage: m.InitiativeStage | None = None,
    text: str | None = None,
    first: int,
    after: str | None,
) -> Page:
    """Initiatives that use ``instrument`` and pass the filters, in id order, one page."""
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"must be between 0 and {MAX_PAGE}", field="first")
    index = info.context.index
    if index is None and (place or theme or skill):
        raise StoreUnavailable("the matching index is still being built; try again shortly")
    last = decode_cursor(after) or ""
    found = await info.context.store.neighbours(
        [m.NodeId(instrument)], types=[m.RelType.USES], direction=Direction.IN
    )
    nodes = sorted(
        (n.node for n in found.get(m.NodeId(instrument), []) if isinstance(n.node, m.Initiative)),
        key=lambda n: n.id,
    )
    keep: list[m.Node] = []
    for node in nodes:
        assert isinstance(node, m.Initiative)
        if stage is not None and node.stage is not stage:
            continue
        if text and not m.text_matches(m.search_text(node), text):
            continue
        if index is not None and not _passes(index, node.id, place, theme, skill):
            continue
        keep.append(node)
    after_last = [n for n in keep if n.id > last]
    items = after_last[:first]
    return Page(
        items=items,
        total=len(keep),
        end_cursor=encode_cursor(items[-1].id) if items else None,
        has_next=len(after_last) > first,
    )


def _passes(
    index: MatchIndex, node_id: str, place: str | None, theme: str | None, skill: str | None
) -> bool:
    i = index.pos.get(node_id)
    if i is None:
        return not (place or theme or skill)
    if place and not _inside(index, i, index.pos.get(place, -2)):
        return False
    if theme and index.pos.get(theme, -2) not in (index.themes[i] or ()):
        return False
    return not skill or index.pos.get(skill, -2) in index.needs.get(i, {})


def hints(info: t.Ctx, initiative: str, lang: str) -> Sequence[str]:
    from matching.instruments import used_nearby

    index = info.context.index
    i = index.pos.get(initiative) if index is not None else None
    if index is None or i is None:
        return []
    return [h.text(lang) for h in used_nearby(index, i)]
