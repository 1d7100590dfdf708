"""Reference data for the Città Metropolitana di Firenze: comuni, their postal codes and coordinates.

The CSV files in ``crm/data`` are copied from the project's shared reference data; their sources and
caveats are in ``crm/data/SOURCES.md``. They are facts read once and kept in memory.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Comune:
    istat_code: str
    name: str
    province_code: str
    cadastral_code: str
    cap: str
    caps: tuple[str, ...]
    latitude: float
    longitude: float
    population: int


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: how names are compared and searched."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("'", " ").replace("’", " ").split())


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("crm").joinpath("data", name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def comuni() -> tuple[Comune, ...]:
    """The 41 comuni, in alphabetical order."""
    rows = _read_csv("comuni_firenze.csv")
    items = [
        Comune(
            istat_code=r["istat_code"],
            name=r["name"],
            province_code=r["province_code"],
            cadastral_code=r["cadastral_code"],
            cap=r["cap"],
            caps=tuple(r["caps"].split("|")),
            latitude=float(r["lat"]),
            longitude=float(r["lon"]),
            population=int(r["population"]),
        )
        for r in rows
    ]
    return tuple(sorted(items, key=lambda c: fold(c.name)))


@cache
def _by_code() -> dict[str, Comune]:
    return {c.istat_code: c for c in comuni()}


@cache
def _firenze_caps() -> frozenset[str]:
    return frozenset(r["cap"] for r in _read_csv("cap_firenze.csv"))


def comune_by_code(istat_code: str | None) -> Comune | None:
    if not istat_code:
        return None
    return _by_code().get(istat_code)


def comune_by_name(name: str) -> Comune | None:
    """Find a comune by its name, ignoring case, accents and apostrophes."""
    key = fold(name)
    return next((c for c in comuni() if fold(c.name) == key), None)


def comune_name(istat_code: str | None) -> str:
    comune = comune_by_code(istat_code)
    return comune.name if comune else (istat_code or "")


def caps_of(comune: Comune) -> frozenset[str]:
    """Every postal code accepted for the comune (Firenze has a range of its own)."""
    if comune.name == "Firenze":
        return _firenze_caps() | frozenset(comune.caps)
    return frozenset(comune.caps)


def cap_matches_comune(cap: str, comune: Comune) -> bool:
    return cap in caps_of(comune)


def comune_choices() -> list[tuple[str, str]]:
    return [(c.istat_code, c.name) for c in comuni()]
