"""Every Cypher statement :mod:`graph.neo4j_store` runs, as constants.

Values only ever travel as ``$parameters``. Labels and relationship types are
spelled out below as literals (an allow-list checked against
:class:`~graph.model.NodeKind` and :class:`~graph.model.RelType` at import);
where a statement depends on a kind or type, the store picks a prebuilt
statement from a dict keyed by the enum.

Every node carries the label ``:Node`` plus its kind's label (``:Node:Resident``)
and the properties of :func:`graph.model.node_props` plus ``id``, ``kind`` and
``search_text``: :func:`graph.model.search_text` of the node, case-folded by
Python, so the ``text`` filter means exactly what it means in the embedded store
(Cypher's ``toLower`` differs from ``casefold``, e.g. for "ß").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final, LiteralString

from graph.model import REL_RULES, NodeKind, RelType
from graph.store import (
    ACTOR_SKILL_TYPES,
    ACTOR_THEME_TYPES,
    INITIATIVE_SKILL_TYPES,
    INITIATIVE_THEME_TYPES,
    LOCATION_TYPES,
)

# --- the allow-list -------------------------------------------------------------

LABELS: Final[Mapping[NodeKind, LiteralString]] = {
    NodeKind.RESIDENT: "Resident",
    NodeKind.FREELANCER: "Freelancer",
    NodeKind.PROFESSIONAL: "Professional",
    NodeKind.ENTERPRISE: "Enterprise",
    NodeKind.ORGANISATION: "Organisation",
    NodeKind.MUNICIPALITY: "Municipality",
    NodeKind.INITIATIVE: "Initiative",
    NodeKind.PLACE: "Place",
    NodeKind.SKILL: "Skill",
    NodeKind.THEME: "Theme",
    NodeKind.INSTRUMENT: "Instrument",
    NodeKind.EVENT: "Event",
}
REL_TYPES: Final[Mapping[RelType, LiteralString]] = {
    RelType.LIVES_IN: "LIVES_IN",
    RelType.LOCATED_IN: "LOCATED_IN",
    RelType.PART_OF: "PART_OF",
    RelType.ADJACENT_TO: "ADJACENT_TO",
    RelType.HAS_SKILL: "HAS_SKILL",
    RelType.OFFERS: "OFFERS",
    RelType.INTERESTED_IN: "INTERESTED_IN",
    RelType.MEMBER_OF: "MEMBER_OF",
    RelType.WORKS_FOR: "WORKS_FOR",
    RelType.KNOWS: "KNOWS",
    RelType.PARTNERS_WITH: "PARTNERS_WITH",
    RelType.SUPPORTS: "SUPPORTS",
    RelType.NEEDS: "NEEDS",
    RelType.ABOUT: "ABOUT",
    RelType.USES: "USES",
    RelType.ORGANISES: "ORGANISES",
    RelType.INVITED_TO: "INVITED_TO",
    RelType.REQUESTS: "REQUESTS",
    RelType.INVITES: "INVITES",
}
if {k: k.value for k in NodeKind} != LABELS or {t: t.value for t in RelType} != REL_TYPES:
    raise RuntimeError("graph.cypher's allow-list no longer matches NodeKind / RelType")


def _any_of(types: Iterable[RelType]) -> LiteralString:
    """``A|B|C`` for a relationship pattern, from the allow-list."""
    return "|".join(REL_TYPES[t] for t in types)


# --- schema (idempotent) ---------------------------------------------------------

#: The uniqueness constraint also serves every lookup by id. ``list_nodes`` matches text
#: with ``CONTAINS`` on ``search_text`` (its TEXT index narrows by trigram); the FULLTEXT
#: index on name and description is there for ranked search, which the port has not yet.
SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT wijknet_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX wijknet_node_kind_id IF NOT EXISTS FOR (n:Node) ON (n.kind, n.id)",
    "CREATE INDEX wijknet_place_id IF NOT EXISTS FOR (n:Place) ON (n.id)",
    "CREATE CONSTRAINT wijknet_change_seq IF NOT EXISTS "
    "FOR (c:WijknetChange) REQUIRE c.seq IS UNIQUE",
    "CREATE CONSTRAINT wijknet_clock_id IF NOT EXISTS FOR (c:WijknetClock) REQUIRE c.id IS UNIQUE",
)
#: The text indexes cost more per written node than anything else; an import into an empty
#: database drops them and builds them once at the end (population is a bulk job).
SEARCH_INDEXES: Final[tuple[LiteralString, ...]] = (
    "CREATE TEXT INDEX wijknet_node_search IF NOT EXISTS FOR (n:Node) ON (n.search_text)",
    "CREATE FULLTEXT INDEX wijknet_node_fulltext IF NOT EXISTS "
    "FOR (n:Node) ON EACH [n.name, n.description]",
)
DROP_SEARCH_INDEXES: Final[tuple[LiteralString, ...]] = (
    "DROP INDEX wijknet_node_search IF EXISTS",
    "DROP INDEX wijknet_node_fulltext IF EXISTS",
)
#: Whether any node is stored (from the count store).
ANY_NODE: Final = "MATCH (n:Node) RETURN count(n) > 0 AS any"
AWAIT_INDEXES: Final = "CALL db.awaitIndexes($seconds)"

# --- reads by id -------------------------------------------------------------------

# Results come back as one list per query or per id, not a record per row: the
# driver spends far more on a record than on a list item. A lookup by id names the
# uniqueness constraint's index (USING INDEX): planned from the statistics of an empty or
# half-filled database (a bulk import replans them as it goes), the planner may otherwise scan
# the (kind, id) index with a filter, once per row.

#: A node as ``[id, kind, properties]``, without the derived search text.
_NODE: Final = "[n.id, n.kind, n {.*, search_text: null}]"

GET_NODES: Final = (
    "UNWIND $ids AS id MATCH (n:Node {id: id}) USING INDEX n:Node(id) "
    "RETURN collect(" + _NODE + ") AS nodes"
)
NODE_KINDS: Final = (
    "UNWIND $ids AS id MATCH (n:Node {id: id}) USING INDEX n:Node(id) "
    "RETURN n.id AS id, n.kind AS kind"
)
EXISTING_RELS: Final = """
UNWIND $rels AS rel
MATCH (a:Node {id: rel.source})-[r]->(:Node {id: rel.target}) USING INDEX a:Node(id)
WHERE type(r) = rel.type
RETURN rel.type AS type, rel.source AS source, rel.target AS target
"""

#: Per id: ``[type, outgoing, relationship properties, other id, other kind, other properties]``.
NEIGHBOURS: Final = """
UNWIND $ids AS id
MATCH (n:Node {id: id})-[r]-(m:Node) USING INDEX n:Node(id)
WHERE ($types IS NULL OR type(r) IN $types)
  AND (type(r) IN $symmetric OR (startNode(r) = n AND $out) OR (endNode(r) = n AND $in))
