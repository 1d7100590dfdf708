"""A reproducible, fictional Florence dataset as plain rows: no Flask, no database.

``generate(seed, scale, today)`` returns the rows of every table the demo fills, with explicit ids
so that rows can refer to each other and be bulk-inserted as they are. The same seed, scale and
``today`` always give the same rows; dates are relative to ``today`` so the demo always looks current.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from types import SimpleNamespace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from stdnum import luhn

from crm.auth.models import Role
from crm.contacts.models import PreferredChannel
from crm.demo import vocabulary as voc
from crm.demo.partnership import PARTNERSHIP_ACCOUNTS
from crm.followups.models import FollowUpStatus
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus
from crm.organizations.models import GeoPrecision, OrganizationKind, OrganizationStatus
from crm.organizations.search import build_search_text
from crm.reference.ateco import section_of
from crm.reference.places import Comune, comune_by_name, comuni, fold

T = TypeVar("T")

DEFAULT_SEED = 2025
DEFAULT_SCALE = 400
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the demo accounts
DEMO_URL = "http://127.0.0.1:5000"
HISTORY_DAYS = 548  # 18 months of interactions
OFFICE_ID = 1
ROME = ZoneInfo("Europe/Rome")
PROVINCE_OFFICE = "048"  # the Partita IVA's province office code for Firenze


@dataclass(frozen=True, slots=True)
class DemoAccount:
    id: int
    email: str
    full_name: str
    role: Role


DEMO_ACCOUNTS: tuple[Any, ...] = (
    DemoAccount(1, "admin@demo.local", "Marta Innocenti", Role.ADMIN),
    DemoAccount(2, "coordinatore@demo.local", "Lorenzo Cecconi", Role.COORDINATOR),
    DemoAccount(3, "operatore1@demo.local", "Sara Bellucci", Role.OPERATOR),
    DemoAccount(4, "operatore2@demo.local", "Matteo Brandini", Role.OPERATOR),
    DemoAccount(5, "operatore3@demo.local", "Chiara Pieralli", Role.OPERATOR),
    *PARTNERSHIP_ACCOUNTS,  # social workers of two referring offices (crm.demo.partnership)
)
OPERATOR_IDS = tuple(a.id for a in DEMO_ACCOUNTS if a.role is Role.OPERATOR)
COORDINATOR_ID = 2

#: Share of each kind of organization: about 60 of 400 are social cooperatives, more type B than A.
KIND_SHARES: tuple[tuple[OrganizationKind, float], ...] = (
    (OrganizationKind.COOP_B, 0.09),
    (OrganizationKind.COOP_A, 0.06),
    (OrganizationKind.THIRD_SECTOR, 0.035),
    (OrganizationKind.PUBLIC_BODY, 0.015),
)

ACTIVITIES: dict[OrganizationKind, tuple[voc.Activity, ...]] = {
    OrganizationKind.COMPANY: voc.COMPANY_ACTIVITIES,
    OrganizationKind.COOP_B: voc.COOP_B_ACTIVITIES,
    OrganizationKind.COOP_A: voc.COOP_A_ACTIVITIES,
    OrganizationKind.THIRD_SECTOR: voc.THIRD_SECTOR_ACTIVITIES,
    OrganizationKind.PUBLIC_BODY: voc.PUBLIC_ACTIVITIES,
}

STATUS_WEIGHTS: dict[OrganizationKind, tuple[float, ...]] = {
    # prospect, contacted, active partner, dormant, do not contact
    OrganizationKind.COMPANY: (46, 24, 14, 11, 5),
    OrganizationKind.COOP_B: (25, 25, 38, 10, 2),
    OrganizationKind.COOP_A: (35, 25, 28, 10, 2),
    OrganizationKind.THIRD_SECTOR: (40, 25, 25, 10, 0),
    OrganizationKind.PUBLIC_BODY: (30, 30, 30, 10, 0),
}
STATUSES = (
    OrganizationStatus.PROSPECT,
    OrganizationStatus.CONTACTED,
    OrganizationStatus.ACTIVE_PARTNER,
    OrganizationStatus.DORMANT,
    OrganizationStatus.DO_NOT_CONTACT,
)

PUBLIC_AREAS = (
    "Mugello",
    "Valdarno Fiorentino",
    "Empolese Valdelsa",
    "Chianti Fiorentino",
    "Val di Sieve",
    "Area Fiorentina Nord-Ovest",
    "Piana Fiorentina",
    "Colline del Chianti",
)

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MORNING, _AFTERNOON = ["09:00", "13:00"], ["14:30", "18:00"]
#: Typical Italian opening hours per kind of business.
_HOURS: dict[str, tuple[dict[str, list[list[str]]], ...]] = {
    "office": (
        {d: [_MORNING, _AFTERNOON] for d in _WEEKDAYS[:5]},
        {d: [["08:30", "12:30"], ["14:00", "17:30"]] for d in _WEEKDAYS[:5]},
        {d: [["09:00", "17:00"]] for d in _WEEKDAYS[:5]},
    ),
    "factory": (
        {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in _WEEKDAYS[:5]},
        {d: [["07:30", "12:30"], ["13:30", "16:30"]] for d in _WEEKDAYS[:5]},
        {**{d: [["08:00", "12:30"], ["14:00", "18:00"]] for d in _WEEKDAYS[:5]}, "sat": [["08:00", "12:00"]]},
    ),
    "shop": (
        {**{d: [["09:30", "13:00"], ["15:30", "19:30"]] for d in _WEEKDAYS[:5]}, "sat": [["09:30", "13:00"]]},
        {d: [["09:00", "13:00"], ["16:00", "19:30"]] for d in _WEEKDAYS[:6]},
        {d: [["10:00", "19:30"]] for d in _WEEKDAYS[:6]},
    ),
    "gdo": (
        {d: [["08:00", "20:30"]] for d in _WEEKDAYS[:6]} | {"sun": [["09:00", "13:00"]]},
        {d: [["08:30", "20:00"]] for d in _WEEKDAYS},
    ),
    "restaurant": (
        {d: [["12:00", "15:00"], ["19:00", "23:00"]] for d in _WEEKDAYS if d != "mon"},
        {d: [["12:00", "14:30"], ["19:30", "22:30"]] for d in _WEEKDAYS if d != "tue"},
    ),
    "bar": (
        {d: [["07:00", "20:00"]] for d in _WEEKDAYS[:6]},
        {d: [["07:30", "19:00"]] for d in _WEEKDAYS if d != "sun"},
    ),
    "hotel": ({d: [["09:00", "13:00"], ["15:00", "19:00"]] for d in _WEEKDAYS},),
    "continuous": (
        {d: [["08:00", "18:00"]] for d in _WEEKDAYS[:5]},
        {d: [["06:00", "22:00"]] for d in _WEEKDAYS[:6]},
    ),
}


@dataclass
class DemoData:
    """Rows per table, ready for ``insert(Model)``; ids are explicit and start at 1."""

    seed: int
    scale: int
    today: date
    offices: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    organization_tags: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    interactions: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    # Candidates and openings (crm.demo.candidates). Identities, sensitive notes and assessment notes
    # are kept in clear apart from the rows: the loader encrypts them into their columns.
    skills: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    candidate_skills: list[dict[str, Any]] = field(default_factory=list)
    work_experiences: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    openings: list[dict[str, Any]] = field(default_factory=list)
    opening_skills: list[dict[str, Any]] = field(default_factory=list)
    pipeline_entries: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)
    placement_checks: list[dict[str, Any]] = field(default_factory=list)
    candidate_identities: dict[int, dict[str, Any]] = field(default_factory=dict)
    candidate_sensitive: dict[int, dict[str, Any]] = field(default_factory=dict)
    assessment_notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Outcomes (crm.demo.outcomes): income support (amounts in clear apart, encrypted by the loader).
    benefit_records: list[dict[str, Any]] = field(default_factory=list)
    benefit_details: dict[int, dict[str, Any]] = field(default_factory=dict)
    assumption_sets: list[dict[str, Any]] = field(default_factory=list)
    # The social-services partnership's rows by table (crm.demo.partnership).
    partnership: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Accepted visit plans of the last weeks and the coming one (crm.demo.visits).
    visit_plans: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "offices": len(self.offices),
            "users": len(self.users),
            "organizations": len(self.organizations),
            "contacts": len(self.contacts),
            "interactions": len(self.interactions),
            "follow_ups": len(self.follow_ups),
            "tags": len(self.tags),
            "candidates": len(self.candidates),
            "assessments": len(self.assessments),
            "openings": len(self.openings),
            "pipeline_entries": len(self.pipeline_entries),
            "placements": len(self.placements),
            "visit_plans": len(self.visit_plans),
        }


# --------------------------------------------------------------------------------------------------
# Small helpers


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder method)."""
    weight_sum = float(sum(weights))
    quotas = [total * w / weight_sum for w in weights]
    parts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _Picker:
    """Weighted choice with precomputed cumulative weights (``rng.choices`` recomputes them)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def vat_number(serial: int, office: str = PROVINCE_OFFICE) -> str:
    """A valid Partita IVA: 7-digit serial, 3-digit province office code, Luhn check digit."""
    body = f"{serial:07d}{office}"
    return body + luhn.calc_check_digit(body)


def local_to_utc(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME).astimezone(UTC)


def _workday(day: date) -> date:
    """The day itself or the Friday before, for activity that does not happen at weekends."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _office_hour(rng: random.Random) -> tuple[int, int]:
    return rng.choice((9, 9, 10, 10, 11, 11, 12, 14, 15, 15, 16, 17)), rng.choice((0, 15, 30, 45))


