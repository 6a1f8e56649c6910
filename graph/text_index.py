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
"""

from __future__ import annotations

from collections.abc import Iterable

from sortedcontainers import SortedList

MIN_WORD = 2
"""Shorter query words match nearly every node; they are checked by scanning instead."""


def tokens(text: str) -> set[str]:
    """The distinct tokens of an already case-folded search text.

    >>> sorted(tokens("mantelzorg morgenstond\\nvoor en door bewoners"))
    ['bewoners', 'door', 'en', 'mantelzorg', 'morgenstond', 'voor']
    """
    return set(text.split())


class TextIndex:
    """Token -> node ids, with a sorted suffix list of the tokens for substring lookups."""

    def __init__(self) -> None:
        self.postings: dict[str, set[str]] = {}
        self._suffixes: SortedList = SortedList()
        self._ends: dict[str, set[str]] = {}  # suffix -> tokens that end in it

    def add(self, node_id: str, text: str) -> None:
        """Index ``node_id`` under the tokens of ``text`` (case-folded search text)."""
        for token in tokens(text):
            ids = self.postings.get(token)
            if ids is None:
                self.postings[token] = {node_id}
                self._add_token(token)
            else:
                ids.add(node_id)

    def remove(self, node_id: str, text: str) -> None:
        """Forget ``node_id`` under the tokens of ``text`` (the text it was added with)."""
        for token in tokens(text):
            ids = self.postings.get(token)
            if ids is None:
                continue
            ids.discard(node_id)
            if not ids:
                del self.postings[token]
                self._drop_token(token)

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


def build(items: Iterable[tuple[str, str]]) -> TextIndex:
    """An index of ``(node id, case-folded search text)`` pairs, built in bulk."""
    index = TextIndex()
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
