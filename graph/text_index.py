"""A word index for the ``text`` filter of the embedded store.

The filter keeps a node when every word of the query occurs *somewhere* in the node's
case-folded search text (``"zorg"`` finds "Mantelzorg Morgenstond"). A query word holds
no whitespace, so where it occurs it lies inside one whitespace-separated token of the
text: a node matches a word exactly when one of its tokens contains the word. The index
keeps

* for every token, the nodes whose text holds it (``postings``);
* every suffix of every token, sorted, with the tokens that end in it: the tokens that
  contain a word are those with a suffix that *starts* with it, one range of the sorted
  suffixes (a suffix array over the vocabulary, which is small: names and words, not
  nodes).

So a query costs a bisection per word plus the nodes that match, never a scan of every
node. The index is kept up to date by the store on every write.

A common word ("de", "an") is in thousands of tokens and a third of all nodes: finding
its tokens and joining their postings costs tens of milliseconds. :meth:`TextIndex.parts`
answers a word with its nodes split by a key the store chooses (kind and visibility), so
the store takes only the parts a viewer may see, with set operations in C and no check
per node; a word with at least :data:`HOT` nodes keeps its parts for the next query
(at most :data:`HOT_BUDGET` ids in all, least recently asked first out), and every write
after keeps them up to date.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet

from sortedcontainers import SortedList

MIN_WORD = 2
"""Shorter query words match nearly every node; they are checked by scanning instead."""
HOT = 2_000
"""A word with at least this many nodes keeps its parts for the next query."""
HOT_BUDGET = 1_000_000
"""At most this many ids are kept in the parts of hot words, all words together."""

Parts = Mapping[Hashable, AbstractSet[str]]
"""Node ids by key (for the store: kind and visibility); read-only for the caller."""


def _no_key(node_id: str) -> Hashable:
    return None


def tokens(text: str) -> set[str]:
    """The distinct tokens of an already case-folded search text.

    >>> sorted(tokens("mantelzorg morgenstond\\nvoor en door bewoners"))
    ['bewoners', 'door', 'en', 'mantelzorg', 'morgenstond', 'voor']
    """
    return set(text.split())


class TextIndex:
    """Token -> node ids, with a sorted suffix list of the tokens for substring lookups."""

    def __init__(self, key_of: Callable[[str], Hashable] = _no_key) -> None:
        """``key_of(node_id)`` is the part a node's id goes in (read when it is added)."""
        self.postings: dict[str, set[str]] = {}
        self._suffixes: SortedList = SortedList()
        self._ends: dict[str, set[str]] = {}  # suffix -> tokens that end in it
        self._key_of = key_of
        self._hot: OrderedDict[str, dict[Hashable, set[str]]] = OrderedDict()
        self._hot_size = 0

    def add(self, node_id: str, text: str) -> None:
        """Index ``node_id`` under the tokens of ``text`` (case-folded search text)."""
        found = tokens(text)
        for token in found:
            ids = self.postings.get(token)
            if ids is None:
                self.postings[token] = {node_id}
                self._add_token(token)
            else:
                ids.add(node_id)
        if self._hot:
            key = self._key_of(node_id)
            for word, parts in self._hot.items():
                if any(word in token for token in found):
                    part = parts.setdefault(key, set())
                    if node_id not in part:
                        part.add(node_id)
                        self._hot_size += 1

    def remove(self, node_id: str, text: str) -> None:
        """Forget ``node_id`` under the tokens of ``text`` (the text it was added with)."""
        found = tokens(text)
        for token in found:
            ids = self.postings.get(token)
            if ids is None:
                continue
            ids.discard(node_id)
            if not ids:
                del self.postings[token]
                self._drop_token(token)
        for word, parts in self._hot.items():
            if any(word in token for token in found):
                for part in parts.values():  # (its key may have changed since it was added)
                    if node_id in part:
                        part.discard(node_id)
                        self._hot_size -= 1

    def _add_token(self, token: str) -> None:
        for i in range(len(token)):
            suffix = token[i:]
            ends = self._ends.get(suffix)
            if ends is None:
                self._ends[suffix] = {token}
                self._suffixes.add(suffix)
            else:
                ends.add(token)

    def _drop_token(self, token: str) -> None:
        for i in range(len(token)):
            suffix = token[i:]
            ends = self._ends.get(suffix)
            if ends is None:
                continue
            ends.discard(token)
            if not ends:
                del self._ends[suffix]
                self._suffixes.remove(suffix)

    def containing(self, word: str) -> set[str]:
        """The tokens that contain ``word`` (case-folded, no whitespace)."""
        found: set[str] = set()
        for suffix in self._suffixes.irange(minimum=word):
            if not suffix.startswith(word):
                break
            found |= self._ends[suffix]
        return found

    def nodes_with(self, word: str) -> set[str]:
        """The ids of nodes whose text contains ``word``."""
        matched = self.containing(word)
        if len(matched) == 1:
            return set(self.postings[next(iter(matched))])
        out: set[str] = set()
        for token in matched:
            out |= self.postings[token]
        return out

    def parts(self, word: str) -> Parts:
        """The ids of nodes whose text contains ``word``, by key; kept for the next query
        when they are many (see :data:`HOT`). Exact for a word of :data:`MIN_WORD` or more
        characters."""
        kept = self._hot.get(word)
        if kept is not None:
            self._hot.move_to_end(word)
            return kept
        parts: dict[Hashable, set[str]] = {}
        key_of = self._key_of
        ids = self.nodes_with(word)
        for node_id in ids:
            key = key_of(node_id)
            part = parts.get(key)
            if part is None:
                parts[key] = {node_id}
            else:
                part.add(node_id)
        if HOT <= len(ids) <= HOT_BUDGET:
            self._hot[word] = parts
            self._hot_size += len(ids)
            while self._hot_size > HOT_BUDGET:
                _, dropped = self._hot.popitem(last=False)
                self._hot_size -= sum(len(part) for part in dropped.values())
        return parts

    def exact(self, query: str) -> list[str] | None:
        """The distinct words of ``query`` when the index answers it exactly (every word
        has :data:`MIN_WORD` characters or more), else None."""
        words = list(dict.fromkeys(query.casefold().split()))
        return words if all(len(w) >= MIN_WORD for w in words) else None

    def candidates(self, query: str) -> set[str] | None:
        """Nodes that may match every word of ``query``: a superset of the matches (words
        shorter than :data:`MIN_WORD` are not looked up), or None when no word was
        looked up and every node is a candidate. Rarest word first, so the sets shrink
        early."""
        words = sorted(
            {w for w in query.casefold().split() if len(w) >= MIN_WORD}, key=len, reverse=True
        )
        found: set[str] | None = None
        for word in words:
            ids = self.nodes_with(word)
            found = ids if found is None else found & ids
            if not found:
                return found
        return found


def build(
    items: Iterable[tuple[str, str]], key_of: Callable[[str], Hashable] = _no_key
) -> TextIndex:
    """An index of ``(node id, case-folded search text)`` pairs, built in bulk."""
    index = TextIndex(key_of)
    postings = index.postings
    for node_id, text in items:
        for token in tokens(text):
            ids = postings.get(token)
            if ids is None:
                postings[token] = {node_id}
            else:
                ids.add(node_id)
    ends = index._ends
    for token in postings:
        for i in range(len(token)):
            suffix = token[i:]
            found = ends.get(suffix)
            if found is None:
                ends[suffix] = {token}
            else:
                found.add(token)
    index._suffixes.update(ends)
    return index
