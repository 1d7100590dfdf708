"""Write the generated demo dataset into an empty database, in one transaction, with bulk inserts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, insert, null, select, text
from werkzeug.security import generate_password_hash

from crm.auth.models import User
from crm.candidates.models import (
    Assessment,
    Candidate,
    ConsentRecord,
    Skill,
    WorkExperience,
    candidate_skill,
)
from crm.contacts.models import Contact
from crm.demo.generator import DEMO_PASSWORD, DemoData
from crm.demo.partnership import PARTNERSHIP_TABLES, partnership_rows
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.interactions.models import Interaction
from crm.offices.models import Office
from crm.openings.models import Opening, OpeningSkill, PipelineEntry, Placement, PlacementCheck
from crm.organizations.models import Organization, Tag, organization_tag
from crm.outcomes.models import AssumptionSet, BenefitRecord
from crm.planner_statistics import refresh_planner_statistics
from crm.visits.models import VisitPlan

BATCH_SIZE = 5_000

#: The tables the demo fills, parents first; any row in one of them means the database is in use.
_TABLES: tuple[tuple[str, Any], ...] = (
    ("offices", Office),
    ("users", User),
    ("tags", Tag),
    ("organizations", Organization),
    ("organization_tags", organization_tag),
    ("contacts", Contact),
    ("visit_plans", VisitPlan),
    ("interactions", Interaction),
    ("follow_ups", FollowUp),
    ("skills", Skill),
    ("candidates", Candidate),
    ("candidate_skills", candidate_skill),
    ("work_experiences", WorkExperience),
    ("consents", ConsentRecord),
    ("assessments", Assessment),
    ("openings", Opening),
    ("opening_skills", OpeningSkill),
    ("pipeline_entries", PipelineEntry),
    ("placements", Placement),
    ("placement_checks", PlacementCheck),
    ("assumption_sets", AssumptionSet),
    ("benefit_records", BenefitRecord),
    *PARTNERSHIP_TABLES,
)


class DemoDataError(RuntimeError):
    """The demo data cannot be loaded (the database already holds data)."""


def database_is_empty() -> bool:
    """True when there are no staff accounts, offices or organizations yet."""
    for model in (User, Office, Organization):
        if db.session.scalar(select(func.count()).select_from(model)):
            return False
    return True


def _batches(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_demo_data(
    data: DemoData, *, progress: Callable[[str, int], None] | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Insert ``data`` into the empty database and commit; on any error nothing is left behind.

    Rows go in with ``insert(table)`` executemany batches: no unit of work, so no change-log rows
    either (the history of demo rows starts empty, which is what a fresh demo should show).

    :raises DemoDataError: if the database already holds staff, offices or organizations.
    :returns: the number of rows written per table.
    """
    if not database_is_empty():
        raise DemoDataError("The database already contains data; demo data is only loaded into an empty one.")
    # One salted hash per account: computing scrypt a handful of times is cheap, sharing a salt is not.
    users = [
        {**u, "password_hash": generate_password_hash(DEMO_PASSWORD, method="scrypt")} for u in data.users
    ]
    # A JSON column stores Python None as the JSON text 'null'; no opening hours is SQL NULL.
    organizations = [
        o if o["opening_hours"] is not None else {**o, "opening_hours": null()} for o in data.organizations
    ]
    rows_by_table = {name: getattr(data, name, []) for name, _ in _TABLES} | {
        "users": users,
        "organizations": organizations,
        **_encrypted_candidate_rows(data),
        "benefit_records": _benefit_rows(data),
        **partnership_rows(data, {u["id"]: u["full_name"] for u in data.users}),
    }
    try:
        for name, target in _TABLES:
            rows = rows_by_table[name]
            # Core inserts of the table: one executemany per batch. (ORM bulk inserts split a batch
            # into a statement per distinct set of non-NULL keys, which is row by row for this data.)
            statement = insert(getattr(target, "__table__", target))
            for batch in _batches(rows, batch_size):
                db.session.execute(statement, batch)
            if progress is not None:
                progress(name, len(rows))
        _reset_sequences()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    # Without fresh statistics the planner guesses: at 50,000 organizations PostgreSQL took a deep
    # list page 375 ms instead of 87, and SQLite sorted 21,000 rows for a first page.
    refresh_planner_statistics(db.engine)
    return data.counts()


def _encrypted_candidate_rows(data: DemoData) -> dict[str, list[dict[str, Any]]]:
    """Candidates and assessments with their protected data encrypted (seeded, so reproducible)."""
    from crm.candidates.services import ASSESSMENT_CONTEXT, IDENTITY_CONTEXT, SENSITIVE_CONTEXT
    from crm.privacy.crypto import encrypt_json, tax_code_digest

    def seed(kind: str, row_id: int) -> bytes:
        return f"demo-{data.seed}-{kind}-{row_id}".encode()

    candidates = []
    for row in data.candidates:
        identity = data.candidate_identities[row["id"]]
        sensitive = data.candidate_sensitive.get(row["id"])
        candidates.append(
            {
                **row,
                "identity_encrypted": encrypt_json(
                    identity, context=IDENTITY_CONTEXT, deterministic=seed("identity", row["id"])
                ),
                "sensitive_encrypted": encrypt_json(
                    sensitive, context=SENSITIVE_CONTEXT, deterministic=seed("sensitive", row["id"])
                )
                if sensitive
                else None,
                "tax_code_hash": tax_code_digest(identity["tax_code"]),
            }
        )
    assessments = [
        {
            **row,
            "notes_encrypted": encrypt_json(
                data.assessment_notes[row["id"]],
                context=ASSESSMENT_CONTEXT,
                deterministic=seed("notes", row["id"]),
            )
            if data.assessment_notes.get(row["id"])
            else None,
        }
        for row in data.assessments
    ]
    return {"candidates": candidates, "assessments": assessments}


def _benefit_rows(data: DemoData) -> list[dict[str, Any]]:
    from crm.demo.outcomes import benefit_rows

    return benefit_rows(data)


def _reset_sequences() -> None:
    """PostgreSQL: move the id sequences past the explicit ids, so the app's next insert does not collide."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for _, target in _TABLES:
        table = getattr(target, "__table__", target)
        if "id" not in table.c:
            continue
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608 - our own table names
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
