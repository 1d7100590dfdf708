"""When a candidate is erased (:func:`crm.privacy.gdpr.erase_candidate`), the partnership's free text
about them goes in the same transaction: referral reasons, case notes, plan goals, actions, supports
and the snapshots of the plan's versions, with the change history of those rows. The dates stay, so
the timeliness figures keep counting the person (pseudonymously, like the pipeline's statistics).

Core statements on the flush's connection: no ORM objects change, so nothing new enters the history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session, attributes

from crm.audit.models import ChangeLog
from crm.candidates.models import Candidate, CandidateStatus
from crm.partnership.models import (
    CaseNote,
    PartnershipNotification,
    Plan,
    PlanAction,
    PlanGoal,
    PlanVersion,
    Referral,
)


def _erased_in_flush(session: Session) -> list[int]:
    return [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Candidate)
        and CandidateStatus.ERASED in (attributes.get_history(obj, "status").added or ())
    ]


def erase_partnership_text(connection: Any, candidate_ids: list[int]) -> None:
    """Blank the partnership's text about ``candidate_ids`` and drop its change history."""
    plan_ids = list(connection.execute(select(Plan.id).where(Plan.candidate_id.in_(candidate_ids))).scalars())
    referral_ids = list(
        connection.execute(select(Referral.id).where(Referral.candidate_id.in_(candidate_ids))).scalars()
    )
    connection.execute(delete(CaseNote.__table__).where(CaseNote.candidate_id.in_(candidate_ids)))
    connection.execute(
        delete(PartnershipNotification.__table__).where(
            PartnershipNotification.candidate_id.in_(candidate_ids)
        )
    )
    connection.execute(
        update(Referral.__table__).where(Referral.id.in_(referral_ids)).values(reasons_encrypted=None)
    )
    history: list[tuple[str, list[int]]] = [("referral", referral_ids), ("plan", plan_ids)]
    if plan_ids:
        connection.execute(
            update(Plan.__table__).where(Plan.id.in_(plan_ids)).values(supports=[], shared_note=None)
        )
        goal_ids = list(
            connection.execute(select(PlanGoal.id).where(PlanGoal.plan_id.in_(plan_ids))).scalars()
        )
        action_ids = list(
            connection.execute(select(PlanAction.id).where(PlanAction.plan_id.in_(plan_ids))).scalars()
        )
        connection.execute(update(PlanGoal.__table__).where(PlanGoal.id.in_(goal_ids)).values(text="—"))
        connection.execute(
            update(PlanAction.__table__)
            .where(PlanAction.id.in_(action_ids))
            .values(description="—", owner_name=None)
        )
        connection.execute(
            update(PlanVersion.__table__)
            .where(PlanVersion.plan_id.in_(plan_ids))
            .values(snapshot={}, achieved=None, changed=None, why=None)
        )
        history += [("plan_goal", goal_ids), ("plan_action", action_ids)]
    for entity_type, ids in history:
        if ids:
            connection.execute(
                delete(ChangeLog.__table__).where(
                    ChangeLog.entity_type == entity_type, ChangeLog.entity_id.in_(ids)
                )
            )


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: object) -> None:
    ids = _erased_in_flush(session)
    if ids:
        erase_partnership_text(session.connection(), ids)
