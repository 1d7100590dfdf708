"""Demo candidates, openings, pipelines and placements, consistent with the generated organizations
and their visits. Pure: rows only; identities stay in clear here and are encrypted by the loader.

A separate random stream (seeded from the demo's seed) keeps the organizations' rows unchanged by
this module.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from stdnum.it import codicefiscale

from crm.candidates.assessment import readiness_band
from crm.candidates.models import (
    ASSESSMENT_DIMENSIONS,
    CandidateStatus,
    CommuteMode,
    ConsentPurpose,
    EducationLevel,
)
from crm.demo import vocabulary as voc
from crm.followups.models import FollowUpStatus
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus
from crm.openings.models import CHECK_MONTHS, ContractType, NotHiredReason, OpeningStatus, PipelineStage
from crm.organizations.models import OrganizationKind
from crm.reference.places import Comune, comuni, fold

if TYPE_CHECKING:
    from crm.demo.generator import DemoData

ROME = ZoneInfo("Europe/Rome")
CANDIDATES_PER_400 = 150
OPENINGS_PER_400 = 40

SKILLS: tuple[str, ...] = (
    "Pulizie civili",
    "Pulizie industriali",
    "Sanificazione",
    "Magazzino e scaffalatura",
    "Carrello elevatore (patentino)",
    "Confezionamento",
    "Aiuto cuoco",
    "Lavaggio stoviglie",
    "Servizio in sala",
    "Barista",
    "Cassa",
    "Rifornimento scaffali",
    "Manutenzione del verde",
    "Piccola manutenzione",
    "Imbiancatura",
    "Assemblaggio",
    "Cucito",
    "Pelletteria",
    "Stiro",
    "Assistenza anziani",
    "Accoglienza clienti",
    "Portineria",
    "Informatica di base",
    "Data entry",
    "Guida furgone",
    "Consegne in bicicletta",
    "Raccolta differenziata",
    "Facchinaggio",
    "Lingua inglese",
    "HACCP",
)

#: Job families with the skills they need (first ones required) and their sections.
FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Pulizie e sanificazione", ("Pulizie civili", "Sanificazione", "Pulizie industriali"), ("N",)),
    (
        "Logistica e magazzino",
        ("Magazzino e scaffalatura", "Carrello elevatore (patentino)", "Facchinaggio"),
        ("H", "G"),
    ),
    ("Ristorazione", ("Aiuto cuoco", "HACCP", "Lavaggio stoviglie", "Servizio in sala"), ("I",)),
    ("Commercio e vendita", ("Rifornimento scaffali", "Cassa", "Accoglienza clienti"), ("G",)),
    ("Manutenzione del verde", ("Manutenzione del verde", "Raccolta differenziata"), ("N", "E", "A")),
    ("Manifattura e assemblaggio", ("Assemblaggio", "Confezionamento", "Pelletteria", "Cucito"), ("C",)),
    ("Assistenza alla persona", ("Assistenza anziani", "Accoglienza clienti"), ("Q",)),
    (
        "Amministrazione e segreteria",
        ("Informatica di base", "Data entry", "Accoglienza clienti"),
        ("M", "K", "O"),
    ),
)
TITLES: dict[str, tuple[str, ...]] = {
    "Pulizie e sanificazione": ("Addetto/a alle pulizie", "Operatore/trice sanificazione"),
    "Logistica e magazzino": ("Magazziniere", "Addetto/a carico e scarico", "Mulettista"),
    "Ristorazione": ("Aiuto cuoco", "Lavapiatti", "Cameriere/a di sala"),
    "Commercio e vendita": ("Addetto/a vendita", "Scaffalista", "Cassiere/a"),
    "Manutenzione del verde": ("Giardiniere", "Operatore/trice del verde"),
    "Manifattura e assemblaggio": ("Addetto/a assemblaggio", "Addetto/a confezionamento"),
    "Assistenza alla persona": ("Assistente familiare", "Ausiliario/a socio-assistenziale"),
    "Amministrazione e segreteria": ("Addetto/a data entry", "Receptionist"),
}
OFFICES = (
    "Servizio Sociale Professionale – Quartiere 1",
    "Servizio Sociale Professionale – Quartiere 2",
    "Servizio Sociale Professionale – Quartiere 3",
    "Servizio Sociale Professionale – Quartiere 4",
    "Servizio Sociale Professionale – Quartiere 5",
    "Società della Salute Zona Nord-Ovest",
    "Società della Salute Empolese Valdarno Valdelsa",
    "Società della Salute Mugello",
    "UEPE Firenze",
    "SerD Firenze Centro",
)
LANGUAGES = (
    "Inglese A2",
    "Inglese B1",
    "Francese A2",
    "Spagnolo B1",
    "Arabo (madrelingua)",
    "Rumeno (madrelingua)",
    "Albanese (madrelingua)",
    "Cinese (madrelingua)",
    "Wolof (madrelingua)",
)
HEALTH = (
    "Diabete in terapia",
    "Limitazioni nel sollevamento pesi",
    "Percorso terapeutico in corso",
    "Ansia in contesti affollati",
    "Invalidità civile riconosciuta",
)
DISABILITY = (
    "Invalidità civile 46%",
    "Invalidità civile 67%",
    "Disabilità uditiva lieve",
    "Iscritto/a L. 68/99",
)
LEGAL = ("Misura alternativa alla detenzione", "Messa alla prova", "Permesso di soggiorno in rinnovo")
NOTES = {
    "professional_skills": ("Manualità buona", "Competenze da aggiornare", "Esperienza solo informale"),
    "work_experience": (
        "Esperienze brevi e discontinue",
        "Ha lavorato per anni nel settore",
        "Nessuna esperienza formale",
    ),
    "motivation": ("Molto motivata/o", "Motivazione altalenante", "Chiede un lavoro part-time"),
    "autonomy": ("Autonomo/a negli spostamenti", "Da accompagnare nei primi giorni", "Puntuale e ordinato/a"),
    "constraints": (
        "Orari vincolati dalla cura dei figli",
        "Nessun vincolo particolare",
        "Visite mediche periodiche",
    ),
    "support": ("Rete familiare presente", "Vive da solo/a", "Seguito/a dal centro diurno"),
}
_MONTHS = "ABCDEHLMPRST"
EMPLOYER_FORMS = ("S.r.l.", "S.n.c.", "Soc. Coop.")


def check_title(code: str, months: int, title: str) -> str:
    return f"{code} è ancora occupato/a? Verifica a {months} mesi – {title}"[:200]


def slug(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def _utc(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=ROME).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _letters(name: str) -> tuple[str, str]:
    text = "".join(c for c in fold(name).upper() if c.isalpha())
    return "".join(c for c in text if c not in "AEIOU"), "".join(c for c in text if c in "AEIOU")


def tax_code(first: str, last: str, born: date, female: bool, comune: Comune) -> str:
    """A valid codice fiscale for a fictional person (python-stdnum computes the check character)."""
    cons, vow = _letters(last)
    surname = (cons + vow + "XXX")[:3]
    cons, vow = _letters(first)
    name = cons[0] + cons[2] + cons[3] if len(cons) >= 4 else (cons + vow + "XXX")[:3]
    day = born.day + (40 if female else 0)
    body = f"{surname}{name}{born.year % 100:02d}{_MONTHS[born.month - 1]}{day:02d}{comune.cadastral_code}"
    return body + codicefiscale.calc_check_digit(body)


def _pick_comune(rng: random.Random, places: Sequence[Comune], weights: Sequence[float]) -> Comune:
    return rng.choices(places, weights=weights)[0]


def add_candidates(data: DemoData, *, operator_ids: Sequence[int], coordinator_id: int) -> None:
    """Fill the candidates' and openings' tables of ``data`` (see the module)."""
    rng = random.Random(f"{data.seed}-candidates")
    today = data.today
    history = 548
    scale = data.scale
    skill_ids = {name: i for i, name in enumerate(SKILLS, start=1)}
    data.skills.extend(
        {"id": i, "name": n, "active": True, "created_at": _utc(today - timedelta(days=history + 20))}
        for n, i in skill_ids.items()
    )
    places = list(comuni())
    weights = [c.population for c in places]
    org_sections = sorted({o["ateco_section"] for o in data.organizations if o["ateco_section"]})

    # --- candidates ------------------------------------------------------------------------------
    n_candidates = max(1, round(CANDIDATES_PER_400 * scale / 400))
    numbers: dict[int, int] = {}
    seen_codes: set[str] = set()
    for cid in range(1, n_candidates + 1):
        referred = today - timedelta(days=rng.randint(20, history + 150))
        numbers[referred.year] = numbers.get(referred.year, 0) + 1
        female = rng.random() < 0.5
        first = rng.choice(voc.FIRST_NAMES_F if female else voc.FIRST_NAMES_M)
        last = rng.choice(voc.SURNAMES)
        comune = _pick_comune(rng, places, weights)
        while True:
            born = date(rng.randint(1962, 2005), rng.randint(1, 12), rng.randint(1, 28))
            code = tax_code(first, last, born, female, comune)
            if code not in seen_codes:
                seen_codes.add(code)
                break
        family = rng.choice(FAMILIES)
        licence = rng.random() < 0.45
        vehicle = licence and rng.random() < 0.5
        mode = (
            CommuteMode.CAR
            if vehicle
            else rng.choices(
                (CommuteMode.PUBLIC_TRANSPORT, CommuteMode.BICYCLE, CommuteMode.SCOOTER, CommuteMode.WALKING),
                weights=(70, 15, 8, 7),
            )[0]
        )
        own_skills = set(rng.sample(family[1], k=min(len(family[1]), rng.randint(1, 3))))
        own_skills |= set(rng.sample(SKILLS, k=rng.randint(0, 2)))
        created = _utc(referred, 11)
        data.candidates.append(
            {
                "id": cid,
                "code": f"C-{referred.year}-{numbers[referred.year]:04d}",
                "referral_year": referred.year,
                "referral_number": numbers[referred.year],
                "status": CandidateStatus.ACTIVE,
                "operator_id": rng.choice(operator_ids),
                "referred_on": referred,
                "referring_office": rng.choice(OFFICES),
                "case_worker": f"{rng.choice(voc.FIRST_NAMES_F)} {rng.choice(voc.SURNAMES)}",
                "review_on": _add_months(referred, 24),
                "driving_licence": licence,
                "own_vehicle": vehicle,
                "commute_mode": mode,
                "max_commute_minutes": rng.choice((30, 40, 45, 45, 60, 60, 75)),
                "available_days": ["mon", "tue", "wed", "thu", "fri"]
                + (["sat"] if rng.random() < 0.5 else []),
                "shifts": sorted(set(rng.sample(("morning", "afternoon", "evening"), k=rng.randint(1, 3)))),
                "hours_per_week": rng.choice((15, 20, 20, 25, 30, 30, 36, 40)),
                "languages": ["Italiano"] + ([rng.choice(LANGUAGES)] if rng.random() < 0.5 else []),
                "education": rng.choices(list(EducationLevel), weights=(4, 6, 40, 20, 25, 5))[0],
                "education_notes": None,
                "free_skills": [],
                "sectors": sorted(set(family[2]) & set(org_sections) or {rng.choice(org_sections)}),
                "created_by_id": rng.choice(operator_ids),
                "erased_at": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        data.candidate_identities[cid] = {
            "first_name": first,
            "last_name": last,
            "tax_code": code,
            "phone": f"+39{rng.choice(voc.MOBILE_PREFIXES)}{rng.randint(1_000_000, 9_999_999)}",
            "email": f"{slug(first)}.{slug(last)}{rng.randint(1, 99)}@posta.example",
            "comune_code": comune.istat_code,
        }
        if rng.random() < 0.4:
            data.candidate_sensitive[cid] = {
                "health": rng.choice(HEALTH) if rng.random() < 0.6 else None,
                "disability": rng.choice(DISABILITY) if rng.random() < 0.4 else None,
                "legal": rng.choice(LEGAL) if rng.random() < 0.25 else None,
            }
        data.candidate_skills.extend(
            {"candidate_id": cid, "skill_id": skill_ids[s]} for s in sorted(own_skills)
        )
        data.consents.append(
            {
                "id": len(data.consents) + 1,
                "candidate_id": cid,
                "purpose": ConsentPurpose.DATA_PROCESSING,
                "given_on": referred,
                "document": f"Modulo privacy prot. {referred.year}/{numbers[referred.year]:04d}",
                "withdrawn_on": None,
                "recorded_by_id": data.candidates[-1]["operator_id"],
                "created_at": created,
            }
        )
        if rng.random() < 0.85:
            data.consents.append(
                {
                    "id": len(data.consents) + 1,
                    "candidate_id": cid,
                    "purpose": ConsentPurpose.SHARING_WITH_EMPLOYERS,
                    "given_on": referred,
                    "document": f"Modulo privacy prot. {referred.year}/{numbers[referred.year]:04d}",
                    "withdrawn_on": None,
                    "recorded_by_id": data.candidates[-1]["operator_id"],
                    "created_at": created,
                }
            )
        for _ in range(rng.randint(0, 3)):
            start = date(rng.randint(2008, max(2009, referred.year - 1)), rng.randint(1, 12), 1)
            end = _add_months(start, rng.randint(2, 36))
            fam = rng.choice((family, family, rng.choice(FAMILIES)))
            data.work_experiences.append(
                {
                    "id": len(data.work_experiences) + 1,
                    "candidate_id": cid,
                    "role": rng.choice(TITLES[fam[0]]),
                    "ateco_section": fam[2][0],
                    "employer": f"{rng.choice(voc.SURNAMES)} {rng.choice(EMPLOYER_FORMS)}",
                    "started_on": start,
                    "ended_on": min(end, referred),
                    "description": None,
                    "created_at": created,
                }
            )
        # Assessments: the first at referral, then every few months, usually improving.
        # Most people referred have one or two weak dimensions, few have none or many: about a
        # quarter start on a preparatory path, the rest ready or ready with support.
        level = [rng.choices((1, 2, 3, 4), weights=(1, 3, 4, 2))[0] for _ in ASSESSMENT_DIMENSIONS]
        day = referred + timedelta(days=rng.randint(5, 20))
        while day < today:
            scores = dict(zip(ASSESSMENT_DIMENSIONS, level, strict=True))
            aid = len(data.assessments) + 1
            data.assessments.append(
                {
                    "id": aid,
                    "candidate_id": cid,
                    "assessed_on": day,
                    "assessed_by_id": data.candidates[-1]["operator_id"],
                    **scores,
                    "band": readiness_band(scores),
                    "notes_encrypted": None,
                    "created_at": _utc(day, 15),
                }
            )
            data.assessment_notes[aid] = {
                k: rng.choice(NOTES[k]) for k in rng.sample(ASSESSMENT_DIMENSIONS, k=rng.randint(1, 3))
            }
            level = [min(4, v + (1 if rng.random() < 0.35 else 0)) for v in level]
            day += timedelta(days=rng.randint(90, 200))

    # --- openings, from positive visits ----------------------------------------------------------
    orgs = {o["id"]: o for o in data.organizations}
    visits = [
        x
        for x in data.interactions
        if x["kind"] is InteractionKind.VISIT
        and x["status"] is InteractionStatus.DONE
        and x["outcome"] is InteractionOutcome.POSITIVE
    ]
    rng.shuffle(visits)
    n_openings = max(1, round(OPENINGS_PER_400 * scale / 400))
    # About a third of the openings were found in the last two months: they are still open.
    recent = [v for v in visits if (today - v["occurred_at"].date()).days < 60]
    visits = recent[: max(1, n_openings // 3)] + [
        v for v in visits if v not in recent[: max(1, n_openings // 3)]
    ]
    used: set[int] = set()
    for visit in visits:
        if len(data.openings) >= n_openings:
            break
        org = orgs[visit["organization_id"]]
        if org["id"] in used or org["latitude"] is None:
            continue
        used.add(org["id"])
        family = next((f for f in FAMILIES if org["ateco_section"] in f[2]), rng.choice(FAMILIES))
        if org["kind"] is OrganizationKind.COOP_B:
            contract = rng.choice((ContractType.ART14, ContractType.TIROCINIO, ContractType.FIXED_TERM))
        elif org.get("law68_subject") and rng.random() < 0.4:
            contract = ContractType.LAW68
        else:
            contract = rng.choices(
                (ContractType.TIROCINIO, ContractType.FIXED_TERM, ContractType.PERMANENT),
                weights=(35, 45, 20),
            )[0]
        found = visit["occurred_at"].date()
        age = (today - found).days
        oid = len(data.openings) + 1
        created = visit["occurred_at"] + timedelta(hours=3)
        data.openings.append(
            {
                "id": oid,
                "organization_id": org["id"],
                "interaction_id": visit["id"],
                "title": rng.choice(TITLES[family[0]]),
                "job_family": family[0],
                "ateco_section": org["ateco_section"],
                "description": None,
                "free_skills": [],
                "contract": contract,
                "hours_per_week": rng.choice((20, 25, 30, 36, 40)),
                "shifts": [rng.choice(("morning", "morning", "afternoon", "evening"))],
                "address": org["address"],
                "comune_code": org["comune_code"],
                "latitude": org["latitude"],
                "longitude": org["longitude"],
                "positions": rng.choice((1, 1, 1, 2)),
                "deadline": found + timedelta(days=rng.randint(30, 75)),
                "status": OpeningStatus.OPEN
                if age < 60
                else rng.choice((OpeningStatus.CLOSED, OpeningStatus.ON_HOLD)),
                "created_by_id": visit["user_id"],
                "created_at": created,
                "updated_at": created,
            }
        )
        required = family[1][:2]
        data.opening_skills.extend(
            {"opening_id": oid, "skill_id": skill_ids[s], "required": s in required} for s in family[1][:3]
        )
        _pipeline(rng, data, data.openings[-1], found, today, coordinator_id)


def _pipeline(
    rng: random.Random, data: DemoData, opening: dict[str, Any], found: date, today: date, coordinator_id: int
) -> None:
    """Two to five candidates per opening, moved along as far as the opening's age allows."""
    referred_before = [
        c for c in data.candidates if c["referred_on"] < found and c["status"] is CandidateStatus.ACTIVE
    ]
    if not referred_before:
        return
    chosen = rng.sample(referred_before, k=min(len(referred_before), rng.randint(2, 5)))
    hires = 0
    for n, candidate in enumerate(chosen):
        proposed = found + timedelta(days=rng.randint(2, 10))
        if proposed >= today:
            continue
        stage = PipelineStage.PROPOSED
        presented_at = None
        changed = proposed
        reason = None
        if (today - proposed).days > 7:
            stage, changed = PipelineStage.PRESENTED, proposed + timedelta(days=rng.randint(2, 6))
            presented_at = _utc(changed, 12)
            if (today - changed).days > 10 and rng.random() < 0.7:
                stage, changed = PipelineStage.INTERVIEW, changed + timedelta(days=rng.randint(3, 10))
                if (today - changed).days > 7:
                    if hires < opening["positions"] and rng.random() < 0.45:
                        stage = PipelineStage.HIRED
                    else:
                        stage, reason = PipelineStage.NOT_HIRED, rng.choice(list(NotHiredReason))
                    changed += timedelta(days=rng.randint(2, 8))
            elif (today - changed).days > 20 and rng.random() < 0.5:
                stage, reason = PipelineStage.NOT_HIRED, rng.choice(list(NotHiredReason))
        changed = min(changed, today - timedelta(days=1))
        eid = len(data.pipeline_entries) + 1
        data.pipeline_entries.append(
            {
                "id": eid,
                "opening_id": opening["id"],
                "candidate_id": candidate["id"],
                "stage": stage,
                "score": rng.randint(45, 95),
                "not_hired_reason": reason,
                "note": None,
                "proposed_by_id": candidate["operator_id"] if n else coordinator_id,
                "presented_at": presented_at,
                "stage_changed_at": _utc(changed, 16),
                "created_at": _utc(proposed, 9),
                "updated_at": _utc(changed, 16),
            }
        )
        if stage is PipelineStage.HIRED:
            hires += 1
            _placement(rng, data, opening, candidate, eid, changed, today)
    if hires >= opening["positions"]:
        opening["status"] = OpeningStatus.FILLED


