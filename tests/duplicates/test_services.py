"""Finding in the database, dismissing and merging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from crm.audit.models import ChangeAction, ChangeLog
from crm.contacts.models import Contact
from crm.duplicates.models import DuplicateDismissal
from crm.duplicates.services import (
    DuplicateFilters,
    MergeConflictError,
    MergePermissionError,
    dismiss_pair,
    duplicates_of,
    find_duplicates,
    merge_organizations,
    possible_duplicates_count,
)
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.interactions.models import Interaction
from crm.organizations.models import Organization
from crm.organizations.services import set_tags, update_organization
from tests.organizations.helpers import valid_vat

from .conftest import EMPOLI, FIRENZE


def test_find_duplicates_reads_the_database(make_org):
    """Similar names in one comune and a shared phone across comuni come back as pairs."""
    a = make_org(legal_name="Rossi S.r.l.")
    b = make_org(legal_name="ROSSI SRL")
    c = make_org(legal_name="Alfa", comune_code=EMPOLI, phone="+390571111111")
    d = make_org(legal_name="Beta", comune_code=FIRENZE, phone2="+390571111111")
    make_org(legal_name="Rossi srl", comune_code=EMPOLI)
    pairs = find_duplicates()
    assert {p.ids for p in pairs} == {(a.id, b.id), (c.id, d.id)}
    only_empoli = find_duplicates(DuplicateFilters(comune_code=EMPOLI))
    assert [p.ids for p in only_empoli] == [(c.id, d.id)]


def test_dismissal_persists_and_the_pair_never_comes_back(make_org, coord):
    """"Not a duplicate" is stored once, lower id first, and hides the pair from every search."""
    a = make_org(legal_name="Rossi S.r.l.")
    b = make_org(legal_name="Rossi srl")
    assert [p.ids for p in find_duplicates()] == [(a.id, b.id)]
    dismissal = dismiss_pair(b.id, a.id, by=coord)
    again = dismiss_pair(a.id, b.id, by=coord)
    assert again.id == dismissal.id
    db.session.expire_all()
    stored = db.session.scalars(select(DuplicateDismissal)).all()
    assert [(d.organization_low_id, d.organization_high_id, d.dismissed_by_id) for d in stored] == [
        (a.id, b.id, coord.id)
    ]
    assert find_duplicates() == []
    assert duplicates_of(a) == []
    assert possible_duplicates_count(a) == 0


def test_duplicates_of_one_organization_and_its_hint(make_org):
    """The targeted search and the cheap hint find the same candidates for one organization."""
    a = make_org(legal_name="Il Girasole Società Cooperativa Sociale", email="info@girasole.example")
    b = make_org(legal_name="Coop. Sociale Il Girasole a r.l.")
    c = make_org(legal_name="Tutt'altro", comune_code=EMPOLI, pec="INFO@girasole.example")
    make_org(legal_name="Girasole", comune_code=EMPOLI)
    assert {p.ids for p in duplicates_of(a)} == {(a.id, b.id), (a.id, c.id)}
    assert possible_duplicates_count(a) == 2


@pytest.fixture
def pair(make_org, add_contact, add_interaction, add_follow_up):
    """Two records of one cooperative, each with its contacts, interactions, follow-ups and tags."""
    survivor = make_org(
        legal_name="Il Girasole Soc. Coop. Sociale",
        vat_number=valid_vat(1),
        phone="+390551234567",
        notes="Referente storico: Anna.",
        tags=["tirocini", "Legge 68"],
    )
    other = make_org(
        legal_name="Coop. Sociale Il Girasole a r.l.",
        trade_name="Il Girasole",
        vat_number=valid_vat(2),
        email="info@girasole.example",
        website="https://girasole.example",
        notes="Interessati ai tirocini estivi.",
        tags=["Legge 68", "pulizie"],
    )
    add_contact(survivor, "Anna", primary=True)
    add_contact(other, "Bruno", primary=True)
    add_contact(other, "Carla")
    add_interaction(survivor, "Prima chiamata", occurred_at=datetime(2026, 1, 10, 9, tzinfo=UTC))
    add_interaction(other, "Visita", occurred_at=datetime(2026, 6, 1, 9, tzinfo=UTC))
    add_interaction(other, "E-mail", occurred_at=datetime(2026, 5, 1, 9, tzinfo=UTC))
    add_follow_up(other, "Richiamare")
    for org in (survivor, other):
        db.session.refresh(org)
    other.last_interaction_at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    db.session.commit()
    return survivor, other


def _ids(model, org_id):
    return set(db.session.scalars(select(model.id).where(model.organization_id == org_id)))


def test_merge_moves_everything_and_loses_nothing(pair, coord):
    """Every contact, interaction, follow-up and tag of the other ends up on the survivor."""
    survivor, other = pair
    other_id = other.id
    before = {m: _ids(m, survivor.id) | _ids(m, other_id) for m in (Contact, Interaction, FollowUp)}
    chosen = {"trade_name": other.trade_name, "email": other.email, "website": other.website}
    merged = merge_organizations(
        survivor, other, chosen, by=coord, expected_versions=(survivor.version, other.version)
    )
    db.session.expire_all()
    assert db.session.get(Organization, other_id) is None
    for model, ids in before.items():
        assert _ids(model, merged.id) == ids, model
    org = db.session.get(Organization, merged.id)
    assert [t.name for t in org.tags] == ["Legge 68", "pulizie", "tirocini"]
    assert org.trade_name == "Il Girasole"
    assert org.email == "info@girasole.example"
    assert org.phone == "+390551234567"  # the survivor's own value is kept
    assert org.last_interaction_at == datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert org.notes.startswith("Referente storico: Anna.\n\n— merged from Il Girasole (")
    assert org.notes.endswith("—\nInteressati ai tirocini estivi.")
    assert "bruno" in org.search_text and "girasole.example" in org.search_text


def test_merge_keeps_the_survivors_primary_contact(pair, coord):
    """The survivor's primary contact stays the only primary one."""
    survivor, other = pair
    merge_organizations(survivor, other, {}, by=coord)
    db.session.expire_all()
    primaries = db.session.scalars(
        select(Contact.first_name).where(Contact.organization_id == survivor.id, Contact.is_primary)
    ).all()
    assert primaries == ["Anna"]


