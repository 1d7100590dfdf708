"""Importing rows: outcomes, matching, updates, history, idempotency, dry runs, the rejects file."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from crm.audit.models import ChangeLog
from crm.contacts.models import Contact
from crm.extensions import db
from crm.imports.messages import describe_all
from crm.imports.models import ImportRow, ImportRun, RowOutcome
from crm.imports.parsing import read_table
from crm.imports.services import import_table, rejects_csv
from crm.organizations.models import GeoPrecision, Organization, OrganizationKind, OrganizationStatus
from crm.organizations.services import create_organization
from crm.reference.ateco import normalise_code
from tests.organizations.helpers import EMPOLI, FIRENZE, valid_vat

from .conftest import HEADER, csv_bytes

SESTO = "048043"


def _import(rows, *, user=None, header=HEADER, **kwargs):
    table = read_table(csv_bytes(rows, header=header), file_name="partners.csv")
    return import_table(table, file_name="partners.csv", user=user, **kwargs)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _bad_checksum(vat: str) -> str:
    return vat[:-1] + str((int(vat[-1]) + 1) % 10)


def _snapshot():
    return db.session.execute(
        select(Organization.id, Organization.version, Organization.updated_at, Organization.phone)
        .order_by(Organization.id)
    ).all()


def test_good_rows_are_imported_and_bad_ones_rejected_with_their_line(coord):
    """A bad Partita IVA checksum rejects its row (with the line) and costs the others nothing."""
    result = _import(
        [
            ["Rossi S.r.l.", valid_vat(1), "Firenze", "50122", "12", "055 123456"],
            ["Bianchi snc", _bad_checksum(valid_vat(2)), "Firenze", "", "", ""],
            ["Verdi spa", valid_vat(3), "Empoli", "50053", "", ""],
        ],
        user=coord,
    )
    assert (result.imported, result.updated, result.duplicates, result.rejected) == (2, 0, 0, 1)
    [reject] = result.rows_with(RowOutcome.REJECTED)
    assert reject.line == 3
    assert describe_all(reject.reasons).startswith("bad Partita IVA checksum")
    assert _count(Organization) == 2
    run = db.session.get(ImportRun, result.run_id)
    assert run.rejected == 1 and run.user_id == coord.id


def test_missing_name_unknown_and_ambiguous_comune_are_rejected_with_reasons(coord):
    """Each of these rejects the row with its own reason."""
    result = _import(
        [
            ["", valid_vat(1), "Firenze", "", "", ""],
            ["Rossi srl", valid_vat(2), "Siena", "", "", ""],
            ["Verdi srl", valid_vat(3), "Barberino", "", "", ""],
            ["Neri srl", "", "", "", "", ""],
        ],
        user=coord,
    )
    reasons = {r.line: describe_all(r.reasons) for r in result.rows_with(RowOutcome.REJECTED)}
    assert reasons == {
        2: "missing name",
        3: "unknown comune: Siena",
        4: "ambiguous comune: Barberino (Barberino Tavarnelle / Barberino di Mugello)",
        5: "missing comune",
    }
    assert result.summary().endswith("imported 0, updated 0, duplicates 0, rejected 4")


def test_new_organization_is_a_placed_prospect_with_contact_tags_and_history(coord):
    """New rows: prospect, nobody's, on the map, found by their contact, with a create entry."""
    header = [*HEADER, "Referente", "Tag", "Tipo", "Codice ATECO", "E-mail"]
    result = _import(
        [["La Rondine", valid_vat(1), "Sesto F.no", "50019", "1.200", "+39 055-123456",
          "Dott.ssa Maria Bianchi (HR)", "catering; legge 68", "coop. sociale di tipo B", "5610",
          "info@rondine.example.it"]],
        header=header,
        user=coord,
    )
    assert result.imported == 1
    org = db.session.scalars(select(Organization)).one()
    assert org.status is OrganizationStatus.PROSPECT and org.owner_id is None
    assert org.kind is OrganizationKind.COOP_B
    assert org.comune_code == SESTO and org.cap == "50019"
    assert org.employees == 1200
    assert org.phone == "+39055123456"
    assert org.ateco_code == normalise_code("5610") and org.ateco_section == "I"
    assert org.has_coordinates and org.geo_precision is GeoPrecision.COMUNE
    assert org.version == 1 and org.created_by_id == coord.id
    assert sorted(t.name for t in org.tags) == ["catering", "legge 68"]
    [contact] = org.contacts
    assert (contact.first_name, contact.last_name, contact.role, contact.is_primary) == (
        "Maria", "Bianchi", "HR", True
    )
    assert "bianchi" in org.search_text and "la rondine" in org.search_text
    entry = db.session.scalars(
        select(ChangeLog).where(ChangeLog.entity_type == "organization", ChangeLog.entity_id == org.id)
    ).one()
    assert entry.action.value == "create" and entry.user_id == coord.id
    assert entry.changes["legal_name"] == [None, "La Rondine"]


