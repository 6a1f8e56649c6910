"""The message catalogues: every key in both languages, the two differ unless meant to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.web.i18n import Catalogue, CatalogueError, catalogue

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_key_has_dutch_and_english_that_differ_where_they_should() -> None:
    cat = catalogue()
    assert len(cat.entries) > 50
    for key, entry in cat.entries.items():
        assert entry.nl.strip() and entry.en.strip(), key
        if entry.same:
            assert entry.nl == entry.en, f"{key} is marked same but differs"
        else:
            assert entry.nl != entry.en, f"{key}: Dutch and English are the same; mark same = true?"
        # both languages fill the same placeholders
        assert set(PLACEHOLDER.findall(entry.nl)) == set(PLACEHOLDER.findall(entry.en)), key


def test_keys_start_with_their_area(tmp_path: Path) -> None:
    (tmp_path / "profile.toml").write_text('"search.x" = { nl = "a", en = "b" }\n')
    with pytest.raises(CatalogueError, match=r"start with 'profile\.'"):
        Catalogue.load(tmp_path)


def test_an_entry_without_english_fails_to_load(tmp_path: Path) -> None:
    (tmp_path / "profile.toml").write_text('"profile.x" = { nl = "alleen Nederlands" }\n')
    with pytest.raises(CatalogueError, match="needs both nl and en"):
        Catalogue.load(tmp_path)


def test_text_fills_placeholders_and_a_missing_key_raises() -> None:
    cat = catalogue()
    assert cat.text("en", "widgets.unknown_term", names="x") == (
        "Unknown: x. Pick a name from the list."
    )
    with pytest.raises(KeyError, match="no message"):
        cat.text("nl", "common.no-such-key")
