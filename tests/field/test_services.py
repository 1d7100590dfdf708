"""Logging a visit: what is saved, idempotency keys, version conflicts, permissions, follow-ups, the
day's stops (daylight-saving days included) and the JSON payload's times."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crm.audit.models import ChangeAction, ChangeLog
from crm.auth.models import Role
from crm.extensions import db
from crm.field.forms import payload_data
from crm.field.models import FieldSubmission
from crm.field.services import (
    OUTCOME_OF,
    FieldError,
    FieldPermissionError,
    VisitConflict,
    field_day,
    log_visit,
    version_of,
)
from crm.followups.models import FollowUp
from crm.interactions.models import (
    Interaction,
    InteractionKind,
    InteractionOutcome,
    InteractionStatus,
    VisitResult,
)

ROME = ZoneInfo("Europe/Rome")
AT = datetime(2026, 11, 25, 9, 30, tzinfo=ROME)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ROME)


def _updates(interaction_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            ChangeLog.entity_type == "interaction",
            ChangeLog.entity_id == interaction_id,
            ChangeLog.action == ChangeAction.UPDATE,
        )
    )


def _data(**changes):
    data = {
        "result": VisitResult.MET,
        "arrived_at": datetime(2026, 11, 25, 9, 35, tzinfo=ROME),
        "left_at": datetime(2026, 11, 25, 10, 20, tzinfo=ROME),
        "notes": "Parlato con la titolare.",
        "next_step": "Mandare la brochure",
        "follow_up_date": None,
    }
    data.update(changes)
    return data


def test_every_result_sets_a_coarse_outcome():
    """Each fine result maps to the outcome the ranking reads; refusals are negative, no-shows no answer."""
    assert set(OUTCOME_OF) == set(VisitResult)
    assert OUTCOME_OF[VisitResult.OPENING_FOUND] is InteractionOutcome.POSITIVE
    assert OUTCOME_OF[VisitResult.NOT_INTERESTED] is InteractionOutcome.NEGATIVE
    assert OUTCOME_OF[VisitResult.NOT_MET] is InteractionOutcome.NO_ANSWER
    assert OUTCOME_OF[VisitResult.MET] is InteractionOutcome.NEUTRAL


def test_log_visit_saves_onto_the_interaction(field_operator, make_visit):
    """The visit becomes done with result, outcome, times (occurred_at = arrival), notes; audited."""
    visit = make_visit(field_operator, AT)
    result = log_visit(visit, _data(result=VisitResult.INTERESTED), by=field_operator, now=NOW)
    db.session.expire_all()
    saved = db.session.get(Interaction, visit.id)
    assert not result.duplicate
    assert saved.status is InteractionStatus.DONE
    assert saved.visit_result is VisitResult.INTERESTED
    assert saved.outcome is InteractionOutcome.POSITIVE
    assert saved.arrived_at == datetime(2026, 11, 25, 8, 35, tzinfo=UTC)
    assert saved.left_at == datetime(2026, 11, 25, 9, 20, tzinfo=UTC)
    assert saved.occurred_at == saved.arrived_at
    assert saved.body == "Parlato con la titolare."
    assert saved.next_step == "Mandare la brochure"
    assert saved.organization.last_interaction_at == saved.arrived_at
    entry = db.session.scalars(
        select(ChangeLog).where(
            ChangeLog.entity_type == "interaction",
            ChangeLog.entity_id == visit.id,
            ChangeLog.action == ChangeAction.UPDATE,
        )
    ).one()
    assert entry.user_id == field_operator.id or entry.user_id is None
    assert entry.changes["visit_result"][1] == "interested"


def test_the_same_key_twice_is_applied_once(field_operator, make_visit):
    """A resend (same UUID) changes nothing and says it was a duplicate."""
    visit = make_visit(field_operator, AT)
    key = str(uuid.uuid4())
    log_visit(visit, _data(), by=field_operator, key=key, version=version_of(visit), now=NOW)
    updates = _updates(visit.id)
    again = log_visit(
        visit, _data(notes="changed"), by=field_operator, key=key.upper(), version="old", now=NOW
    )
    assert again.duplicate
    assert db.session.get(Interaction, visit.id).body == "Parlato con la titolare."
    assert _updates(visit.id) == updates
    assert db.session.scalar(select(func.count()).select_from(FieldSubmission)) == 1


def test_a_key_cannot_be_reused_for_another_visit(field_operator, make_visit):
    first, second = make_visit(field_operator, AT), make_visit(field_operator, AT + timedelta(hours=1))
    key = str(uuid.uuid4())
    log_visit(first, _data(), by=field_operator, key=key, now=NOW)
    with pytest.raises(FieldError) as error:
        log_visit(second, _data(), by=field_operator, key=key, now=NOW)
    assert error.value.code == "key_reused"
    with pytest.raises(FieldError, match="bad_key"):
        log_visit(second, _data(), by=field_operator, key="not-a-uuid", now=NOW)


def test_a_visit_changed_meanwhile_is_a_conflict(field_operator, make_visit):
    """A log written against an older version is refused with the visit as it is now; nothing changes."""
    visit = make_visit(field_operator, AT)
    old = version_of(visit)
    log_visit(visit, _data(notes="first"), by=field_operator, now=NOW)
    with pytest.raises(VisitConflict) as error:
        log_visit(
            visit, _data(notes="second", result=VisitResult.NOT_MET), by=field_operator, version=old, now=NOW
        )
    current = error.value.current
    assert current["notes"] == "first" and current["result"] == "met"
    assert current["version"] == version_of(db.session.get(Interaction, visit.id)) != old
    assert db.session.get(Interaction, visit.id).body == "first"
    # Written against the version the conflict reported, it goes through.
    log_visit(visit, _data(notes="second"), by=field_operator, version=current["version"], now=NOW)
    assert db.session.get(Interaction, visit.id).body == "second"


def test_operators_log_only_their_own_visits(field_operator, make_user, make_visit):
    visit = make_visit(field_operator, AT)
    colleague = make_user(Role.OPERATOR)
    with pytest.raises(FieldPermissionError):
        log_visit(visit, _data(), by=colleague, now=NOW)
    coordinator = make_user(Role.COORDINATOR)
    log_visit(visit, _data(), by=coordinator, now=NOW)
    assert db.session.get(Interaction, visit.id).status is InteractionStatus.DONE


def test_follow_up_date_creates_one_follow_up_and_a_relog_moves_it(field_operator, make_user, make_visit):
    """The follow-up is the visit operator's (even when a coordinator logs), titled by the next step."""
    visit = make_visit(field_operator, AT)
    coordinator = make_user(Role.COORDINATOR)
    result = log_visit(visit, _data(follow_up_date=date(2026, 12, 2)), by=coordinator, now=NOW)
    follow_up = db.session.get(FollowUp, result.follow_up.id)
    assert follow_up.assignee_id == field_operator.id
    assert follow_up.interaction_id == visit.id
    assert follow_up.organization_id == visit.organization_id
    assert follow_up.title == "Mandare la brochure" and follow_up.due_date == date(2026, 12, 2)
    log_visit(visit, _data(follow_up_date=date(2026, 12, 9), next_step=""), by=field_operator, now=NOW)
    rows = db.session.scalars(select(FollowUp)).all()
    assert len(rows) == 1 and rows[0].due_date == date(2026, 12, 9)
    assert rows[0].title.endswith(visit.organization.display_name)  # no next step: a default title