def test_merge_keeps_the_others_primary_when_the_survivor_has_none(make_org, add_contact, coord):
    """Without a primary contact of its own, the survivor takes the other's."""
    survivor, other = make_org(legal_name="Alfa"), make_org(legal_name="Alfa srl")
    add_contact(survivor, "Anna")
    add_contact(other, "Bruno", primary=True)
    merge_organizations(survivor, other, {}, by=coord)
    db.session.expire_all()
    primary = db.session.scalars(
        select(Contact.first_name).where(Contact.organization_id == survivor.id, Contact.is_primary)
    ).all()
    assert primary == ["Bruno"]


def test_merge_can_keep_the_others_partita_iva(pair, coord):
    """Choosing the other's Partita IVA does not trip over the unique index."""
    survivor, other = pair
    vat = other.vat_number
    merge_organizations(survivor, other, {"vat_number": vat}, by=coord)
    db.session.expire_all()
    assert db.session.get(Organization, survivor.id).vat_number == vat
    assert db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.vat_number == vat)
    ) == 1


def test_merge_is_recorded_in_the_change_history(pair, coord):
    """The survivor gets an update and a merge entry; the other's deletion is recorded."""
    survivor, other = pair
    other_id, survivor_id = other.id, survivor.id
    merge_organizations(survivor, other, {"trade_name": "Il Girasole"}, by=coord)
    entries = db.session.scalars(
        select(ChangeLog).where(ChangeLog.entity_type == "organization").order_by(ChangeLog.id)
    ).all()
    merge = [e for e in entries if e.action is ChangeAction.MERGE]
    assert len(merge) == 1
    assert merge[0].entity_id == survivor_id and merge[0].user_id == coord.id
    assert merge[0].changes["merged_from"] == [other_id, "Il Girasole"]
    assert merge[0].changes["moved"][1] == {"contacts": 2, "interactions": 2, "follow_ups": 1, "tags": 1}
    updates = [e for e in entries if e.action is ChangeAction.UPDATE and e.entity_id == survivor_id]
    assert any(e.changes.get("trade_name") == [None, "Il Girasole"] for e in updates)
    deleted = [e for e in entries if e.action is ChangeAction.DELETE]
    assert [(e.entity_id, e.user_id) for e in deleted] == [(other_id, coord.id)]


def test_merge_removes_the_dismissals_of_the_deleted_organization(make_org, coord):
    """A decision about a pair with the deleted organization goes with it."""
    a, b, c = make_org(legal_name="Alfa"), make_org(legal_name="Beta"), make_org(legal_name="Gamma")
    dismiss_pair(b.id, c.id, by=coord)
    merge_organizations(a, b, {}, by=coord)
    assert db.session.scalar(select(func.count()).select_from(DuplicateDismissal)) == 0


def test_merge_refuses_when_either_organization_changed(pair, coord):
    """Optimistic locking: a save made after the comparison was loaded stops the merge."""
    survivor, other = pair
    versions = (survivor.version, other.version)
    update_organization(other, {"website": "https://nuovo.example"}, by=coord, expected_version=other.version)
    with pytest.raises(MergeConflictError):
        merge_organizations(survivor, other, {}, by=coord, expected_versions=versions)
    db.session.expire_all()
    assert db.session.get(Organization, other.id) is not None
    assert _ids(Contact, other.id)


def test_merge_refuses_a_concurrent_change_caught_by_the_database(pair, coord):
    """Someone saving in between the check and the write is caught by the version counter."""
    survivor, other = pair
    other_id = other.id
    # Another session bumps the survivor's version behind this session's back.
    db.session.execute(
        Organization.__table__.update()
        .where(Organization.id == survivor.id)
        .values(version=Organization.version + 1)
    )
    with pytest.raises(MergeConflictError):
        merge_organizations(survivor, other, {"website": "https://x.example"}, by=coord)
    assert db.session.get(Organization, other_id) is not None


def test_only_coordinators_merge(pair, op):
    """Operators may not merge."""
    survivor, other = pair
    with pytest.raises(MergePermissionError):
        merge_organizations(survivor, other, {}, by=op)


def test_tags_of_both_are_kept(make_org, coord):
    """Tags are a union."""
    a = make_org(legal_name="Alfa")
    b = make_org(legal_name="Beta")
    set_tags(b, ["edilizia"])
    db.session.commit()
    merge_organizations(a, b, {}, by=coord)
    assert [t.name for t in db.session.get(Organization, a.id).tags] == ["edilizia"]


def test_merge_moves_rows_of_every_table_that_points_at_an_organization(pair, coord):
    """Rows of tables other features add (found by their foreign keys) move to the survivor: an
    opening found at the merged-away organization is not deleted with it."""
    from crm.duplicates.services import referencing_columns
    from crm.openings.models import ContractType, Opening

    survivor, other = pair
    opening = Opening(organization_id=other.id, title="Magazziniere", contract=ContractType.FIXED_TERM)
    db.session.add(opening)
    db.session.commit()
    opening_id = opening.id
    assert ("opening", "organization_id") in {(t.name, c.name) for t, c in referencing_columns()}

    merge_organizations(survivor, other, {}, by=coord)
    db.session.expire_all()
    assert db.session.get(Opening, opening_id).organization_id == survivor.id