def test_cap_of_another_comune_and_bad_phone_are_warnings_not_rejects(coord):
    """The row is kept without the CAP or the phone; a lone CAP finds its comune."""
    result = _import(
        [
            ["Rossi srl", valid_vat(1), "Empoli", "50122", "", "12"],
            ["Verdi srl", valid_vat(2), "", "50019", "", ""],
        ],
        user=coord,
    )
    assert result.imported == 2 and result.rejected == 0 and result.warnings == 2
    rossi = db.session.scalars(select(Organization).where(Organization.legal_name == "Rossi srl")).one()
    assert rossi.comune_code == EMPOLI and rossi.cap is None and rossi.phone is None
    verdi = db.session.scalars(select(Organization).where(Organization.legal_name == "Verdi srl")).one()
    assert verdi.comune_code == SESTO
    warnings = {r.line: describe_all(r.reasons) for r in result.rows_with(RowOutcome.WARNING)}
    assert warnings[2] == (
        "CAP 50122 is not a CAP of Empoli, left out; phone number not valid, left out: 12"
    )
    assert warnings[3] == "comune taken from CAP 50019: Sesto Fiorentino"
    stored = db.session.scalars(select(ImportRow).where(ImportRow.line == 2)).one()
    assert stored.outcome is RowOutcome.WARNING and stored.organization_id == rossi.id


def test_importing_the_same_file_twice_changes_nothing(coord):
    """The second run finds every organization unchanged and writes no history."""
    rows = [
        ["Rossi S.r.l.", valid_vat(1), "Firenze", "50122", "12", "055 123456"],
        ["Bar Centrale", "", "Empoli", "", "3", ""],
        ["Bianchi snc", _bad_checksum(valid_vat(2)), "Firenze", "", "", ""],
    ]
    first = _import(rows, user=coord)
    assert (first.imported, first.rejected) == (2, 1)
    before, history = _snapshot(), _count(ChangeLog)
    second = _import(rows, user=coord)
    assert second.summary() == "unchanged 2; imported 0, updated 0, duplicates 0, rejected 1"
    assert _snapshot() == before
    assert _count(ChangeLog) == history


def test_update_fills_and_overwrites_but_never_blanks_and_is_in_the_history(coord):
    """Same Partita IVA: the file's values fill and replace, empty cells leave data alone."""
    org = create_organization(
        {"legal_name": "Rossi S.r.l.", "vat_number": valid_vat(1), "comune_code": FIRENZE,
         "employees": 5, "email": "info@rossi.example.it", "cap": "50122"},
        by=coord,
    )
    result = _import([["ROSSI SRL", valid_vat(1), "Firenze", "", "7", "055 123456"]], user=coord)
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 0)
    db.session.refresh(org)
    assert org.employees == 7 and org.phone == "+39055123456"
    assert org.email == "info@rossi.example.it" and org.cap == "50122"
    assert org.legal_name == "Rossi S.r.l."  # the same name spelt another way is not a change
    assert org.version == 2
    entry = db.session.scalars(
        select(ChangeLog).where(ChangeLog.entity_id == org.id, ChangeLog.action == "update")
    ).one()
    assert entry.user_id == coord.id
    assert entry.changes["employees"] == [5, 7]
    assert entry.changes["phone"] == [None, "+39055123456"]


def test_same_name_in_same_comune_without_vat_is_the_same_organization(coord):
    """Without a Partita IVA, the folded name and the comune identify the organization."""
    org = create_organization({"legal_name": "Trattoria Da Mario S.n.c.", "comune_code": FIRENZE}, by=coord)
    result = _import([["TRATTORIA DA MARIO SNC", valid_vat(4), "Firenze", "", "", ""]], user=coord)
    assert result.updated == 1 and result.imported == 0
    db.session.refresh(org)
    assert org.vat_number == valid_vat(4)


def test_similar_name_in_same_comune_is_flagged_not_imported(coord):
    """A close-but-different name in the same comune is a possible duplicate; elsewhere it is new."""
    existing = create_organization({"legal_name": "Costruzioni Rossi Srl", "comune_code": FIRENZE}, by=coord)
    result = _import(
        [
            ["Costruzioni Rosi srl", "", "Firenze", "", "", ""],
            ["Costruzioni Rosi srl", "", "Empoli", "", "", ""],
        ],
        user=coord,
    )
    assert (result.imported, result.duplicates) == (1, 1)
    [duplicate] = result.rows_with(RowOutcome.DUPLICATE)
    assert duplicate.line == 2 and duplicate.organization_id == existing.id
    stored = db.session.scalars(select(ImportRow).where(ImportRow.outcome == RowOutcome.DUPLICATE)).one()
    assert stored.organization_id == existing.id and stored.cells[0] == "Costruzioni Rosi srl"
    assert _count(Organization) == 2


