from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import ChangeAction, ChangeLog
from crm.audit.services import acting_as, history_for
from crm.extensions import db
from crm.organizations.models import Organization, OrganizationStatus


def _log(entity_id: int) -> list[ChangeLog]:
    return list(
        db.session.scalars(
            select(ChangeLog)
            .where(ChangeLog.entity_type == "organization", ChangeLog.entity_id == entity_id)
            .order_by(ChangeLog.id)
        )
    )


def test_create_update_delete_are_recorded_with_their_author(operator):
    """Each change to an audited record leaves a row naming who did what, with old and new values."""
    with acting_as(operator.id):
        org = Organization(legal_name="Pelletteria Bianchi S.r.l.", search_text="")
        db.session.add(org)
        db.session.commit()
        org.status = OrganizationStatus.CONTACTED
        org.employees = 12
        db.session.commit()
        org_id = org.id
        db.session.delete(org)
        db.session.commit()

    created, updated, deleted = _log(org_id)
    assert created.action is ChangeAction.CREATE and created.user_id == operator.id
    assert created.changes["legal_name"] == [None, "Pelletteria Bianchi S.r.l."]
    assert updated.action is ChangeAction.UPDATE
    assert updated.changes == {"status": ["prospect", "contacted"], "employees": [None, 12]}
    assert deleted.action is ChangeAction.DELETE


def test_derived_columns_are_not_recorded(operator):
    """Refreshing the search text is not a change a person made."""
    with acting_as(operator.id):
        org = Organization(legal_name="Alfa", search_text="alfa")
        db.session.add(org)
        db.session.commit()
        org.search_text = "alfa beta"
        db.session.commit()
    assert [entry.action for entry in _log(org.id)] == [ChangeAction.CREATE]


def test_a_rolled_back_change_leaves_no_history(operator):
    """The history is written in the same transaction as the change."""
    org = Organization(legal_name="Gamma", search_text="")
    db.session.add(org)
    db.session.commit()
    org.legal_name = "Gamma 2"
    db.session.flush()
    db.session.rollback()
    assert [entry.action for entry in _log(org.id)] == [ChangeAction.CREATE]


def test_history_for_lists_newest_first(operator):
    """The per-record history shows the latest change on top."""
    org = Organization(legal_name="Delta", search_text="")
    db.session.add(org)
    db.session.commit()
    org.legal_name = "Delta 2"
    db.session.commit()
    assert [entry.action for entry in history_for("organization", org.id)] == [
        ChangeAction.UPDATE,
        ChangeAction.CREATE,
    ]