def _firenze_caps() -> list[tuple[str, float, float, bool]]:
    """Firenze's confirmed CAPs with their point, and whether that point is a locality's own."""
    path = resources.files("crm").joinpath("data", "cap_firenze.csv")
    with path.open(encoding="utf-8", newline="") as f:
        return [
            (r["cap"], float(r["lat"]), float(r["lon"]), r["precision"] == "locality")
            for r in csv.DictReader(f)
            if r["confirmed"] == "yes"
        ]


def _jitter(rng: random.Random, lat: float, lon: float, sigma_km: float) -> tuple[float, float]:
    """A point around (lat, lon), normally distributed, cut at 2.5 sigma so nothing lands far away."""
    dy = max(-2.5, min(2.5, rng.gauss(0, 1))) * sigma_km
    dx = max(-2.5, min(2.5, rng.gauss(0, 1))) * sigma_km
    return (
        round(lat + dy / 111.32, 6),
        round(lon + dx / (111.32 * math.cos(math.radians(lat))), 6),
    )


def _sigma_km(comune: Comune) -> float:
    """How spread out a comune's businesses are: ~1.5 km in Firenze, a few hundred metres in a village."""
    if comune.name == "Firenze":
        return 1.5
    return round(min(1.1, 0.3 + 0.7 * math.sqrt(comune.population / 50_000)), 3)


