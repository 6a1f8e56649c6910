"""An in-memory index of the graph, shaped for matching (think of a GDS projection).

Nodes get dense integer positions; per-node neighbour lists are kept in flat
arrays (:class:`matching.lists.Lists`, read as ``array('i')`` or ``None`` when empty)
so a country-sized graph fits in a few hundred bytes per actor. Inverted indexes
answer "who offers skill s in wijk w", "who cares about theme t in wijk w" and "who
is in wijk w" without scanning the graph, so candidate generation does not grow with it.

The index is built by streaming any ``GraphStore`` (:func:`build_index`) and
kept current with :meth:`MatchIndex.apply` as the API writes. :func:`snapshot_state`
and :func:`from_snapshot` turn it into plain picklable data and back, so a server
can start from a snapshot instead of streaming the whole store.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.model import (
    DEMO_SOURCE,
    Actor,
    ActorKind,
    Event,
    Initiative,
    Node,
    NodeKind,
    Place,
    PlaceLevel,
    Provenance,
    Relationship,
    RelType,
    Visibility,
)
from matching.lists import Lists
from matching.ranker import Ranker
from matching.social import SocialGraph

KIND_CODE = {k: i for i, k in enumerate(NodeKind)}
PROVENANCES = list(Provenance)
PROVENANCE_CODE = {p: i for i, p in enumerate(PROVENANCES)}
DEMO = PROVENANCE_CODE[Provenance.DEMO]
CODE_KIND = list(NodeKind)
ACTOR_CODES = frozenset(KIND_CODE[NodeKind(k.value)] for k in ActorKind)
_RES_CODE, _PRO_CODE, _MUN_CODE = (
    KIND_CODE[k] for k in (NodeKind.RESIDENT, NodeKind.PROFESSIONAL, NodeKind.MUNICIPALITY)
)
_ENTREPRENEUR_CODES = frozenset(KIND_CODE[k] for k in (NodeKind.FREELANCER, NodeKind.ENTERPRISE))
STAFF_CODES = frozenset(
    KIND_CODE[k] for k in (NodeKind.PROFESSIONAL, NodeKind.ORGANISATION, NodeKind.MUNICIPALITY)
)
R = RelType
# The team roles an actor can fill, as bits of `MatchIndex.role_bits` (`matching.suggest.Role`
# names them): residents, entrepreneur, professional, municipal, funder or host.
ROLE_NAMES = ("residents", "entrepreneur", "professional", "municipal", "funder_host")
_RESIDENTS, _ENTREPRENEUR, _PROFESSIONAL, _MUNICIPAL, _FUNDER_HOST = (1 << b for b in range(5))
_FUNDING_SUBTYPES = ("fund", "housing_corporation")
_URGENCY = {"high": 1.5, "medium": 1.0, "low": 0.6}


@dataclass(frozen=True, slots=True)
class Need:
    skill: int
    weight: float  # urgency weight


def _add(lists: Lists, i: int, value: int) -> None:
    lst = lists[i]
    if lst is None:
        lists[i] = array("i", (value,))
    elif value not in lst:
        lst.append(value)
        lists[i] = lst  # a list read from the flat arrays is a copy


def _remove(lists: Lists, i: int, value: int) -> None:
    lst = lists[i]
    if lst is not None and value in lst:
        lst.remove(value)
        lists[i] = lst


class MatchIndex:
    """Everything the matcher reads, by integer position. Build with :func:`build_index`."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.kind = bytearray()
        self.matchable = bytearray()
        self.public = bytearray()
        self.names: list[str] = []
        self.provenance = bytearray()  # code into PROVENANCES, per node
        self.role_bits = bytearray()  # team roles an actor can fill (ROLE_NAMES), per node
        self.sources: dict[int, str] = {}  # a node's source, where it is not demo data
        # relationships whose provenance differs from what their ends give them
        # (see graph.model.rel_provenance), by (min, max) position pair
        self.tie_provenance: dict[tuple[int, int], tuple[int, str]] = {}
        self.names_en: dict[int, str] = {}
        self.subtype: dict[int, str] = {}
        self.legal_form: dict[int, str] = {}  # enterprises and organisations that say
        self.revenue_models: dict[int, tuple[str, ...]] = {}  # enterprises that say
        self.home: array[int] = array("i")  # place position of an actor or initiative, -1 if none
        # place hierarchy
        self.parent: dict[int, int] = {}
        self.level: dict[int, PlaceLevel] = {}
        self.children: dict[int, list[int]] = defaultdict(list)
        self.adjacent: dict[int, set[int]] = defaultdict(set)
        # per-node neighbour lists
        self.ties = Lists()  # KNOWS and PARTNERS_WITH, both ways
        self.groups = Lists()  # initiatives and enterprises an actor is in
        self.skills = Lists()  # HAS_SKILL and OFFERS
        self.themes = Lists()  # INTERESTED_IN (actors), ABOUT (initiatives)
        # per group
        self.members: dict[int, dict[int, str]] = defaultdict(dict)
        self.needs: dict[int, dict[int, float]] = defaultdict(dict)
        self.supporters: dict[int, dict[int, str]] = defaultdict(dict)
        self.employers: dict[int, set[int]] = defaultdict(set)
        self.uses: dict[int, set[int]] = defaultdict(set)  # initiative -> instruments (USES)
        self.used_by: dict[int, set[int]] = defaultdict(set)  # instrument -> initiatives
        # inverted indexes keyed by an actor's home place (a wijk or a buurt; see `at`)
        self.skill_at: dict[tuple[int, int], array[int]] = {}
        self.theme_at: dict[tuple[int, int], array[int]] = {}
        self.actors_at: dict[int, array[int]] = {}
        self.staff_at: dict[int, array[int]] = {}  # professionals, organisations, gemeenten
        # network-wide, in arrival order: for initiatives and drafts without a place
        self.skill_holders: dict[int, array[int]] = {}
        self.theme_holders: dict[int, array[int]] = {}  # INTERESTED_IN
        self.about: dict[int, array[int]] = {}  # theme -> initiatives ABOUT it
        self.skill_count: dict[int, int] = defaultdict(int)
        self._rarity: dict[int, float] = {}
        # bodies that fund or host (SUPPORTS funding/space) -> the groups they help, so a
        # body stops being a funder or host when its last such tie goes
        self.helpers: dict[int, set[int]] = {}
        self.actor_count = 0
        self.version = 0  # bumped on every write applied; caches compare against it
        self.ranker: Ranker | None = None  # a trained ranker; hand weights without one
        self._social: SocialGraph | None = None  # CSR copy of ties and memberships, lazily
        self._memo: dict[str, dict[Any, Any]] = {}
        self._memo_version = -1

    def memo(self, name: str) -> dict[Any, Any]:
        """A cache of facts derived from the index (not from memberships), emptied by
        every write (:meth:`apply`, :meth:`remove`)."""
        if self._memo_version != self.version:
            self._memo.clear()
            self._memo_version = self.version
        return self._memo.setdefault(name, {})

    def social(self) -> SocialGraph:
        """The social graph as CSR arrays (copied at first use, kept current)."""
        g = self._social
        if g is None or g.stale():
            g = self._social = SocialGraph(self)
        g.grow(len(self.ids))
        return g

    def compact(self, *, unless_small: bool = False) -> None:
        """Fold the per-node lists changed or added since the last time into their flat
        arrays (with ``unless_small``: only those with many such lists)."""
        for lists in (self.ties, self.groups, self.skills, self.themes):
            if not unless_small or len(lists.overlay) + len(lists.tail) > max(
                1000, lists.built // 20
            ):
                lists.compact()

    def touch(self, *nodes: int) -> None:
        """These nodes' ties or memberships changed (keeps :meth:`social` current)."""
        g = self._social
        if g is not None:
            for u in nodes:
                g.touch(u)

    # --- nodes ---------------------------------------------------------------------

    def _slot(self, node_id: str, code: int) -> int:
        i = self.pos.get(node_id)
        if i is not None:
            self.kind[i] = code
            return i
        i = len(self.ids)
        self.ids.append(node_id)
        self.pos[node_id] = i
        self.kind.append(code)
        self.matchable.append(0)
        self.public.append(0)
        self.names.append("")
        self.provenance.append(PROVENANCE_CODE[Provenance.USER])
        self.role_bits.append(0)
        self.home.append(-1)
        for lists in (self.ties, self.groups, self.skills, self.themes):
            lists.append(None)
        return i

    def add_node(self, node: Node) -> None:
        code = KIND_CODE[node.node_kind]
        before = self.pos.get(node.id)
        fresh = before is None or not self.names[before]  # new, or removed before
        i = self._slot(node.id, code)
        self.names[i] = node.label
        self.provenance[i] = PROVENANCE_CODE[node.provenance]
        if node.source and node.provenance is not Provenance.DEMO:
            self.sources[i] = node.source
        else:
            self.sources.pop(i, None)
        if isinstance(node, Actor):
            self.matchable[i] = 1 if node.matchable else 0
            self.public[i] = 1 if node.visibility is Visibility.PUBLIC else 0
            if node.subtype:
                self.subtype[i] = node.subtype
            else:
                self.subtype.pop(i, None)
            if node.legal_form is not None:
                self.legal_form[i] = node.legal_form.value
            if node.revenue_models:
                self.revenue_models[i] = tuple(r.value for r in node.revenue_models)
            if fresh:
                self.actor_count += 1
                self._rarity.clear()
        elif isinstance(node, Initiative):
            self.public[i] = 1 if node.visibility is Visibility.PUBLIC else 0
        elif isinstance(node, Place):
            self.level[i] = node.level
        elif not isinstance(node, Event):
            self.names_en[i] = node.name_en
        self._set_roles(i)

    def is_demo(self, i: int) -> bool:
        return self.provenance[i] == DEMO

    def source_of(self, i: int) -> tuple[Provenance, str]:
        """A node's provenance and source (the demo generator's for demo data)."""
        code = self.provenance[i]
        if code == DEMO:
            return Provenance.DEMO, DEMO_SOURCE
        return PROVENANCES[code], self.sources.get(i, "")

    def tie_source(self, a: int, b: int) -> tuple[Provenance, str]:
        """Where the tie between ``a`` and ``b`` comes from: its own provenance where it has
        one, else demo when an end is demo, else its first end's (see ``rel_provenance``)."""
        own = self.tie_provenance.get((a, b) if a < b else (b, a))
        if own is not None:
            return PROVENANCES[own[0]], own[1]
        if self.provenance[b] == DEMO:
            return self.source_of(b)
        return self.source_of(a)

    def is_actor(self, i: int) -> bool:
        return self.kind[i] in ACTOR_CODES

    def node_kind(self, i: int) -> NodeKind:
        return CODE_KIND[self.kind[i]]

    # --- places ----------------------------------------------------------------------

    def area(self, place: int) -> int:
        """The wijk-level area of a place: a buurt counts as its wijk."""
        if place >= 0 and self.level.get(place) is PlaceLevel.BUURT and place in self.parent:
            return self.parent[place]
        return place

    def up(self, place: int, level: PlaceLevel) -> int:
        """The ancestor (or self) of ``place`` at ``level``, or -1."""
        seen = 0
        while place >= 0 and seen < 8:
            if self.level.get(place) is level:
                return place
            place = self.parent.get(place, -1)
            seen += 1
        return -1

    def areas_near(self, place: int) -> list[list[int]]:
        """Rings of wijk-level areas around ``place``: itself, adjacent, district, municipality."""
        own = self.area(place)
        if own < 0:
            return []
        rings = [[own], sorted(self.adjacent.get(own, ()))]
        seen = {own, *rings[1]}
        for level in (PlaceLevel.DISTRICT, PlaceLevel.MUNICIPALITY):
            top = self.up(own, level)
            ring = [a for a in self._leaf_areas(top) if a not in seen] if top >= 0 else []
            seen.update(ring)
            rings.append(ring)
        return rings

    def _leaf_areas(self, top: int) -> list[int]:
        out, todo = [], [top]
        while todo:
            cur = todo.pop()
            kids = [
                k for k in self.children.get(cur, ()) if self.level.get(k) is not PlaceLevel.BUURT
            ]
            if not kids:
                out.append(cur)
            todo.extend(kids)
        return sorted(out)

    # --- relationships ---------------------------------------------------------------

    def add_rel(self, rel: Relationship) -> None:
        s, t = self.pos.get(rel.source), self.pos.get(rel.target)
        if s is None or t is None:
            return
        rtype = rel.type
        own = rel.props.get("provenance")
        if own:
            self.tie_provenance[(s, t) if s < t else (t, s)] = (
                PROVENANCE_CODE[Provenance(own)],
                str(rel.props.get("source", "")),
            )
        if rtype is R.KNOWS or rtype is R.PARTNERS_WITH:
            _add(self.ties, s, t)
            _add(self.ties, t, s)
            self.touch(s, t)
        elif rtype is R.MEMBER_OF:
            _add(self.groups, s, t)
            self.members[t][s] = str(rel.props.get("role", "member"))
            self.touch(s, t)
        elif rtype is R.HAS_SKILL or rtype is R.OFFERS:
            lst = self.skills[s]
            if lst is None or t not in lst:
                _add(self.skills, s, t)
                self.skill_count[t] += 1
                self._rarity.pop(t, None)
                self.skill_holders.setdefault(t, array("i")).append(s)
                home = self.home[s]
                if home >= 0:
                    self.skill_at.setdefault((t, home), array("i")).append(s)
        elif rtype is R.INTERESTED_IN or rtype is R.ABOUT:
            lst = self.themes[s]
            if lst is None or t not in lst:
                _add(self.themes, s, t)
                if rtype is R.INTERESTED_IN:
                    self.theme_holders.setdefault(t, array("i")).append(s)
                else:
                    self.about.setdefault(t, array("i")).append(s)
                home = self.home[s]
                if rtype is R.INTERESTED_IN and home >= 0:
                    self.theme_at.setdefault((t, home), array("i")).append(s)
        elif rtype is R.LIVES_IN or rtype is R.LOCATED_IN:
            self._set_home(s, t)
        elif rtype is R.PART_OF:
            self.parent[s] = t
            self.children[t].append(s)
        elif rtype is R.ADJACENT_TO:
            self.adjacent[s].add(t)
            self.adjacent[t].add(s)
        elif rtype is R.NEEDS:
            self.needs[s][t] = _URGENCY.get(str(rel.props.get("urgency", "medium")), 1.0)
        elif rtype is R.SUPPORTS:
            how = str(rel.props.get("how", ""))
            self.supporters[t][s] = how
            self._helps(s, t, how in ("funding", "space"))
        elif rtype is R.WORKS_FOR:
            self.employers[s].add(t)
            self._set_roles(s)
        elif rtype is R.USES:
            self.uses[s].add(t)
            self.used_by[t].add(s)

    def _set_home(self, i: int, place: int) -> None:
        old = self.home[i]
        self.home[i] = place
        if not self.is_actor(i) or old == place:
            return
        if old >= 0:
            for key, index in (
                *(((s, old), self.skill_at) for s in self.skills[i] or ()),
                *(((t, old), self.theme_at) for t in self.themes[i] or ()),
            ):
                lst = index.get(key)
                if lst is not None and i in lst:
                    lst.remove(i)
            for by_place in (self.actors_at, self.staff_at):
                if old in by_place and i in by_place[old]:
                    by_place[old].remove(i)
        self.actors_at.setdefault(place, array("i")).append(i)
        if self.kind[i] in STAFF_CODES:
            self.staff_at.setdefault(place, array("i")).append(i)
        # skills and interests that arrived before the home move along with it
        for skill in self.skills[i] or ():
            self.skill_at.setdefault((skill, place), array("i")).append(i)
        for theme in self.themes[i] or ():
            self.theme_at.setdefault((theme, place), array("i")).append(i)

    def _helps(self, body: int, group: int, funds_or_hosts: bool) -> None:
        """Note whether ``body`` funds or hosts ``group`` (a SUPPORTS tie added, changed or
        removed) and work out its roles again when that made it a helper or no longer one."""
        groups = self.helpers.get(body)
        was = bool(groups)
        if funds_or_hosts:
            self.helpers.setdefault(body, set()).add(group)
        elif groups is not None:
            groups.discard(group)
            if not groups:
                del self.helpers[body]
        if was != (body in self.helpers):
            self._set_roles(body)

    def _set_roles(self, i: int) -> None:
        """Work out ``role_bits[i]`` afresh (after its kind, subtype, employers or the
        support it gives changed)."""
        code = self.kind[i]
        bits = 0
        if code == _RES_CODE:
            bits = _RESIDENTS
        elif code in _ENTREPRENEUR_CODES:
            bits = _ENTREPRENEUR
        elif code == _PRO_CODE:
            bits = _PROFESSIONAL
            if any(self.kind[e] == _MUN_CODE for e in self.employers.get(i, ())):
                bits |= _MUNICIPAL
        elif code == _MUN_CODE:
            bits = _MUNICIPAL
        if i in self.helpers or self.subtype.get(i) in _FUNDING_SUBTYPES:
            bits |= _FUNDER_HOST
        self.role_bits[i] = bits

    def at(self, areas: Iterable[int]) -> list[int]:
        """The home places that make up these wijk-level areas: each area and its buurten."""
        out: list[int] = []
        for a in areas:
            out.append(a)
            out.extend(k for k in self.children.get(a, ()) if self.level.get(k) is PlaceLevel.BUURT)
        return out

    def remove_actor(self, node_id: str) -> None:
        """Forget an actor's ties (after a delete); its slot stays, unmatchable."""
        i = self.pos.get(node_id)
        if i is None:
            return
        self.matchable[i] = 0
        if self.is_actor(i) and self.names[i]:  # counted until now
            self.actor_count -= 1
            self._rarity.clear()
        # nothing of the person stays (the index may be written to a snapshot file); an
        # empty name also marks the slot as removed
        self.names[i] = ""
        self.sources.pop(i, None)
        for j in self.ties[i] or ():
            _remove(self.ties, j, i)
            self.touch(j)
        for g in self.groups[i] or ():
            self.members[g].pop(i, None)
            self.touch(g)
        for g in list(self.supporters):
            self.supporters[g].pop(i, None)
        self.helpers.pop(i, None)
        for body in self.supporters.pop(i, {}):  # a deleted group is helped no more
            self._helps(body, i, False)
        self.ties[i] = self.groups[i] = None
        self.touch(i)
        self.version += 1

    def remove_rel(self, rel: Relationship) -> None:
        """Forget one relationship (after the store deleted it)."""
        s, t = self.pos.get(rel.source), self.pos.get(rel.target)
        if s is None or t is None:
            return
        rtype = rel.type
        if rtype is R.KNOWS or rtype is R.PARTNERS_WITH:
            _remove(self.ties, s, t)
            _remove(self.ties, t, s)
            self.touch(s, t)
        elif rtype is R.MEMBER_OF:
            _remove(self.groups, s, t)
            self.members[t].pop(s, None)
            self.touch(s, t)
        elif rtype is R.HAS_SKILL or rtype is R.OFFERS:
            lst = self.skills[s]
            if lst is not None and t in lst:
                _remove(self.skills, s, t)
                self.skill_count[t] -= 1
                self._rarity.pop(t, None)
                for at in (self.skill_at.get((t, self.home[s])), self.skill_holders.get(t)):
                    if at is not None and s in at:
                        at.remove(s)
        elif rtype is R.INTERESTED_IN or rtype is R.ABOUT:
            _remove(self.themes, s, t)
            holders = self.theme_holders if rtype is R.INTERESTED_IN else self.about
            for at in (self.theme_at.get((t, self.home[s])), holders.get(t)):
                if at is not None and s in at:
                    at.remove(s)
        elif rtype is R.NEEDS:
            self.needs[s].pop(t, None)
        elif rtype is R.SUPPORTS:
            self.supporters[t].pop(s, None)
            self._helps(s, t, False)
        elif rtype is R.WORKS_FOR:
            self.employers[s].discard(t)
            self._set_roles(s)

    def remove(self, rels: Iterable[Relationship] = (), nodes: Iterable[str] = ()) -> None:
        """Keep the index current with a delete the store has acknowledged.

        ``rels`` must include every relationship of the deleted ``nodes``; a deleted
        node keeps its slot, unmatchable and hidden.
        """
        for rel in rels:
            self.remove_rel(rel)
        for node_id in nodes:
            i = self.pos.get(node_id)
            if i is not None:
                self.matchable[i] = self.public[i] = 0
                if not self.is_actor(i):
                    self.home[i] = -1
                for j in self.members.pop(i, {}):
                    _remove(self.groups, j, i)
                    self.touch(j)
                self.touch(i)
                self.needs.pop(i, None)
                for body in self.supporters.pop(i, {}):
                    self._helps(body, i, False)
        self.version += 1

    def apply(self, nodes: Iterable[Node] = (), rels: Iterable[Relationship] = ()) -> None:
        """Keep the index current with a write that the store has acknowledged."""
        for node in nodes:
            self.add_node(node)
        for rel in rels:
            self.add_rel(rel)
        self.version += 1

    # --- derived figures ---------------------------------------------------------------

    def rarity(self, skill: int) -> float:
        """Inverse document frequency of a skill: rarer skills count more."""
        r = self._rarity.get(skill)
        if r is None:
            n = self.skill_count.get(skill, 0)
            r = self._rarity[skill] = math.log((1 + self.actor_count) / (1 + n)) + 1.0
        return r

    def english(self, i: int) -> str:
        """English label of a skill, theme or instrument (the Dutch one otherwise)."""
        return self.names_en.get(i, self.names[i])


