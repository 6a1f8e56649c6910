"""Instruments in suggestions: "initiatives like yours in Zaanstad used Right to Challenge".

An initiative is *like yours* when it shares a theme with it. :func:`used_nearby`
counts, per instrument, the initiatives like yours that use it (in your gemeente
first); :func:`instrument_reason` says it of one candidate partner: someone who was
in such an initiative brings that experience along.

>>> from matching.index import build_index_sync
>>> from graph.model import *
>>> nodes = [Place(id="GM", name="Zaanstad", level="municipality"),
...          Theme(id="t", name_nl="Groen", name_en="Green"),
...          Instrument(id="rtc", name_nl="Right to Challenge", name_en="Right to Challenge"),
...          Initiative(id="mine", name="Buurttuin"), Initiative(id="done", name="Groen Zaandam"),
...          Actor(id="a", kind="Freelancer", name="Fatima")]
>>> rels = [Relationship("LOCATED_IN", "mine", "GM"), Relationship("LOCATED_IN", "done", "GM"),
...         Relationship("ABOUT", "mine", "t"), Relationship("ABOUT", "done", "t"),
...         Relationship("USES", "done", "rtc"), Relationship("MEMBER_OF", "a", "done")]
>>> index = build_index_sync(nodes, rels)
>>> used_nearby(index, index.pos["mine"])[0].text("en")
'1 initiative like yours in Zaanstad used Right to Challenge'
>>> instrument_reason(index, index.pos["mine"], index.pos["a"]).text("en")
'was in Groen Zaandam in Zaanstad, an initiative like yours that used Right to Challenge'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graph.model import NodeKind, PlaceLevel
from matching.index import KIND_CODE, MatchIndex

_INI = KIND_CODE[NodeKind.INITIATIVE]


@dataclass(frozen=True, slots=True)
class InstrumentHint:
    """An instrument that initiatives like this one used, in words (``code`` INSTRUMENT)."""

    instrument: str  # its id
    count: int  # initiatives like this one that used it
    place: str  # the gemeente they are in ("" when spread over several)
    nl: str
    en: str
    code: str = "INSTRUMENT"

    def text(self, lang: str = "nl") -> str:
        return self.en if lang == "en" else self.nl


def _gemeente(index: MatchIndex, i: int) -> int:
    """The gemeente ``i`` is in, or -1 (remembered per place until the next write)."""
    home = index.home[i]
    if home < 0:
        return -1
    memo: dict[int, int] = index.memo("gemeente")
    g = memo.get(home)
    if g is None:
        g = memo[home] = index.up(home, PlaceLevel.MUNICIPALITY)
    return g


def _alike(index: MatchIndex, initiative: int, other: int) -> bool:
    mine = index.themes[initiative] or ()
    return other != initiative and any(t in mine for t in index.themes[other] or ())


def used_nearby(index: MatchIndex, initiative: int, *, limit: int = 3) -> list[InstrumentHint]:
    """Instruments that initiatives like ``initiative`` use and it does not, those in its
    own gemeente first, then by how many use it."""
    own = index.uses.get(initiative, set())
    here = _gemeente(index, initiative)
    local: Counter[int] = Counter()
    anywhere: Counter[int] = Counter()
    for inst, users in index.used_by.items():
        if inst in own:
            continue
        for g in users:
            if _alike(index, initiative, g):
                anywhere[inst] += 1
                if here >= 0 and _gemeente(index, g) == here:
                    local[inst] += 1
    ranked = sorted(anywhere, key=lambda i: (-local[i], -anywhere[i], index.ids[i]))
    out = []
    for inst in ranked[:limit]:
        name, name_en = index.names[inst], index.english(inst)
        if local[inst]:
            n, where = local[inst], index.names[here]
            nl = f"{n} {'initiatief' if n == 1 else 'initiatieven'} zoals dit in {where} "
            nl += f"{'gebruikte' if n == 1 else 'gebruikten'} {name}"
            en = f"{n} initiative{'s' * (n != 1)} like yours in {where} used {name_en}"
            out.append(InstrumentHint(index.ids[inst], n, index.ids[here], nl, en))
        else:
            n = anywhere[inst]
            nl = f"{n} {'initiatief' if n == 1 else 'initiatieven'} zoals dit elders "
            nl += f"{'gebruikte' if n == 1 else 'gebruikten'} {name}"
            en = f"{n} initiative{'s' * (n != 1)} like yours elsewhere used {name_en}"
            out.append(InstrumentHint(index.ids[inst], n, "", nl, en))
    return out


def instrument_reason(index: MatchIndex, initiative: int, candidate: int) -> InstrumentHint | None:
    """Why ``candidate`` knows an instrument ``initiative`` does not use yet: they were in
    an initiative like it that used it (preferring one in the same gemeente), or None."""
    own = index.uses.get(initiative, set())
    here = _gemeente(index, initiative) if initiative >= 0 else -1
    best: tuple[int, str, int, int] | None = None  # (not local, group id, group, instrument)
    for g in index.groups[candidate] or ():
        if index.kind[g] != _INI or not _alike(index, initiative, g):
            continue
        for inst in sorted(index.uses.get(g, ()), key=lambda i: index.ids[i]):
            if inst in own:
                continue
            key = (0 if here >= 0 and _gemeente(index, g) == here else 1, index.ids[g], g, inst)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    _, _, g, inst = best
    where_pos = _gemeente(index, g)
    where = index.names[where_pos] if where_pos >= 0 else ""
    group = index.names[g] if index.public[g] else None
    at_nl = f" in {where}" if where else ""
    nl = f"zat in {group or 'een initiatief'}{at_nl}, een initiatief zoals dit dat "
    nl += f"{index.names[inst]} gebruikte"
    en = f"was in {group or 'an initiative'}{at_nl}, an initiative like yours that used "
    en += index.english(inst)
    place = index.ids[where_pos] if where_pos >= 0 else ""
    return InstrumentHint(index.ids[inst], 1, place, nl, en)