def test_bad_logs_are_refused_with_the_field(field_operator, make_visit):
    visit = make_visit(field_operator, AT)
    cases = [
        (_data(result=None), "result_required", "result"),
        (_data(left_at=datetime(2026, 11, 25, 9, 0, tzinfo=ROME)), "left_before_arrived", "left_at"),
        (_data(arrived_at=NOW + timedelta(hours=1), left_at=None), "future", "arrived_at"),
        (_data(arrived_at=AT - timedelta(days=1), left_at=None), "too_early", "arrived_at"),
        (_data(follow_up_date=date(2026, 11, 24)), "past", "follow_up_date"),
        (_data(next_step="x" * 301), "too_long", "next_step"),
    ]
    for data, code, field in cases:
        with pytest.raises(FieldError) as error:
            log_visit(visit, data, by=field_operator, now=NOW)
        assert (error.value.code, error.value.field) == (code, field)
    assert db.session.get(Interaction, visit.id).status is InteractionStatus.PLANNED


def test_cancelled_visits_and_other_kinds_cannot_be_logged(field_operator, make_visit):
    cancelled = make_visit(field_operator, AT, status=InteractionStatus.CANCELLED)
    with pytest.raises(FieldError, match="cancelled"):
        log_visit(cancelled, _data(), by=field_operator, now=NOW)
    call = make_visit(field_operator, AT, kind=InteractionKind.CALL)
    with pytest.raises(FieldError, match="not_a_visit"):
        log_visit(call, _data(), by=field_operator, now=NOW)


