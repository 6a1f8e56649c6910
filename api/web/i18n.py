"""Dutch and English strings of the web app, from per-area catalogues.

Each area (a part of the app one helper owns) has ``messages/<area>.toml``; every key
starts with ``<area>.`` and holds both languages::

    "common.nav.map" = { nl = "Kaart", en = "Map" }

``same = true`` marks an entry that is meant to read the same in both (a name, "E-mail").
Placeholders are ``{name}``, filled by :meth:`Catalogue.text`. The language of a request
is the ``lang`` cookie the toggle sets (``?lang=`` for one request), Dutch by default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"
COOKIE = "lang"
MESSAGES = Path(__file__).parent / "messages"


@dataclass(frozen=True, slots=True)
class Entry:
    nl: str
    en: str
    same: bool = False  # meant to read the same in both languages

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class CatalogueError(ValueError):
    """A catalogue file breaks the rules above (raised at load, so start-up fails loudly)."""


class Catalogue:
    """All entries of all areas, by key."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = dict(entries)

    @classmethod
    def load(cls, folder: Path = MESSAGES) -> Catalogue:
        entries: dict[str, Entry] = {}
        for file in sorted(folder.glob("*.toml")):
            area = file.stem
            with file.open("rb") as fh:
                data = tomllib.load(fh)
            for key, value in data.items():
                where = f"{file.name}: {key!r}"
                if not key.startswith(f"{area}."):
                    raise CatalogueError(f"{where}: keys in {file.name} start with '{area}.'")
                if key in entries:
                    raise CatalogueError(f"{where}: defined twice")
                entries[key] = _entry(value, where)
        return cls(entries)

    def text(self, lang: str, key: str, **values: Any) -> str:
        """The entry in ``lang`` with ``{placeholders}`` filled; a missing key raises."""
        try:
            found = self.entries[key].get(lang)
        except KeyError:
            raise KeyError(f"no message {key!r} in api/web/messages/") from None
        return found.format(**values) if values else found

    def has(self, key: str) -> bool:
        return key in self.entries


def _entry(value: Any, where: str) -> Entry:
    if not isinstance(value, dict):
        raise CatalogueError(f'{where}: write {{ nl = "...", en = "..." }}')
    unknown = set(value) - {"nl", "en", "same"}
    if unknown:
        raise CatalogueError(f"{where}: unknown fields {sorted(unknown)}")
    nl, en, same = value.get("nl"), value.get("en"), value.get("same", False)
    if not (isinstance(nl, str) and nl.strip() and isinstance(en, str) and en.strip()):
        raise CatalogueError(f"{where}: needs both nl and en, not empty")
    if not isinstance(same, bool):
        raise CatalogueError(f"{where}: same is true or false")
    return Entry(nl=nl, en=en, same=same)


@cache
def catalogue() -> Catalogue:
    """The catalogues shipped with wijknet (loaded once)."""
    return Catalogue.load()


def lang_of(request: Request) -> str:
    """``?lang=`` for this request, else the ``lang`` cookie, else Dutch."""
    for found in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if found in LANGS:
            return found
    return DEFAULT_LANG


def translator(lang: str) -> Any:
    """``t("key", **values)`` in ``lang`` (what templates call)."""
    cat = catalogue()

    def t(key: str, **values: Any) -> str:
        return cat.text(lang, key, **values)

    return t
