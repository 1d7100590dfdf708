"""Demo rows of the social-services partnership: the referring offices (every office the demo
candidates come from), three social workers with logins in two of them, a referral per candidate,
and tailored plans with goals, actions for the hub, the social worker and other bodies, supports,
versions and a shared note.

Pure: rows only (reasons and notes in clear, encrypted by the loader through
:func:`partnership_rows`). A separate random stream keeps the other tables unchanged by this module.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from crm.auth.models import Role
from crm.candidates.models import CandidateStatus, ConsentPurpose
from crm.partnership.models import (
    ActionStatus,
    CaseNote,
    GoalStatus,
    NotifyMode,
    OwnerKind,
    Plan,
    PlanAction,
    PlanGoal,
    PlanVersion,
    Referral,
    Referrer,
    ReferringOffice,
    SupportKind,
    VersionKind,
)

if TYPE_CHECKING:
    from crm.demo.generator import DemoData


class PartnershipAccount(NamedTuple):
    """A demo login of a social worker (same fields as ``crm.demo.generator.DemoAccount``)."""

    id: int
    email: str
    full_name: str
    role: Role


#: The two referring offices whose social workers log in, and their accounts (ids after the staff's).
PORTAL_OFFICES: tuple[str, ...] = (
    "Servizio Sociale Professionale – Quartiere 1",
    "Servizio Sociale Professionale – Quartiere 4",
)
PARTNERSHIP_ACCOUNTS: tuple[PartnershipAccount, ...] = (
    PartnershipAccount(6, "assistente.q1@demo.local", "Elena Marchi", Role.REFERRER),
    PartnershipAccount(7, "assistente2.q1@demo.local", "Paolo Gori", Role.REFERRER),
    PartnershipAccount(8, "assistente.q4@demo.local", "Giovanna Ricci", Role.REFERRER),
)
_ACCOUNT_OFFICE = {6: PORTAL_OFFICES[0], 7: PORTAL_OFFICES[0], 8: PORTAL_OFFICES[1]}

#: The partnership's tables in insertion order, for the loader: (name in ``data.partnership``, model).
PARTNERSHIP_TABLES: tuple[tuple[str, Any], ...] = (
    ("referring_offices", ReferringOffice),
    ("referrers", Referrer),
    ("referrals", Referral),
    ("plans", Plan),
    ("plan_goals", PlanGoal),
    ("plan_actions", PlanAction),
    ("plan_versions", PlanVersion),
    ("case_notes", CaseNote),
)

REASONS = (
    "Disoccupato da oltre un anno dopo la chiusura dell'azienda; cerca un lavoro stabile vicino a casa.",
    "Madre sola con due figli, vuole un impiego part-time compatibile con la scuola.",
    "Giovane uscito dal percorso scolastico senza qualifica: serve un primo inserimento con tutor.",
    "Ha concluso un percorso di recupero e chiede un tirocinio per rientrare nel lavoro.",
    "Percettore di sostegno al reddito; il patto di inclusione prevede la ricerca attiva di lavoro.",
    "Esperienza nella ristorazione, perde il lavoro per problemi di orario: cerca turni diurni.",
)
GOALS = (
    "Ottenere il patentino del carrello elevatore",
    "Due settimane di tirocinio in logistica",
    "Primo colloquio di lavoro entro tre mesi",
    "Completare il corso HACCP",
    "Preparare il curriculum e una lettera di presentazione",
    "Migliorare l'italiano fino al livello A2",
    "Trovare un impiego part-time al mattino",
    "Tirocinio in una cooperativa di tipo B",
)
HUB_ACTIONS = (
    "Bilancio di competenze",
    "Preparare il curriculum con la persona",
    "Proporre la persona per le offerte compatibili",
    "Accompagnare al primo colloquio",
    "Attivare il tirocinio con la cooperativa",
)
REFERRER_ACTIONS = (
    "Verificare l'ISEE aggiornato",
    "Attivare il contributo per l'abbonamento ATAF",
    "Cercare un posto al nido comunale",
    "Aggiornare il patto di inclusione",
)
EXTERNAL_ACTIONS = (
    ("Iscrizione al corso per carrellisti", "Ente di formazione Formatica Firenze"),
    ("Corso di italiano A2", "CPIA 1 Firenze"),
    ("Colloquio di orientamento", "Centro per l'impiego di Firenze"),
    ("Corso HACCP", "Confesercenti Formazione"),
)
SUPPORTS = (
    (SupportKind.TRANSPORT, "Abbonamento ATAF mensile", "Comune di Firenze"),
    (SupportKind.CHILDCARE, "Posto al nido nel quartiere", "Servizi educativi del Comune"),
    (SupportKind.WORKPLACE_TUTOR, "Tutor aziendale nelle prime settimane", "Azienda ospitante"),
    (SupportKind.INCOME, "Borsa lavoro per il tirocinio", "Società della Salute"),
    (SupportKind.TRAINING, "Corso gratuito con attestato", "Regione Toscana – Giovanisì"),
)


def _utc(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def add_partnership(data: DemoData) -> None:
    """Fill ``data.partnership`` from the generated candidates, pipelines and accounts."""
    rng = random.Random(f"{data.seed}-partnership")
    today = data.today
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in PARTNERSHIP_TABLES}
    data.partnership = rows
    first_day = min((c["referred_on"] for c in data.candidates), default=today)
    offices = sorted({c["referring_office"] for c in data.candidates} | set(PORTAL_OFFICES))
    office_ids = {name: i for i, name in enumerate(offices, start=1)}
    for name, office_id in office_ids.items():
        rows["referring_offices"].append(
            {
                "id": office_id,
                "name": name,
                "address": None,
                "phone": None,
                "email": None,
                "active": True,
                "created_at": _utc(first_day - timedelta(days=30)),
            }
        )
    for n, account in enumerate(PARTNERSHIP_ACCOUNTS, start=1):
        rows["referrers"].append(
            {
                "id": n,
                "user_id": account.id,
                "office_id": office_ids[_ACCOUNT_OFFICE[account.id]],
                "notify": NotifyMode.DIGEST if n == 2 else NotifyMode.INSTANT,
                "created_at": _utc(first_day - timedelta(days=30)),
            }
        )
    workers: dict[str, list[PartnershipAccount]] = {}
    for account in PARTNERSHIP_ACCOUNTS:
        workers.setdefault(_ACCOUNT_OFFICE[account.id], []).append(account)
    presented = _first_dates(data)
    for candidate in data.candidates:
        _referral(rng, data, rows, candidate, office_ids, workers, presented, today)


def _first_dates(data: DemoData) -> dict[int, date]:
    first: dict[int, date] = {}
    for entry in data.pipeline_entries:
        if entry["presented_at"] is not None:
            day = entry["presented_at"].date()
            cid = entry["candidate_id"]
            first[cid] = min(first.get(cid, day), day)
    return first


def _referral(
    rng: random.Random,
    data: DemoData,
    rows: dict[str, list[dict[str, Any]]],
    candidate: dict[str, Any],
    office_ids: dict[str, int],
    workers: dict[str, list[PartnershipAccount]],
    presented: dict[int, date],
    today: date,
) -> None:
    referred: date = candidate["referred_on"]
    office = candidate["referring_office"]
    referrer = rng.choice(workers[office]) if office in workers else None
    if referrer is not None:
        candidate["case_worker"] = referrer.full_name
    first_contact = referred + timedelta(days=rng.randint(2, 15))
    if first_contact >= today:
        first_contact = None  # type: ignore[assignment]
    rid = len(rows["referrals"]) + 1
    rows["referrals"].append(
        {
            "id": rid,
            "candidate_id": candidate["id"],
            "office_id": office_ids[office],
            "referrer_id": referrer.id if referrer is not None else None,
            "referred_at": _utc(referred, 9),
            "reasons_encrypted": rng.choice(REASONS),  # clear here; the loader encrypts it
            "first_contact_on": first_contact,
            "created_by_id": referrer.id if referrer is not None else candidate["created_by_id"],
            "created_at": _utc(referred, 9),
        }
    )
    if referrer is not None:
        data.consents.append(
            {
                "id": len(data.consents) + 1,
                "candidate_id": candidate["id"],
                "purpose": ConsentPurpose.SHARING_WITH_SOCIAL_SERVICES,
                "given_on": referred,
                "document": f"Consenso servizi sociali prot. {referred.year}/{rid:04d}",
                "withdrawn_on": None,
                "recorded_by_id": referrer.id,
                "created_at": _utc(referred, 9),
            }
        )
    if first_contact is None or candidate["status"] is CandidateStatus.ERASED:
        return
    written = first_contact + timedelta(days=rng.randint(5, 25))
    if presented.get(candidate["id"]) is not None:
        written = min(written, presented[candidate["id"]] - timedelta(days=1))
    written = max(written, first_contact)
    if written >= today or (referrer is None and rng.random() < 0.35):
        return
    _plan(rng, rows, candidate, referrer, written, today)


def _plan(
    rng: random.Random,
    rows: dict[str, list[dict[str, Any]]],
    candidate: dict[str, Any],
    referrer: PartnershipAccount | None,
    written: date,
    today: date,
) -> None:
    operator_id = candidate["operator_id"]
    pid = len(rows["plans"]) + 1
    goals = rng.sample(GOALS, k=rng.randint(2, 3))
    goal_rows = []
    for position, text in enumerate(goals):
        target = written + timedelta(days=rng.randint(30, 150))
        status = GoalStatus.ACHIEVED if target < today and rng.random() < 0.6 else GoalStatus.OPEN
        goal_rows.append(
            {
                "id": len(rows["plan_goals"]) + 1,
                "plan_id": pid,
                "position": position,
                "text": text,
                "target_on": target,
                "status": status,
            }
        )
        rows["plan_goals"].append(goal_rows[-1])
    action_rows = []
    specs: list[tuple[str, OwnerKind, int | None, str | None, bool]] = [
        (rng.choice(HUB_ACTIONS), OwnerKind.HUB, operator_id, None, False),
        (rng.choice(HUB_ACTIONS), OwnerKind.HUB, operator_id, None, True),
    ]
    if referrer is not None:
        specs.append((rng.choice(REFERRER_ACTIONS), OwnerKind.REFERRER, referrer.id, None, True))
    description, body = rng.choice(EXTERNAL_ACTIONS)
    specs.append((description, OwnerKind.EXTERNAL, None, body, False))
    for description, kind, user_id, name, shared in specs:
        due = written + timedelta(days=rng.randint(7, 120))
        if due < today:
            status = rng.choices((ActionStatus.DONE, ActionStatus.TODO, ActionStatus.CANCELLED), (75, 20, 5))[
                0
            ]
        else:
            status = rng.choice((ActionStatus.TODO, ActionStatus.IN_PROGRESS))
        action_rows.append(
            {
                "id": len(rows["plan_actions"]) + 1,
                "plan_id": pid,
                "goal_id": rng.choice(goal_rows)["id"],
                "description": description,
                "owner_kind": kind,
                "owner_user_id": user_id,
                "owner_name": name,
                "due_on": due,
                "status": status,
                "completed_on": min(due, today - timedelta(days=1)) if status is ActionStatus.DONE else None,
                "shared": shared,
                "created_at": _utc(written, 11),
                "updated_at": _utc(min(due, today - timedelta(days=1)) if due < today else written, 11),
            }
        )
        rows["plan_actions"].append(action_rows[-1])
    supports = [
        {"kind": kind.value, "detail": detail, "provider": provider}
        for kind, detail, provider in rng.sample(SUPPORTS, k=rng.randint(1, 2))
    ]
    # Reviews every three months; the next one may be overdue (it then shows in the follow-ups).
    reviews = []
    day = written + timedelta(days=90)
    while day < today - timedelta(days=rng.randint(0, 20)):
        reviews.append(day)
        day += timedelta(days=90)
    next_review = day
    versions = [(VersionKind.CREATED, written, None, None, None)]
    for review_day in reviews:
        versions.append(
            (
                VersionKind.REVIEW,
                review_day,
                "Obiettivi in linea con quanto previsto; " + goals[0].lower() + ": fatto.",
                "Nuove date per le azioni ancora aperte.",
                "La persona ha iniziato il corso più tardi del previsto.",
            )
        )
    snapshot = {
        "goals": [
            {
                "id": g["id"],
                "text": g["text"],
                "target_on": g["target_on"].isoformat(),
                "status": g["status"].value,
            }
            for g in goal_rows
        ],
        "actions": [
            {
                "id": a["id"],
                "description": a["description"],
                "owner_kind": a["owner_kind"].value,
                "owner": a["owner_name"] or "",
                "due_on": a["due_on"].isoformat(),
                "status": a["status"].value,
                "goal": None,
            }
            for a in action_rows
        ],
        "supports": supports,
        "next_review_on": next_review.isoformat(),
        "shared_note": None,
    }
    for number, (kind, day_of, achieved, changed, why) in enumerate(versions, start=1):
        rows["plan_versions"].append(
            {
                "id": len(rows["plan_versions"]) + 1,
                "plan_id": pid,
                "number": number,
                "kind": kind,
                "achieved": achieved,
                "changed": changed,
                "why": why,
                "snapshot": snapshot,
                "created_by_id": operator_id,
                "created_by_name": "",
                "created_at": _utc(day_of, 15),
            }
        )
    rows["plans"].append(
        {
            "id": pid,
            "candidate_id": candidate["id"],
            "supports": supports,
            "next_review_on": next_review,
            "shared_note": "Ci sentiamo dopo il colloquio." if referrer is not None else None,
            "version": len(versions),
            "signed_on": None,
            "signed_version": None,
            "consent_id": None,
            "created_by_id": operator_id,
            "created_at": _utc(written, 15),
            "updated_at": _utc(versions[-1][1], 15),
        }
    )
    if referrer is not None:
        rows["case_notes"].append(
            {
                "id": len(rows["case_notes"]) + 1,
                "candidate_id": candidate["id"],
                "author_id": referrer.id,
                "author_name": referrer.full_name,
                "body_encrypted": "La persona ha confermato la disponibilità al tirocinio.",
                "shared": True,
                "created_at": _utc(min(written + timedelta(days=2), today - timedelta(days=1)), 12),
            }
        )


def partnership_rows(data: DemoData, names: dict[int, str]) -> dict[str, list[dict[str, Any]]]:
    """The partnership's rows ready to insert: reasons and notes encrypted (seeded, so reproducible),
    and version authors named (``names``: user id to full name)."""
    from crm.partnership.services import NOTE_CONTEXT, REASONS_CONTEXT
    from crm.privacy.crypto import encrypt_json

    rows = getattr(data, "partnership", None) or {}
    if not rows:
        return {}

    def seed(kind: str, row_id: int) -> bytes:
        return f"demo-{data.seed}-{kind}-{row_id}".encode()

    result = dict(rows)
    result["referrals"] = [
        {
            **r,
            "reasons_encrypted": encrypt_json(
                {"reasons": r["reasons_encrypted"]},
                context=REASONS_CONTEXT,
                deterministic=seed("reasons", r["id"]),
            ),
        }
        for r in rows["referrals"]
    ]
    result["case_notes"] = [
        {
            **n,
            "body_encrypted": encrypt_json(
                {"text": n["body_encrypted"]}, context=NOTE_CONTEXT, deterministic=seed("note", n["id"])
            ),
        }
        for n in rows["case_notes"]
    ]
    owners = {a["id"]: names.get(a["owner_user_id"], a["owner_name"] or "") for a in rows["plan_actions"]}
    result["plan_versions"] = [
        {
            **v,
            "created_by_name": names.get(v["created_by_id"], ""),
            "snapshot": {
                **v["snapshot"],
                "actions": [
                    {**a, "owner": owners.get(a["id"], a["owner"])} for a in v["snapshot"]["actions"]
                ],
            },
        }
        for v in rows["plan_versions"]
    ]
    return result