RETURN id, collect([type(r), startNode(r) = n, properties(r), m.id, m.kind,
                    m {.*, search_text: null}]) AS found
"""

# --- shortest path -------------------------------------------------------------------

#: One breadth-first step, ignoring direction: each frontier node and its neighbours.
EXPAND: Final = """
UNWIND $ids AS id
MATCH (s:Node {id: id})-[r]-(m:Node) USING INDEX s:Node(id)
WHERE ($types IS NULL OR type(r) IN $types)
  AND ($sight_vis IS NULL OR m.visibility IS NULL OR m.visibility IN $sight_vis
       OR m.id IN $sight_ids)
RETURN id AS node, collect(DISTINCT m.id) AS others
"""
#: Every relationship (of ``$types``) between each pair ``[a, b]``, either direction.
RELS_BETWEEN: Final = """
UNWIND $pairs AS pair
MATCH (a:Node {id: pair[0]})-[r]-(:Node {id: pair[1]}) USING INDEX a:Node(id)
WHERE $types IS NULL OR type(r) IN $types
RETURN pair[0] AS a, pair[1] AS b, type(r) AS type, startNode(r) = a AS outgoing,
       properties(r) AS props
"""

# --- list_nodes ------------------------------------------------------------------------


class Anchor(StrEnum):
    """Where ``list_nodes`` starts looking; the other filters are checked per node."""

    KINDS = "kinds"
    PLACE = "place"
    SKILL = "skill"
    THEME = "theme"
    TEXT = "text"


_SKILL_TYPES: Final = _any_of(dict.fromkeys((*ACTOR_SKILL_TYPES, *INITIATIVE_SKILL_TYPES)))
_THEME_TYPES: Final = _any_of(dict.fromkeys((*ACTOR_THEME_TYPES, *INITIATIVE_THEME_TYPES)))
_LOCATED: Final = _any_of(LOCATION_TYPES)
_PART_OF: Final = REL_TYPES[RelType.PART_OF]

# Each anchor ends in an open WHERE, so the filters can follow.
_ANCHORS: Final[Mapping[Anchor, LiteralString]] = {
    Anchor.KINDS: "MATCH (n:Node) WHERE ",
    # the planner does not guess that one word is selective; the store anchors here
    # only for words of three or more characters (what a trigram index serves well)
    Anchor.TEXT: (
        "MATCH (n:Node) USING TEXT INDEX n:Node(search_text) "
        "WHERE n.search_text CONTAINS $anchor AND "
    ),
    Anchor.PLACE: (
        "MATCH (:Node {id: $anchor})<-[:" + _PART_OF + "*0..]-(sub:Node) "
        "WITH DISTINCT sub "
        "MATCH (sub)<-[:" + _LOCATED + "]-(n:Node) "
        "WITH DISTINCT n WHERE "
    ),
    Anchor.SKILL: (
        "MATCH (:Node {id: $anchor})<-[r:" + _SKILL_TYPES + "]-(n:Node) "
        "WHERE type(r) IN $skill_types "
        "WITH DISTINCT n WHERE "
    ),
    Anchor.THEME: (
        "MATCH (:Node {id: $anchor})<-[r:" + _THEME_TYPES + "]-(n:Node) "
        "WHERE type(r) IN $theme_types "
        "WITH DISTINCT n WHERE "
    ),
}
# A filter whose parameter is null lets every node through.
_FILTERS: Final = (
    "n.kind IN $kinds "
    "AND ($visibility IS NULL OR n.visibility IN $visibility) "
    "AND ($sight_vis IS NULL OR n.visibility IS NULL OR n.visibility IN $sight_vis "
    "OR n.id IN $sight_ids) "
    "AND ($stage IS NULL OR n.stage = $stage) "
    "AND all(word IN $words WHERE n.search_text CONTAINS word) "
    "AND ($place IS NULL OR EXISTS { MATCH (n)-[:" + _LOCATED + "]->(:Node)"
    "-[:" + _PART_OF + "*0..]->(:Node {id: $place}) }) "
    "AND ($skill IS NULL OR EXISTS { MATCH (n)-[r:" + _SKILL_TYPES + "]->(:Node {id: $skill}) "
    "WHERE type(r) IN $skill_types }) "
    "AND ($theme IS NULL OR EXISTS { MATCH (n)-[r:" + _THEME_TYPES + "]->(:Node {id: $theme}) "
    "WHERE type(r) IN $theme_types }) "
)
_PAGE: Final = "AND n.id > $after WITH n ORDER BY n.id LIMIT $limit "

#: Without an anchor, each kind is read in index order (kind, id) up to the page size.
_PAGE_BY_KIND: Final = (
    "UNWIND $kinds AS kind "
    "WITH kind, COLLECT { "
    "MATCH (n:Node) WHERE n.kind = kind AND n.id > $after AND "
    + _FILTERS
    + "RETURN n ORDER BY n.kind, n.id LIMIT $limit } AS found "
    "UNWIND found AS n "
    "WITH n ORDER BY n.id LIMIT $limit "
)
#: The rows of a page, per anchor, up to the point where they are returned.
_PAGE_ROWS: Final[Mapping[Anchor, LiteralString]] = {
    a: _PAGE_BY_KIND if a is Anchor.KINDS else _ANCHORS[a] + _FILTERS + _PAGE for a in Anchor
}
LIST_PAGE: Final[Mapping[Anchor, LiteralString]] = {
    a: rows + "RETURN collect(" + _NODE + ") AS nodes" for a, rows in _PAGE_ROWS.items()
}
#: The page and the count in one statement (one round trip instead of two).
LIST_PAGE_COUNT: Final[Mapping[Anchor, LiteralString]] = {
    a: rows + "WITH collect(" + _NODE + ") AS nodes "
    "RETURN nodes, COUNT { " + _ANCHORS[a] + _FILTERS + "RETURN n } AS total"
    for a, rows in _PAGE_ROWS.items()
}

# --- stream, stats ------------------------------------------------------------------------

STREAM_NODES: Final = (
    "MATCH (n:Node) WHERE n.id > $after "
    "WITH n ORDER BY n.id LIMIT $limit RETURN collect(" + _NODE + ") AS nodes"
)
#: The next ``$limit`` nodes (by id), each as ``[id, [[type, target id, properties], ...]]``.
STREAM_RELS: Final = """
MATCH (a:Node) WHERE a.id > $after
WITH a ORDER BY a.id LIMIT $limit
RETURN collect([a.id, COLLECT { MATCH (a)-[r]->(b:Node) RETURN [type(r), b.id, properties(r)] }])
       AS nodes
