"""Postcodes to places: which CBS wijken a 4-digit postcode (PC4) lies in.

The table is curated reference data (``seed_data/reference/postcodes.csv``, see the
README there): for the five focus gemeenten, each PC4 with the wijken that cover a fair
share of its area, largest share first. A 6-character postcode ("2532 AB") is looked up
by its PC4.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from seed_data.reference import default_folder

POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})?\s*$")
"""A Dutch postcode as people type it: "2532", "2532AB", "2532 ab"."""

FILE = "postcodes.csv"


def pc4(text: str) -> str | None:
    """The 4 digits of a typed postcode, or None when ``text`` is no postcode."""
    found = POSTCODE.match(text)
    return found.group(1) if found else None


@functools.cache
def postcode_table(folder: Path | None = None) -> dict[str, tuple[str, ...]]:
    """PC4 -> place codes (largest share of the PC4's area first)."""
    path = (folder or default_folder()) / FILE
    shares: dict[str, list[tuple[float, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            code, place, share = row["postcode"], row["place_code"], row["share"]
            if not re.fullmatch(r"\d{4}", code) or not place:
                raise ValueError(f"{path}:{line}: bad postcode row {row!r}")
            shares.setdefault(code, []).append((float(share), place))
    return {
        code: tuple(place for _, place in sorted(found, key=lambda s: (-s[0], s[1])))
        for code, found in shares.items()
    }


def places_for_postcode(text: str) -> tuple[str, ...] | None:
    """The place codes for a typed postcode; () for a postcode we do not know; None
    when ``text`` is not a postcode at all."""
    digits = pc4(text)
    if digits is None:
        return None
    return postcode_table().get(digits, ())