def _placement(
    rng: random.Random,
    data: DemoData,
    opening: dict[str, Any],
    candidate: dict[str, Any],
    entry_id: int,
    hired_on: date,
    today: date,
) -> None:
    start = hired_on + timedelta(days=rng.randint(3, 14))
    pid = len(data.placements) + 1
    data.placements.append(
        {
            "id": pid,
            "entry_id": entry_id,
            "start_date": start,
            "contract": opening["contract"],
            "hours_per_week": opening["hours_per_week"],
            "end_date": None,
            "created_by_id": candidate["operator_id"],
            "created_at": _utc(hired_on, 17),
        }
    )
    candidate["status"] = CandidateStatus.PLACED
    employed = True
    for months in CHECK_MONTHS:
        due = _add_months(start, months)
        fid = len(data.follow_ups) + 1
        done = due < today and employed
        still: bool | None = None
        if done:
            still = rng.random() < 0.85
        cancelled = not employed
        data.follow_ups.append(
            {
                "id": fid,
                "title": check_title(candidate["code"], months, opening["title"]),
                "notes": None,
                "due_date": due,
                "status": FollowUpStatus.CANCELLED
                if cancelled
                else FollowUpStatus.DONE
                if done
                else FollowUpStatus.OPEN,
                "assignee_id": candidate["operator_id"],
                "organization_id": opening["organization_id"],
                "contact_id": None,
                "interaction_id": None,
                "created_by_id": candidate["operator_id"],
                "completed_at": _utc(due, 11) if done else None,
                "created_at": _utc(hired_on, 17),
                "updated_at": _utc(due if done else hired_on, 17),
            }
        )
        data.placement_checks.append(
            {
                "id": len(data.placement_checks) + 1,
                "placement_id": pid,
                "months": months,
                "due_date": due,
                "follow_up_id": fid,
                "still_employed": still,
                "checked_on": due if done else None,
                "note": None,
                "checked_by_id": candidate["operator_id"] if done else None,
            }
        )
        if still is False:
            employed = False
            data.placements[-1]["end_date"] = due
            candidate["status"] = CandidateStatus.ACTIVE