async def build_index(items: AsyncIterable[Node | Relationship]) -> MatchIndex:
    """Build an index from a store's ``stream()`` (all nodes, then all relationships)."""
    index = MatchIndex()
    async for item in items:
        if isinstance(item, Relationship):
            index.add_rel(item)
        else:
            index.add_node(item)
    index.compact()
    index.social()  # copied now, so that the first suggestion does not wait for it
    return index


def build_index_sync(nodes: Iterable[Node], rels: Iterable[Relationship]) -> MatchIndex:
    """The same as :func:`build_index`, from plain iterables (tests, evaluation)."""
    index = MatchIndex()
    index.apply(nodes, rels)
    index.compact()
    return index


_NOT_IN_SNAPSHOT = frozenset({"ranker", "_memo", "_memo_version"})


def snapshot_state(index: MatchIndex) -> dict[str, Any]:
    """Everything of ``index`` but its ranker and caches, as picklable data."""
    index.compact(unless_small=True)
    return {k: v for k, v in vars(index).items() if k not in _NOT_IN_SNAPSHOT}


def from_snapshot(state: object) -> MatchIndex | None:
    """The index that :func:`snapshot_state` gave ``state`` of (without a ranker), or
    None when ``state`` is not the state of an index of this code."""
    fresh = MatchIndex()
    if not isinstance(state, dict) or set(state) != set(snapshot_state(fresh)):
        return None
    vars(fresh).update(state)
    if fresh._social is not None:
        fresh._social.index = fresh
    return fresh


def snapshot_code() -> str:
    """The fingerprint an index snapshot must carry to be read by this code."""
    from graph import model, snapshot
    from matching import lists, social

    return snapshot.fingerprint(__file__, social.__file__, model.__file__, lists.__file__)