# --------------------------------------------------------------------------------------------------
# The generator


class _Generator:
    def __init__(self, seed: int, scale: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.data = DemoData(seed=seed, scale=scale, today=today)
        self.today = today
        self.now = local_to_utc(today, 8, 0)  # what "now" means for timestamps the demo invents
        self.slugs: set[str] = set()
        self.slug_counts: dict[str, int] = {}
        self.tag_ids: dict[str, int] = {name: i for i, name in enumerate(voc.TAGS, start=1)}
        self.pickers = {kind: _Picker(acts, [a.weight for a in acts]) for kind, acts in ACTIVITIES.items()}
        self.status_pickers = {k: _Picker(STATUSES, w) for k, w in STATUS_WEIGHTS.items()}
        self.legal_form = _Picker([f for f, _ in voc.LEGAL_FORMS], [w for _, w in voc.LEGAL_FORMS])
        self.role_pickers = {
            "company": _Picker(*zip(*voc.CONTACT_ROLES_COMPANY, strict=True)),
            "coop": _Picker(*zip(*voc.CONTACT_ROLES_COOP, strict=True)),
            "public": _Picker(*zip(*voc.CONTACT_ROLES_PUBLIC, strict=True)),
        }
        self.firenze_caps = _firenze_caps()
        self.sections = {a.code: section_of(a.code) for acts in ACTIVITIES.values() for a in acts}

    # -- people and numbers ------------------------------------------------------------------------

    def person(self) -> tuple[str, str, bool]:
        """First name, surname and whether the person is a woman (Italian job titles agree)."""
        female = self.rng.random() < 0.5
        names = voc.FIRST_NAMES_F if female else voc.FIRST_NAMES_M
        return self.rng.choice(names), self.rng.choice(voc.SURNAMES), female

    def landline(self, comune: Comune) -> str:
        if comune.name in voc.EMPOLI_AREA:
            return f"+390571{self.rng.randint(400_000, 999_999)}"
        return f"+39055{self.rng.randint(2_000_000, 8_999_999)}"

    def mobile(self) -> str:
        return f"+39{self.rng.choice(voc.MOBILE_PREFIXES)}{self.rng.randint(1_000_000, 9_999_999)}"

    def unique_slug(self, name: str) -> str:
        base = slugify(name)[:40] or "org"
        n = self.slug_counts.get(base, 0)
        slug = f"{base}{n + 1}" if n else base
        while slug in self.slugs:
            n += 1
            slug = f"{base}{n + 1}"
        self.slug_counts[base] = n + 1
        self.slugs.add(slug)
        return slug

    # -- one organization --------------------------------------------------------------------------

    def names(self, kind: OrganizationKind, act: voc.Activity, comune: Comune) -> tuple[str, str | None]:
        rng = self.rng
        word = rng.choice(act.words)
        if kind is OrganizationKind.COOP_B or kind is OrganizationKind.COOP_A:
            name = rng.choice(voc.COOP_NAMES)
            legal = (
                f"{name} {word} Soc. Coop. Sociale a r.l."
                if rng.random() < 0.5
                else (f"Cooperativa Sociale {name} Soc. Coop. a r.l.")
            )
            return legal, f"Coop. {name}"
        if kind is OrganizationKind.THIRD_SECTOR:
            return f"{word} {rng.choice(voc.COOP_NAMES)} {rng.choice(voc.ETS_FORMS)}", None
        if kind is OrganizationKind.PUBLIC_BODY:
            return f"{word} {rng.choice(PUBLIC_AREAS)}", None
        surname = rng.choice(voc.SURNAMES)
        form = self.legal_form(rng)
        style = rng.random()
        if form.startswith("di "):
            first, _, _ = self.person()
            legal = f"{word} {form.format(first=first, last=surname)}"
        elif style < 0.45:
            legal = f"{word} {surname} {form}"
        elif style < 0.6:
            other = rng.choice(voc.SURNAMES)
            legal = f"{surname} & {other} {form}" if other != surname else f"{surname} & Figli {form}"
        elif style < 0.85:
            invented = rng.choice(voc.INVENTED_PREFIXES) + rng.choice(voc.INVENTED_SUFFIXES)
            legal = f"{invented} {form}"
        else:
            legal = f"{word} {comune.name} {form}"
        trade = None
        if act.hours in ("restaurant", "bar", "hotel") and rng.random() < 0.7:
            trade = f"{word} {rng.choice(voc.VENUE_NAMES)}"
        elif act.hours in ("shop", "gdo") and rng.random() < 0.3:
            trade = f"{word} {surname}"
        return legal, trade

    def employees(self, kind: OrganizationKind, act: voc.Activity) -> int:
        rng = self.rng
        if kind is OrganizationKind.COOP_B:
            return int(rng.triangular(6, 160, 25))
        if kind is OrganizationKind.COOP_A:
            return int(rng.triangular(12, 320, 45))
        if kind is OrganizationKind.THIRD_SECTOR:
            return int(rng.triangular(0, 25, 3))
        if kind is OrganizationKind.PUBLIC_BODY:
            return int(rng.triangular(20, 450, 80))
        band = rng.random()
        if act.hours == "gdo":
            band = max(band, 0.5)
        if band < 0.58:
            return int(rng.triangular(1, 10, 3))  # micro
        if band < 0.88:
            return int(rng.triangular(10, 50, 14))  # small
        if band < 0.97:
            return int(rng.triangular(50, 250, 70))  # medium
        return int(rng.triangular(250, 900, 300))  # large

    def address(self, comune: Comune, act: voc.Activity) -> tuple[str, str, float, float, GeoPrecision]:
        rng = self.rng
        number = str(rng.randint(1, 160))
        if comune.name == "Firenze" and act.hours in ("shop", "bar", "restaurant") and rng.random() < 0.6:
            number += "r"  # Florence's red numbers mark shop doors
        elif rng.random() < 0.08:
            number += rng.choice(("/a", "/b", "/c"))
        address = f"{rng.choice(voc.STREETS)}, {number}"
        if comune.name == "Firenze":
            cap, lat, lon, is_locality = rng.choice(self.firenze_caps)
            sigma = 0.8 if is_locality else _sigma_km(comune)
            if not is_locality:
                lat, lon = comune.latitude, comune.longitude
        else:
            cap = comune.caps[0] if len(comune.caps) == 1 or rng.random() < 0.7 else rng.choice(comune.caps)
            lat, lon, sigma = comune.latitude, comune.longitude, _sigma_km(comune)
        if rng.random() < 0.12:
            return address, cap, comune.latitude, comune.longitude, GeoPrecision.COMUNE
        lat, lon = _jitter(rng, lat, lon, sigma)
        return address, cap, lat, lon, GeoPrecision.STREET

    def tax_ids(self, kind: OrganizationKind, serials: Any) -> tuple[str | None, str]:
        """(Partita IVA, codice fiscale): companies use one number for both; bodies have their own CF."""
        if kind is OrganizationKind.THIRD_SECTOR:
            cf = vat_number(9_000_000 + next(serials) % 999_999)
            vat = vat_number(next(serials)) if self.rng.random() < 0.3 else None
            return vat, cf
        if kind is OrganizationKind.PUBLIC_BODY:
            return vat_number(next(serials)), vat_number(8_000_000 + next(serials) % 999_999)
        vat = vat_number(next(serials))
        return vat, vat

    def organization(self, org_id: int, kind: OrganizationKind, comune: Comune, serials: Any) -> None:
        rng, data = self.rng, self.data
        act: voc.Activity = self.pickers[kind](rng)
        legal, trade = self.names(kind, act, comune)
        slug = self.unique_slug(trade or legal)
        vat, cf = self.tax_ids(kind, serials)
        employees = self.employees(kind, act)
        address, cap, lat, lon, precision = self.address(comune, act)
        law68_subject: bool | None = None
        protected: int | None = None
        tags = set(act.tags)
        if kind is not OrganizationKind.THIRD_SECTOR:
            law68_subject = employees >= 15
            if law68_subject:
                quota = 1 if employees <= 35 else 2 if employees <= 50 else max(3, round(employees * 0.07))
                if rng.random() < 0.4:
                    protected = rng.randint(0, quota - 1)
                    tags.add("Legge 68")
                else:
                    protected = quota + (rng.randint(0, 2) if rng.random() < 0.2 else 0)
        if kind in (OrganizationKind.COOP_A, OrganizationKind.COOP_B) and rng.random() < 0.35:
            tags.add("rete consorzio")
        status: OrganizationStatus = self.status_pickers[kind](rng)
        if status is OrganizationStatus.ACTIVE_PARTNER and rng.random() < 0.5:
            tags.add("tirocini")
        if status is not OrganizationStatus.DO_NOT_CONTACT and rng.random() < 0.1:
            tags.add("disponibile a visite")
        owner_id = rng.choice(OPERATOR_IDS)
        email_box = rng.choice(("info", "info", "amministrazione", "segreteria", "personale"))
        has_pec = kind is OrganizationKind.PUBLIC_BODY or (vat is not None and rng.random() < 0.85)
        org: dict[str, Any] = {
            "id": org_id,
            "kind": kind,
            "legal_name": legal,
            "trade_name": trade,
            "vat_number": vat,
            "tax_code": cf,
            "ateco_code": act.code,
            "ateco_section": self.sections[act.code],
            "employees": employees,
            "address": address,
            "cap": cap,
            "comune_code": comune.istat_code,
            "latitude": lat,
            "longitude": lon,
            "geo_precision": precision,
            "phone": self.landline(comune),
            "phone2": self.mobile() if rng.random() < 0.2 else None,
            "email": f"{email_box}@{slug}.example",
            "pec": f"{slug}@pec.{slug}.example" if has_pec else None,
            "website": f"https://www.{slug}.example" if rng.random() < 0.6 else None,
            "opening_hours": rng.choice(_HOURS[act.hours]) if rng.random() < 0.9 else None,
            "status": status,
            "owner_id": owner_id,
            "law68_subject": law68_subject,
            "law68_protected_employed": protected,
            "notes": rng.choice(voc.ORG_NOTES) if rng.random() < 0.3 else None,
            "version": 1,
            "created_by_id": owner_id if rng.random() < 0.8 else COORDINATOR_ID,
        }
        contacts = self.contacts(org, slug, comune)
        self.history(org, contacts)
        org["search_text"] = build_search_text(
            legal_name=legal,
            trade_name=trade,
            vat_number=vat,
            tax_code=cf,
            notes=org["notes"],
            address=address,
            email=org["email"],
            contacts=[SimpleNamespace(**c) for c in contacts],
        )
        data.organizations.append(org)
        data.organization_tags.extend(
            {"organization_id": org_id, "tag_id": self.tag_ids[t]} for t in sorted(tags)
        )

    def contacts(self, org: dict[str, Any], slug: str, comune: Comune) -> list[dict[str, Any]]:
        rng = self.rng
        kind = org["kind"]
        roles = self.role_pickers[
            "coop"
            if kind in (OrganizationKind.COOP_A, OrganizationKind.COOP_B, OrganizationKind.THIRD_SECTOR)
            else "public"
            if kind is OrganizationKind.PUBLIC_BODY
            else "company"
        ]
        count = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
        rows = []
        for n in range(count):
            first, last, female = self.person()
            role: str = roles(rng)
            if "|" in role:
                role = role.split("|")[1 if female else 0]
            mobile = self.mobile() if rng.random() < 0.6 else None
            phone = (
                org["phone"]
                if rng.random() < 0.5
                else (self.landline(comune) if rng.random() < 0.3 else None)
            )
            email = f"{slugify(first)}.{slugify(last)}@{slug}.example" if rng.random() < 0.85 else None
            channels = [PreferredChannel.EMAIL] * (3 if email else 0) + [PreferredChannel.PHONE] * (
                2 if phone else 0
            )
            channels += [PreferredChannel.MOBILE, PreferredChannel.WHATSAPP] if mobile else []
            row = {
                "id": len(self.data.contacts) + 1,
                "organization_id": org["id"],
                "first_name": first,
                "last_name": last,
                "role": role,
                "phone": phone,
                "mobile": mobile,
                "email": email,
                "preferred_channel": rng.choice(channels) if channels else PreferredChannel.IN_PERSON,
                "is_primary": n == 0,
                "notes": "Presente solo la mattina." if rng.random() < 0.05 else None,
            }
            self.data.contacts.append(row)
            rows.append(row)
        return rows

    # -- history -----------------------------------------------------------------------------------

    def history(self, org: dict[str, Any], contacts: list[dict[str, Any]]) -> None:
        """Interactions and follow-ups consistent with the organization's status."""
        rng, today = self.rng, self.today
        status = org["status"]
        plan: list[int] = []  # days ago of done interactions
        if status is OrganizationStatus.CONTACTED:
            plan = sorted(rng.randint(1, 180) for _ in range(rng.randint(1, 4)))
        elif status is OrganizationStatus.ACTIVE_PARTNER:
            plan = [rng.randint(1, 60)] + [rng.randint(1, HISTORY_DAYS) for _ in range(rng.randint(3, 11))]
        elif status is OrganizationStatus.DORMANT:
            plan = [rng.randint(200, HISTORY_DAYS) for _ in range(rng.randint(2, 6))]
        elif status is OrganizationStatus.DO_NOT_CONTACT:
            plan = [rng.randint(30, 400) for _ in range(rng.randint(1, 3))]
        days = sorted({_workday(today - timedelta(days=d)) for d in plan})
        interactions: list[dict[str, Any]] = []
        for i, day in enumerate(days):
            last = i == len(days) - 1
            kind = rng.choices(
                (
                    InteractionKind.CALL,
                    InteractionKind.EMAIL,
                    InteractionKind.VISIT,
                    InteractionKind.MEETING,
                    InteractionKind.NOTE,
                ),
                weights=(40, 30, 15, 8, 7),
            )[0]
            outcome = self.outcome(status, kind, last)
            state = InteractionStatus.DONE
            if kind is InteractionKind.VISIT and not last and rng.random() < 0.08:
                state, outcome = InteractionStatus.CANCELLED, None
            interactions.append(self.interaction(org, contacts, kind, state, day, outcome, last))
        if status is OrganizationStatus.ACTIVE_PARTNER and rng.random() < 0.35:
            day = _workday(today + timedelta(days=rng.randint(3, 24)))
            if day <= today:
                day = today + timedelta(days=7 - today.weekday())  # next Monday
            interactions.append(
                self.interaction(
                    org, contacts, InteractionKind.VISIT, InteractionStatus.PLANNED, day, None, False
                )
            )
        done = [x for x in interactions if x["status"] is InteractionStatus.DONE]
        org["last_interaction_at"] = max((x["occurred_at"] for x in done), default=None)
        first = min((x["occurred_at"] for x in interactions), default=None)
        created = (first or local_to_utc(today, 9, 0)) - timedelta(
            days=rng.randint(3, 120) if first else rng.randint(1, HISTORY_DAYS), minutes=rng.randint(0, 300)
        )
        org["created_at"] = created
        org["updated_at"] = max(created, org["last_interaction_at"] or created)
        for n, contact in enumerate(contacts):
            contact["created_at"] = contact["updated_at"] = created + timedelta(minutes=2 + n)
        self.follow_ups(org, contacts, done)

    def outcome(
        self, status: OrganizationStatus, kind: InteractionKind, last: bool
    ) -> InteractionOutcome | None:
        if status is OrganizationStatus.DO_NOT_CONTACT and last:
            return InteractionOutcome.NEGATIVE
        if kind is InteractionKind.NOTE:
            return None
        weights = {
            OrganizationStatus.ACTIVE_PARTNER: (55, 30, 3, 12),
            OrganizationStatus.CONTACTED: (25, 40, 5, 30),
            OrganizationStatus.DORMANT: (15, 45, 15, 25),
            OrganizationStatus.DO_NOT_CONTACT: (5, 40, 30, 25),
        }[status]
        if kind in (InteractionKind.VISIT, InteractionKind.MEETING):
            weights = (weights[0] + weights[3], weights[1], weights[2], 0)  # nobody "fails to answer" a visit
        return self.rng.choices(
            (
                InteractionOutcome.POSITIVE,
                InteractionOutcome.NEUTRAL,
                InteractionOutcome.NEGATIVE,
                InteractionOutcome.NO_ANSWER,
            ),
            weights=weights,
        )[0]

    def interaction(
        self,
        org: dict[str, Any],
        contacts: list[dict[str, Any]],
        kind: InteractionKind,
        state: InteractionStatus,
        day: date,
        outcome: InteractionOutcome | None,
        last: bool,
    ) -> dict[str, Any]:
        rng = self.rng
        hour, minute = _office_hour(rng)
        occurred = local_to_utc(day, hour, minute)
        if org["status"] is OrganizationStatus.DO_NOT_CONTACT and last:
            body: str | None = voc.DO_NOT_CONTACT_BODY
        elif outcome is not None and rng.random() < 0.65:
            body = rng.choice(voc.INTERACTION_BODIES[outcome.value])
        else:
            body = None
        user_id = org["owner_id"] if rng.random() < 0.8 else rng.choice((*OPERATOR_IDS, COORDINATOR_ID))
        logged = (
            occurred + timedelta(minutes=rng.randint(5, 240))
            if state is not InteractionStatus.PLANNED
            else (self.now - timedelta(days=rng.randint(1, 10)))
        )
        row = {
            "id": len(self.data.interactions) + 1,
            "organization_id": org["id"],
            "contact_id": rng.choice(contacts)["id"] if rng.random() < 0.85 else None,
            "user_id": user_id,
            "kind": kind,
            "status": state,
            "occurred_at": occurred,
            "subject": rng.choice(voc.INTERACTION_SUBJECTS[kind.value]),
            "body": body,
            "outcome": outcome,
            "next_step": rng.choice(voc.NEXT_STEPS)
            if state is InteractionStatus.DONE
            and outcome is InteractionOutcome.POSITIVE
            and rng.random() < 0.5
            else None,
            "created_at": logged,
            "updated_at": logged,
        }
        self.data.interactions.append(row)
        return row

    def follow_ups(
        self, org: dict[str, Any], contacts: list[dict[str, Any]], done: list[dict[str, Any]]
    ) -> None:
        rng, today = self.rng, self.today
        status = org["status"]
        # Done (and a few cancelled) tasks in the past, each born from an interaction.
        for source in done[:-1]:
            if rng.random() > 0.3:
                continue
            made = source["occurred_at"].date()
            due = made + timedelta(days=rng.randint(3, 14))
            if due >= today:
                continue
            cancelled = rng.random() < 0.08
            completed = min(
                local_to_utc(due + timedelta(days=rng.randint(-3, 3)), *_office_hour(rng)),
                self.now - timedelta(hours=1),
            )
            self.follow_up(
                org,
                contacts,
                source,
                due,
                FollowUpStatus.CANCELLED if cancelled else FollowUpStatus.DONE,
                None if cancelled else completed,
            )
        # An open task for most organizations being worked on.
        wants_open = {
            OrganizationStatus.PROSPECT: 0.15,
            OrganizationStatus.CONTACTED: 0.7,
            OrganizationStatus.ACTIVE_PARTNER: 0.7,
            OrganizationStatus.DORMANT: 0.1,
        }.get(status, 0.0)
        if rng.random() < wants_open:
            bucket = rng.random()
            if bucket < 0.3:
                due = today - timedelta(days=rng.randint(1, 25))  # overdue
            elif bucket < 0.45:
                due = today
            elif bucket < 0.7:
                due = today + timedelta(days=rng.randint(1, 6))  # this week
            else:
                due = today + timedelta(days=rng.randint(7, 45))
            source = done[-1] if done else None
            self.follow_up(
                org,
                contacts,
                source,
                due,
                FollowUpStatus.OPEN,
                None,
                title="Primo contatto telefonico" if status is OrganizationStatus.PROSPECT else None,
            )

    def follow_up(
        self,
        org: dict[str, Any],
        contacts: list[dict[str, Any]],
        source: dict[str, Any] | None,
        due: date,
        status: FollowUpStatus,
        completed: datetime | None,
        title: str | None = None,
    ) -> None:
        rng = self.rng
        created = (
            source["created_at"]
            if source
            else min(
                self.now - timedelta(days=1), local_to_utc(due - timedelta(days=rng.randint(2, 20)), 9, 30)
            )
        )
        self.data.follow_ups.append(
            {
                "id": len(self.data.follow_ups) + 1,
                "title": title or rng.choice(voc.FOLLOW_UP_TITLES[:-1]),
                "notes": rng.choice(voc.NEXT_STEPS) if rng.random() < 0.3 else None,
                "due_date": due,
                "status": status,
                "assignee_id": org["owner_id"] if rng.random() < 0.9 else rng.choice(OPERATOR_IDS),
                "organization_id": org["id"],
                "contact_id": (source or {}).get("contact_id") or contacts[0]["id"],
                "interaction_id": source["id"] if source else None,
                "created_by_id": source["user_id"] if source else org["owner_id"],
                "completed_at": completed,
                "created_at": created,
                "updated_at": max(created, completed or created),
            }
        )

    # -- the whole set -----------------------------------------------------------------------------

    def run(self) -> DemoData:
        rng, data, scale = self.rng, self.data, self.data.scale
        created = local_to_utc(self.today - timedelta(days=HISTORY_DAYS + 30), 9, 0)
        firenze = comune_by_name("Firenze")
        assert firenze is not None
        data.offices.append(
            {
                "id": OFFICE_ID,
                "name": "Sportello Lavoro Flor@Work – Firenze",
                "address": "Via dei Servi, 38",
                "cap": "50122",
                "comune_code": firenze.istat_code,
                "latitude": 43.774905,
                "longitude": 11.257845,
                "phone": "+390552638410",
                "notes": "Sportello aperto al pubblico dal lunedì al venerdì, 9:00–13:00.",
                "created_at": created,
            }
        )
        for account in DEMO_ACCOUNTS:
            data.users.append(
                {
                    "id": account.id,
                    "email": account.email,
                    "full_name": account.full_name,
                    "role": account.role,
                    "locale": "it",
                    "phone": f"+39055263{8410 + account.id}",
                    "office_id": OFFICE_ID,
                    "active": True,
                    "created_at": created,
                }
            )
        data.tags.extend({"id": i, "name": name} for name, i in self.tag_ids.items())

        kinds = self.kinds(scale)
        places = self.places(scale)
        # Distinct 7-digit serials for every Partita IVA and numeric codice fiscale.
        serials = iter(rng.sample(range(100_000, 800_000), 2 * scale + 10))
        for org_id, (kind, comune) in enumerate(zip(kinds, places, strict=True), start=1):
            self.organization(org_id, kind, comune, serials)
        from crm.demo.candidates import add_candidates

        add_candidates(data, operator_ids=OPERATOR_IDS, coordinator_id=COORDINATOR_ID)
        from crm.demo.outcomes import add_outcomes

        add_outcomes(data)
        from crm.demo.partnership import add_partnership

        add_partnership(data)
        from crm.demo.field import add_field_logs

        add_field_logs(data)
        from crm.demo.visits import add_visit_plans

        add_visit_plans(data)
        return data

    def kinds(self, scale: int) -> list[OrganizationKind]:
        shares = [s for _, s in KIND_SHARES]
        counts = apportion(scale, [*shares, 1.0 - sum(shares)])
        kinds = [k for (k, _), n in zip(KIND_SHARES, counts, strict=False) for _ in range(n)]
        kinds += [OrganizationKind.COMPANY] * counts[-1]
        self.rng.shuffle(kinds)
        return kinds

    def places(self, scale: int) -> list[Comune]:
        """Comuni weighted by population; every comune gets at least one organization when there is room."""
        all_comuni = comuni()
        if scale >= 3 * len(all_comuni):
            counts = [1 + n for n in apportion(scale - len(all_comuni), [c.population for c in all_comuni])]
            places = [c for c, n in zip(all_comuni, counts, strict=True) for _ in range(n)]
            self.rng.shuffle(places)
            return places
        picker = _Picker(all_comuni, [c.population for c in all_comuni])
        return [picker(self.rng) for _ in range(scale)]


def generate(seed: int = DEFAULT_SEED, scale: int = DEFAULT_SCALE, today: date | None = None) -> DemoData:
    """Build the demo dataset: ``scale`` organizations with contacts, 18 months of history, follow-ups.

    :param seed: the same seed, scale and ``today`` give identical rows.
    :param today: the day the history is relative to (default: today in Florence).
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    today = today or datetime.now(ROME).date()
    return _Generator(seed, scale, today).run()