def test_dry_run_works_everything_out_and_writes_nothing(coord):
    """A dry run reports the counts but saves no organization, history or run."""
    result = _import(
        [
            ["Rossi srl", valid_vat(1), "Firenze", "", "", ""],
            ["Bianchi srl", _bad_checksum(valid_vat(2)), "Firenze", "", "", ""],
        ],
        user=coord,
        dry_run=True,
    )
    assert (result.imported, result.rejected) == (1, 1)
    assert result.run_id is None
    assert _count(Organization) == _count(ImportRun) == _count(ChangeLog) == 0


def test_a_row_repeating_an_earlier_row_of_the_file_is_rejected(coord):
    """Two rows for one organization in one file: the second is refused, pointing at the first."""
    result = _import(
        [
            ["Rossi srl", valid_vat(1), "Firenze", "", "", ""],
            ["Rossi S.R.L.", valid_vat(1), "Firenze", "", "", ""],
        ],
        user=coord,
    )
    [reject] = result.rows_with(RowOutcome.REJECTED)
    assert describe_all(reject.reasons) == "same organization as line 2 of this file"


def test_rejects_file_can_be_fixed_and_imported_again(coord):
    """The rejects CSV has the original columns plus line and reason; fixed, it imports cleanly."""
    rows = [
        ["Rossi srl", valid_vat(1), "Firenze", "", "", ""],
        ["Bianchi srl", _bad_checksum(valid_vat(2)), "Firenze", "", "", ""],
    ]
    first = _import(rows, user=coord)
    run = db.session.get(ImportRun, first.run_id)
    rejected = db.session.scalars(select(ImportRow).where(ImportRow.run_id == run.id)).all()
    data = rejects_csv(run.columns, rejected, describe=describe_all, delimiter=run.delimiter)
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert parsed[0] == [*HEADER, "line", "reason"]
    assert parsed[1][:2] == ["Bianchi srl", _bad_checksum(valid_vat(2))]
    assert parsed[1][-2] == "3" and parsed[1][-1].startswith("bad Partita IVA checksum")
    parsed[1][1] = valid_vat(2)  # the fix
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(parsed)
    table = read_table(buffer.getvalue().encode("utf-8-sig"), file_name="rejects.csv")
    second = import_table(table, file_name="rejects.csv", user=coord)
    assert second.unmapped == []  # line and reason are ours: silently ignored
    assert second.summary() == "unchanged 0; imported 1, updated 0, duplicates 0, rejected 0"
    assert _count(Organization) == 2


def test_new_contact_and_tags_on_an_existing_organization_are_an_update(coord):
    """A contact person and tags the organization lacks are added, never replacing existing ones."""
    org = create_organization(
        {"legal_name": "Rossi srl", "vat_number": valid_vat(1), "comune_code": FIRENZE,
         "tags": ["edilizia"]},
        by=coord,
    )
    header = ["Ragione sociale", "P.IVA", "Referente", "Etichette"]
    result = _import([["Rossi srl", valid_vat(1), "Mario Rossi", "legge 68"]], header=header, user=coord)
    assert result.updated == 1
    db.session.refresh(org)
    assert sorted(t.name for t in org.tags) == ["edilizia", "legge 68"]
    assert [c.full_name for c in org.contacts] == ["Mario Rossi"]
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
    again = _import([["Rossi srl", valid_vat(1), "Mario Rossi", "legge 68"]], header=header, user=coord)
    assert again.unchanged == 1 and again.updated == 0


def test_a_row_the_database_refuses_at_the_last_moment_costs_only_itself(coord, monkeypatch):
    """Someone saves the same Partita IVA while the file is checked: that row alone is rejected."""
    from crm.imports import services

    original = services._Matcher.load

    def load_then_someone_saves(self):
        original(self)
        create_organization({"legal_name": "Saved meanwhile", "vat_number": valid_vat(2)}, by=coord)

    monkeypatch.setattr(services._Matcher, "load", load_then_someone_saves)
    result = _import(
        [
            ["Rossi srl", valid_vat(1), "Firenze", "", "", ""],
            ["Bianchi srl", valid_vat(2), "Firenze", "", "", ""],
            ["Verdi srl", valid_vat(3), "Empoli", "", "", ""],
        ],
        user=coord,
    )
    assert (result.imported, result.rejected) == (2, 1)
    [reject] = result.rows_with(RowOutcome.REJECTED)
    assert reject.line == 3 and reject.reasons[0].code == "database_error"
    assert _count(Organization) == 3
    assert db.session.get(ImportRun, result.run_id).rejected == 1
