"""Demo visits logged from the field (``crm.field``): recent done visits get what the phone records —
the result, the arrival and departure times — and some a next step with its follow-up; the visit
that led to the demo's latest opening is logged as *opening found* (the opening is linked to it, so the
stop does not ask to record it again).

Pure: it edits the generated rows in place (no new interactions, so the history's counts and the
organizations' last-contact dates stay as they are). A separate random stream keeps the other tables
unchanged by this module. The result always agrees with the visit's outcome through
:data:`crm.field.services.OUTCOME_OF`, so the outreach ranking reads the same data as before.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from crm.followups.models import FollowUpStatus
from crm.interactions.models import InteractionKind, InteractionOutcome, InteractionStatus, VisitResult

if TYPE_CHECKING:
    from crm.demo.generator import DemoData

#: Field mode is recent: only visits of the last weeks were logged from a phone.
FIELD_DAYS = 60
#: The share of those visits logged from the field (the others were typed in at the office).
FIELD_SHARE = 0.7
#: Results per outcome, with weights: what a visit with that outcome may have been.
RESULTS: dict[InteractionOutcome, tuple[tuple[VisitResult, int], ...]] = {
    InteractionOutcome.POSITIVE: ((VisitResult.INTERESTED, 70), (VisitResult.AGREEMENT, 30)),
    InteractionOutcome.NEUTRAL: (
        (VisitResult.MET, 55),
        (VisitResult.CALL_BACK, 30),
        (VisitResult.POSTPONED, 15),
    ),
    InteractionOutcome.NEGATIVE: ((VisitResult.NOT_INTERESTED, 1),),
    InteractionOutcome.NO_ANSWER: ((VisitResult.NOT_MET, 1),),
}
#: Results after which the operator writes a next step and sets a follow-up date.
FOLLOWED_UP = frozenset(
    {VisitResult.INTERESTED, VisitResult.AGREEMENT, VisitResult.CALL_BACK, VisitResult.OPENING_FOUND}
)
NEXT_STEPS: dict[VisitResult, tuple[str, ...]] = {
    VisitResult.INTERESTED: ("Inviare i profili selezionati", "Fissare un secondo incontro con il titolare"),
    VisitResult.AGREEMENT: ("Preparare la convenzione di tirocinio", "Inviare la bozza di accordo"),
    VisitResult.CALL_BACK: ("Richiamare dopo le ferie", "Richiamare a inizio mese"),
    VisitResult.OPENING_FOUND: ("Proporre due candidati per la posizione",),
}
NOTES: dict[VisitResult, tuple[str, ...]] = {
    VisitResult.MET: ("Incontrato il responsabile del personale, valuta con i soci.",),
    VisitResult.INTERESTED: (
        "Interessati a un tirocinio in primavera.",
        "Cercano personale per la stagione.",
    ),
    VisitResult.AGREEMENT: ("Accordo per un tirocinio di sei mesi con tutor aziendale.",),
    VisitResult.CALL_BACK: ("Titolare assente, chiedono di richiamare.",),
    VisitResult.POSTPONED: ("L'azienda ha spostato l'incontro per un'ispezione.",),
    VisitResult.NOT_INTERESTED: ("Nessun fabbisogno di personale quest'anno.",),
    VisitResult.NOT_MET: ("Negozio chiuso, nessuno in sede.",),
    VisitResult.OPENING_FOUND: ("Posizione aperta: raccolti requisiti e orari.",),
}


def add_field_logs(data: DemoData) -> None:
    """Mark recent done visits as logged from the field (see the module); deterministic per seed."""
    rng = random.Random(f"{data.seed}-field")
    today = data.today
    for row in data.interactions:  # every row has the columns, so the loader's batches stay uniform
        row.setdefault("arrived_at", None)
        row.setdefault("left_at", None)
        row.setdefault("visit_result", None)
    since = today - timedelta(days=FIELD_DAYS)
    recent = [
        x
        for x in data.interactions
        if x["kind"] is InteractionKind.VISIT
        and x["status"] is InteractionStatus.DONE
        and x["outcome"] is not None
        and since <= x["occurred_at"].date() < today
    ]
    recent.sort(key=lambda x: (x["occurred_at"], x["id"]))
    opened = {o["interaction_id"]: o for o in data.openings if o.get("interaction_id") is not None}
    found = _opening_visit(data, opened, since)
    chosen = [x for x in recent if rng.random() < FIELD_SHARE or x is found]
    if found is not None and found not in chosen:
        chosen.append(found)
    open_follow_ups = {
        f["interaction_id"]: f
        for f in data.follow_ups
        if f["interaction_id"] is not None and f["status"] is FollowUpStatus.OPEN
    }
    first_contact: dict[int, int] = {}
    for contact in data.contacts:
        first_contact.setdefault(contact["organization_id"], contact["id"])
    for visit in chosen:
        result = VisitResult.OPENING_FOUND if visit is found else _result(rng, visit["outcome"])
        _log(rng, data, visit, result, today, open_follow_ups, first_contact)


def _opening_visit(data: DemoData, opened: dict[int, dict[str, Any]], since: date) -> dict[str, Any] | None:
    """The visit that led to the most recent opening (within the field period if one is)."""
    visits = {x["id"]: x for x in data.interactions}
    candidates = sorted(
        (visits[i] for i in opened if i in visits and visits[i]["occurred_at"].date() < data.today),
        key=lambda x: (x["occurred_at"], x["id"]),
    )
    return candidates[-1] if candidates else None


def _result(rng: random.Random, outcome: InteractionOutcome) -> VisitResult:
    choices = RESULTS[outcome]
    return rng.choices([r for r, _ in choices], weights=[w for _, w in choices])[0]


def _log(
    rng: random.Random,
    data: DemoData,
    visit: dict[str, Any],
    result: VisitResult,
    today: date,
    open_follow_ups: dict[int, dict[str, Any]],
    first_contact: dict[int, int],
) -> None:
    arrived = visit["occurred_at"]  # logging sets the visit's time to the arrival
    stay = (
        rng.randint(5, 12) if result in (VisitResult.NOT_MET, VisitResult.POSTPONED) else rng.randint(20, 70)
    )
    left = arrived + timedelta(minutes=stay)
    logged = left + timedelta(minutes=rng.randint(1, 20))  # on the pavement, before the next stop
    visit["visit_result"] = result
    visit["arrived_at"] = arrived
    visit["left_at"] = left
    visit["body"] = visit["body"] or rng.choice(NOTES[result])
    visit["created_at"] = min(visit["created_at"], logged)
    visit["updated_at"] = max(visit["created_at"], logged)
    if result not in FOLLOWED_UP:
        visit["next_step"] = None
        return
    next_step = rng.choice(NEXT_STEPS[result])
    visit["next_step"] = next_step
    day = arrived.date()
    due = day + timedelta(days=rng.randint(3, 14))
    existing = open_follow_ups.get(visit["id"])
    if existing is not None:  # the visit has its follow-up already: its title is the next step
        visit["next_step"] = existing["title"]
        return
    done = due < today and rng.random() < 0.6
    completed = _at(due, logged) if done else None
    data.follow_ups.append(
        {
            "id": len(data.follow_ups) + 1,
            "title": next_step,
            "notes": None,
            "due_date": due,
            "status": FollowUpStatus.DONE if done else FollowUpStatus.OPEN,
            "assignee_id": visit["user_id"],
            "organization_id": visit["organization_id"],
            "contact_id": visit["contact_id"] or first_contact.get(visit["organization_id"]) or None,
            "interaction_id": visit["id"],
            "created_by_id": visit["user_id"],
            "completed_at": completed,
            "created_at": logged,
            "updated_at": completed or logged,
        }
    )


def _at(day: date, like: Any) -> Any:
    """``like`` (a UTC datetime) moved to ``day``, same time of day."""
    return like + timedelta(days=(day - like.date()).days)