"""

#: Nodes per kind, from the count store.
COUNT_KINDS: Final = " UNION ALL ".join(
    "MATCH (n:" + label + ") RETURN '" + label + "' AS kind, count(n) AS c"
    for label in LABELS.values()
)
#: One row per kind and per type, from the count store.
STATS: Final = " UNION ALL ".join(
    [
        *(
            "MATCH (n:" + label + ") RETURN 'node' AS what, '" + label + "' AS name, count(n) AS c"
            for label in LABELS.values()
        ),
        *(
            "MATCH ()-[r:" + rtype + "]->() RETURN 'rel' AS what, '" + rtype + "' AS name, "
            "count(r) AS c"
            for rtype in REL_TYPES.values()
        ),
    ]
)

# --- writes -----------------------------------------------------------------------------------


def _merge_nodes(label: LiteralString) -> LiteralString:
    # A node of another kind keeps its kind and is not written; the store sees written < rows.
    return (
        "UNWIND $rows AS row "
        "MERGE (n:Node {id: row.id}) ON CREATE SET n.kind = row.kind "
        "WITH n, row WHERE n.kind = row.kind "
        "SET n = row, n:" + label + " "
        "RETURN count(n) AS written"
    )


def _create_nodes(label: LiteralString) -> LiteralString:
    # The uniqueness constraint turns an existing id into a ConstraintError.
    return (
        "UNWIND $rows AS row CREATE (n:Node:" + label + ") SET n = row RETURN count(n) AS written"
    )


# A row is [source id, target id, properties]: lists pack faster than maps. An end that may
# be of one kind only is found by one seek in the (kind, id) index, which checks its kind on
# the way; an end of several kinds through the uniqueness constraint, its kind read after. The
# hints pin these plans: planned from the statistics of a database still being filled (every
# bulk import replans them), the planner may pick a scan of an index with a filter instead,
# which at 10,000 rows a statement cost an import several times the server's CPU.


def _match_end(
    var: LiteralString, row: LiteralString, kinds: LiteralString, one: bool
) -> LiteralString:
    if one:
        return (
            "MATCH (" + var + ":Node) USING INDEX " + var + ":Node(kind, id) "
            "WHERE " + var + ".kind IN " + kinds + " AND " + var + ".id = " + row + " "
        )
    return (
        "MATCH (" + var + ":Node {id: " + row + "}) USING INDEX " + var + ":Node(id) "
        "WHERE " + var + ".kind IN " + kinds + " "
    )


def _match_ends(rtype: RelType) -> LiteralString:
    rule = REL_RULES[rtype]
    return (
        "UNWIND $rows AS row "
        + _match_end("a", "row[0]", "$source_kinds", len(rule.sources) == 1)
        + _match_end("b", "row[1]", "$target_kinds", len(rule.targets) == 1)
    )


def _merge_rels(rtype: RelType) -> LiteralString:
    return (
        _match_ends(rtype) + "MERGE (a)-[r:" + REL_TYPES[rtype] + "]->(b) SET r = row[2] "
        "RETURN count(r) AS written, 0 AS existed"
    )


def _create_rels(rtype: RelType) -> LiteralString:
    # No relationship key constraints in Community: a relationship that exists after all
    # (a concurrent writer) is flagged, and the store rolls the transaction back.
    return (
        _match_ends(rtype) + "MERGE (a)-[r:" + REL_TYPES[rtype] + "]->(b) "
        "ON CREATE SET r = row[2] ON MATCH SET r.wijknet_existed = true "
        "RETURN count(r) AS written, count(r.wijknet_existed) AS existed"
    )


MERGE_NODES: Final[Mapping[NodeKind, LiteralString]] = {
    k: _merge_nodes(label) for k, label in LABELS.items()
}
CREATE_NODES: Final[Mapping[NodeKind, LiteralString]] = {
    k: _create_nodes(label) for k, label in LABELS.items()
}
MERGE_RELS: Final[Mapping[RelType, LiteralString]] = {t: _merge_rels(t) for t in REL_TYPES}
CREATE_RELS: Final[Mapping[RelType, LiteralString]] = {t: _create_rels(t) for t in REL_TYPES}

# --- bulk import -------------------------------------------------------------------------------
# New nodes of every kind in one statement, so a fresh server plans one query for them
# instead of one per kind (a plan costs up to a second on a cold, busy JVM); the label still
# comes from the allow-list: a FOREACH per entry applies only to the rows of its kind.
# Relationships go per type (MERGE_RELS): the same trick for them cost the server about ten
# times the CPU per row (MERGE inside FOREACH), far more than planning one query per type.

#: Nodes that do not exist yet (the store checked, in the same transaction); a row is the
#: node's properties with ``id``, ``kind`` and ``search_text``.
IMPORT_NEW_NODES: Final = (
    "UNWIND $rows AS row CREATE (n:Node) SET n = row "
    + " ".join(
        "FOREACH (_ IN CASE WHEN row.kind = '"
        + label
        + "' THEN [1] ELSE [] END | SET n:"
        + label
        + ")"
        for label in LABELS.values()
    )
    + " RETURN collect([n.id, elementId(n)]) AS made"
)


def _import_new_rels(rtype: RelType) -> LiteralString:
    # Only for relationships the import knows cannot exist yet (an end is a node it created).
    return (
        _match_ends(rtype) + "CREATE (a)-[r:" + REL_TYPES[rtype] + "]->(b) SET r = row[2] "
        "RETURN count(r) AS written, 0 AS existed"
    )


#: Relationships a bulk import just made an end of: created without looking for them.
IMPORT_NEW_RELS: Final[Mapping[RelType, LiteralString]] = {
    t: _import_new_rels(t) for t in REL_TYPES
}


def _import_inner_rels(rel_type: LiteralString) -> LiteralString:
    # Both ends are nodes the import created: a row is [source element id, target element
    # id, properties, source id, target id, type], the element ids without the $prefix they share
    # (see graph.neo4j_store._Created). A seek by element id reads the node's record
    # directly (a fifth of an import's server time went to index seeks for the ends); the
    # ids are read back, so an end deleted meanwhile (its record perhaps reused) is missed,
    # not mistaken. Their kinds the import checked itself: it made them. No label on the
    # ends: with one, a plan made from the statistics of an emptied database scanned the
    # label for every row (80 s of server CPU for 130,000 rows instead of 3).
    return (
        "UNWIND $rows AS row "
        "MATCH (a) WHERE elementId(a) = $prefix + row[0] "
        "MATCH (b) WHERE elementId(b) = $prefix + row[1] "
        "WITH a, b, row WHERE a.id = row[3] AND b.id = row[4] "
        "CREATE (a)-[r:" + rel_type + "]->(b) SET r = row[2] "
        "RETURN count(r) AS written, 0 AS existed"
    )


#: Relationships between two nodes the same bulk import created, by their element ids: every
#: type in one statement, each row's type a value (row[5], a RelType's; Neo4j 5.26 and later
#: take types from values). One plan instead of nineteen, so one to make and one for the
#: server's JIT to warm up: on a fresh test server, after four imports, 4.5 s of server CPU
#: an import instead of 5.5-5.8 s.
IMPORT_INNER_RELS: Final = _import_inner_rels("$(row[5])")
#: The same, one statement per type, for servers before 5.26.
IMPORT_INNER_RELS_BY_TYPE: Final[Mapping[RelType, LiteralString]] = {
    t: _import_inner_rels(REL_TYPES[t]) for t in REL_TYPES
}

# --- the change log ------------------------------------------------------------------------------
# Every write appends a (:WijknetChange) in its own transaction: the ids of the nodes and the
# keys of the relationships it touched, as ``packed``: zlib-compressed JSON
# ``[node ids, relationship types, sources, targets]`` (graph.neo4j_store.pack_change). As
# four lists of strings, a bulk import's entry (10,000 keys) cost the server more than a
# tenth of the batch's time to read and store; packed it is a few kilobytes. Entries written
# before hold the four lists as ``nodes``, ``rel_types``, ``rel_sources``, ``rel_targets``.
# Its number comes from one (:WijknetClock), whose write lock the transaction holds until it
# commits, so numbers follow commit order without gaps. Neither label is a :Node, so lists,
# stats and streams never see them.

LOG_CHANGE: Final = (
    "MERGE (c:WijknetClock {id: 'changes'}) ON CREATE SET c.seq = 0 "
    "SET c.locked = true "  # take the write lock before reading the number
    "WITH c SET c.seq = c.seq + 1 "
    "CREATE (:WijknetChange {seq: c.seq, at: timestamp(), packed: $packed})"
)
CHANGE_HEAD: Final = (
    "OPTIONAL MATCH (c:WijknetClock {id: 'changes'}) RETURN coalesce(c.seq, 0) AS seq"
)
#: ``[seq, packed, node ids, relationship types, sources, targets]`` per change, in order
#: (``packed`` or, in entries from before it, the four lists).
CHANGES: Final = (
    "MATCH (c:WijknetChange) WHERE c.seq > $after "
    "WITH c ORDER BY c.seq LIMIT $limit "
    "RETURN collect([c.seq, c.packed, c.nodes, c.rel_types, c.rel_sources, c.rel_targets]) "
    "AS changes"
)
#: Each stored relationship among the keys ``[type, source, target]``, with its properties.
RELS_BY_KEY: Final = (
    "UNWIND $keys AS k "
    "MATCH (s:Node {id: k[1]})-[r]->(:Node {id: k[2]}) USING INDEX s:Node(id) "
    "WHERE type(r) = k[0] "
    "RETURN collect([k[0], k[1], k[2], properties(r)]) AS rels"
)
#: Entries up to ``$upto`` (a reader that far behind sees the gap and reads everything again).
PRUNE_CHANGES: Final = (
    "MATCH (c:WijknetChange) WHERE c.seq <= $upto "
    "WITH c LIMIT 10000 DETACH DELETE c RETURN count(*) AS pruned"
)

NODE_KIND: Final = "MATCH (n:Node {id: $id}) USING INDEX n:Node(id) RETURN n.kind AS kind"
DELETE_NODE: Final = "MATCH (n:Node {id: $id}) DETACH DELETE n"
#: Relationships by key (``{type, source, target}``); what is gone already is skipped.
DELETE_RELS: Final = """
UNWIND $rels AS rel
MATCH (s:Node {id: rel.source})-[r]->(:Node {id: rel.target}) USING INDEX s:Node(id)
WHERE type(r) = rel.type
DELETE r
"""
DELETE_NODES: Final = "UNWIND $ids AS id MATCH (n:Node {id: id}) DETACH DELETE n"