def test_field_day_lists_the_local_day_in_order(field_operator, make_visit, make_org):
    """Local midnight to midnight on the 25-hour day summer time ends; last contact excludes the day."""
    org = make_org()
    late = make_visit(field_operator, datetime(2026, 10, 25, 23, 30, tzinfo=ROME), org=org)
    early = make_visit(field_operator, datetime(2026, 10, 25, 0, 15, tzinfo=ROME))
    make_visit(field_operator, datetime(2026, 10, 26, 0, 15, tzinfo=ROME))  # the next day
    make_visit(field_operator, datetime(2026, 10, 24, 23, 45, tzinfo=ROME))  # the day before
    earlier = make_visit(
        field_operator,
        datetime(2026, 9, 1, 10, 0, tzinfo=ROME),
        org=org,
        status=InteractionStatus.DONE,
        subject="Prima telefonata",
        kind=InteractionKind.CALL,
    )
    day = field_day(field_operator, date(2026, 10, 25))
    assert [s.interaction.id for s in day.stops] == [early.id, late.id]
    assert day.stops[1].last_interaction.id == earlier.id
    assert day.stops[0].last_interaction is None
    assert day.stops[1].links["geo"].startswith("geo:")
    assert day.to_do == 2
    assert day.directions  # office → stops → office


@pytest.mark.parametrize(
    ("day", "hhmm", "utc"),
    [
        (date(2026, 10, 25), "09:00", datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),  # CET again
        (date(2026, 10, 24), "09:00", datetime(2026, 10, 24, 7, 0, tzinfo=UTC)),  # still CEST
        (date(2026, 3, 29), "09:00", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # CEST from 02:00
        (date(2026, 3, 28), "09:00", datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
    ],
)
def test_payload_times_are_florence_wall_clock_on_the_visit_day(day, hhmm, utc):
    data, key, version = payload_data(
        {"result": "met", "arrived_time": hhmm, "key": "k", "version": "v"}, day
    )
    assert data["arrived_at"] == utc
    assert (key, version) == ("k", "v")


def test_payload_refuses_bad_input_naming_the_field():
    day = date(2026, 11, 25)
    for payload, field in [
        ({"result": "maybe"}, "result"),
        ({"result": "met", "arrived_time": "25:00"}, "arrived_at"),
        ({"result": "met", "arrived_at": "2026-11-25T09:00:00"}, "arrived_at"),
        ({"result": "met", "follow_up_date": "2026-13-01"}, "follow_up_date"),
        ({"result": "met", "notes": 5}, "notes"),
    ]:
        with pytest.raises(FieldError) as error:
            payload_data(payload, day)
        assert error.value.field == field, payload
    with pytest.raises(FieldError, match="not_an_object"):
        payload_data(["met"], day)
    data, _, _ = payload_data({"result": "met", "arrived_at": "2026-11-25T09:00:00+01:00"}, day)
    assert data["arrived_at"] == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
