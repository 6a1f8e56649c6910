"""What text wijknet accepts: one check for the API, the CSV import and every store.

No NUL or other control characters (a tab, line feed and carriage return only in
multi-line fields such as descriptions and notes), no lone surrogates (they cannot be
stored as UTF-8), and a length limit. Each refusal names the field.
"""

from __future__ import annotations

import re

from graph.errors import InvalidInput

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

MULTILINE = frozenset({"description", "note", "notes", "message"})
"""Fields that may hold tabs and line breaks."""


def check_text(value: str, field: str, *, limit: int, multiline: bool | None = None) -> None:
    """Raise :class:`InvalidInput` naming ``field`` when ``value`` is too long or holds a
    character that has no place in it (see the module docstring).

    >>> check_text("Buurthuis 't Hof", "name", limit=200)
    >>> check_text("a\\x00b", "name", limit=200)
    Traceback (most recent call last):
    graph.errors.InvalidInput: name: contains a control character (U+0000) at position 2
    """
    if len(value) > limit:
        raise InvalidInput(f"is too long ({len(value)} characters, at most {limit})", field=field)
    lines = field in MULTILINE if multiline is None else multiline
    found = (_CONTROL_BUT_LINES if lines else _ANY_CONTROL).search(value)
    if found is not None:
        char = found.group()
        what = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        raise InvalidInput(
            f"contains {what} (U+{ord(char):04X}) at position {found.start() + 1}", field=field
        )


_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def escape_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text instead of running it as a formula (OWASP
    CSV injection): a cell starting with ``= + - @``, a tab or a carriage return (or
    with apostrophes before one of those) gets one more apostrophe in front. A plain
    number such as ``-0.25`` stays a number.

    >>> escape_cell("=cmd|' /C calc'!A0"), escape_cell("'s-Gravenhage")
    ("'=cmd|' /C calc'!A0", "'s-Gravenhage")
    """
    return "'" + value if _FORMULA.match(value) and not _NUMBER.match(value) else value


def unescape_cell(value: str) -> str:
    """The inverse of :func:`escape_cell`, so that an export imports as the same graph.

    >>> unescape_cell("'=1+1"), unescape_cell("''=1"), unescape_cell("'t Hof")
    ('=1+1', "'=1", "'t Hof")
    """
    return value[1:] if _ESCAPED.match(value) else value
