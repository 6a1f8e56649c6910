"""The word index answers exactly what scanning every text with ``text_matches`` does."""

from __future__ import annotations

import random

from graph.model import text_matches
from graph.text_index import TextIndex, build

WORDS = ["zorg", "mantelzorg", "energie", "buurt", "tuin", "buurttuin", "de", "één", "Straße"]


def _texts(rng: random.Random, n: int) -> dict[str, str]:
    return {
        f"n{i}": " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 5))).casefold()
        for i in range(n)
    }


def _scan(texts: dict[str, str], query: str) -> set[str]:
    return {nid for nid, text in texts.items() if text_matches(text, query)}


def _answer(index: TextIndex, texts: dict[str, str], query: str) -> set[str]:
    found = index.candidates(query)
    pool = texts if found is None else found
    return {nid for nid in pool if text_matches(texts[nid], query)}


QUERIES = ["zorg", "ZORG tuin", "uurt", "ergie zorg", "d", "de", "één", "strasse", "xyz", "  "]


def test_index_matches_a_scan_after_building_and_after_writes() -> None:
    rng = random.Random(7)
    texts = _texts(rng, 300)
    index = build(texts.items())
    for query in QUERIES:
        assert _answer(index, texts, query) == _scan(texts, query), query
    for _ in range(200):  # rename, add, remove at random
        nid = f"n{rng.randrange(400)}"
        if nid in texts:
            index.remove(nid, texts.pop(nid))
        if rng.random() < 0.7:
            texts[nid] = " ".join(rng.choice(WORDS) for _ in range(3)).casefold()
            index.add(nid, texts[nid])
    for query in QUERIES:
        assert _answer(index, texts, query) == _scan(texts, query), query
    fresh = build(texts.items())
    assert index.postings == fresh.postings


def test_candidates_are_none_when_no_word_is_looked_up() -> None:
    index = build([("a", "mantelzorg")])
    assert index.candidates("z") is None
    assert index.candidates("elz") == {"a"}
    assert index.candidates("elz q") == {"a"}
    assert index.candidates("elzx") == set()
