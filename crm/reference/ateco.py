"""ATECO codes (ISTAT's classification of economic activities) through the ``ateco`` package.

New data uses ATECO 2025, the edition in administrative filings since April 2025; a code typed from an
older chamber-of-commerce extract (ATECO 2007, 2022 update) is mapped to its 2025 equivalent.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ateco

EDITION = "2025"


@dataclass(frozen=True, slots=True)
class AtecoSection:
    letter: str
    title_it: str
    title_en: str


@cache
def sections() -> tuple[AtecoSection, ...]:
    path = resources.files("crm").joinpath("data", "ateco_sections.csv")
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(
            AtecoSection(r["section"], r["ateco2025_it"], r["ateco2025_en"])
            for r in csv.DictReader(f)
        )


def section_title(letter: str | None, locale: str = "it") -> str:
    for section in sections():
        if section.letter == letter:
            return section.title_en if locale == "en" else section.title_it
    return letter or ""


def section_choices(locale: str = "it") -> list[tuple[str, str]]:
    return [(s.letter, f"{s.letter} – {section_title(s.letter, locale)}") for s in sections()]


_CODE_SHAPE = re.compile(r"^\d{2}(\.?\d{1,2}){0,2}$")


def normalise_code(raw: str) -> str | None:
    """The dotted 2025 code for ``raw`` (``6201``, ``62.01``, ``62.01.00`` …), or None if unknown."""
    code = raw.strip().replace(" ", "")
    if not _CODE_SHAPE.match(code):
        return None
    if "." not in code and len(code) > 2:
        code = ateco.compact_to_dotted(code) or code
    node = ateco.lookup(code, edition=EDITION)
    if node is not None:
        return node.code
    if ateco.lookup(code, edition="2022") is None:
        return None
    # ISTAT's 2022 -> 2025 correspondence; where a code split, the first target is the main one.
    mapped = ateco.map_code(code, "2022", EDITION)
    targets = getattr(mapped, "targets", None) or getattr(mapped, "codes", None) or []
    for target in targets:
        if ateco.lookup(target, edition=EDITION) is not None:
            return str(target)
    return None


def section_of(code: str) -> str | None:
    """The section letter a (normalised) 2025 code belongs to."""
    node = ateco.lookup(code, edition=EDITION)
    while node is not None and node.level != "section":
        node = ateco.lookup(node.parent, edition=EDITION) if node.parent else None
    return node.code if node is not None else None
