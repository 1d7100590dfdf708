"""Schemathesis against /api/v1/openapi.json, through the WSGI app (no network), with a valid token:
no 5xx, and every response conforms to the document (status, content type, schema).

Kept fast and deterministic: a few examples per operation, derandomized, no deadline. Tests run
with TESTING on, so an exception in a view is raised here rather than hidden behind a 500 page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.api.models import TokenScope
from crm.api.services import create_token
from crm.auth.models import Role
from crm.candidates.services import create_candidate
from crm.contacts.services import create_contact
from crm.followups.services import create_follow_up
from crm.interactions.models import InteractionKind
from crm.interactions.services import log_interaction
from crm.openings.models import ContractType
from crm.openings.services import create_opening

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def seeded(staff: Any, make_org: Any) -> dict[str, str]:
    """A little of everything (ids 1, 2… exist), and a write token of a coordinator who also follows
    candidates, so the fuzzer reaches the code paths behind the 404s and 403s."""
    coord = staff(Role.COORDINATOR)
    op = staff(Role.OPERATOR)
    orgs = [
        make_org(owner=op if n % 2 else None, legal_name=f"Ditta {n}", comune_code="048017") for n in range(3)
    ]
    contact = create_contact(
        orgs[0], {"first_name": "Maria", "last_name": "Rossi", "is_primary": True}, by=coord
    )
    log_interaction(
        orgs[0],
        {
            "kind": InteractionKind.CALL,
            "subject": "Chiamata",
            "contact_id": contact.id,
            "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
        },
        by=op,
    )
    log_interaction(
        orgs[1],
        {
            "kind": InteractionKind.VISIT,
            "subject": "Visita",
            "occurred_at": datetime(2026, 1, 6, 9, tzinfo=UTC),
        },
        by=coord,
    )
    create_follow_up(
        {"title": "Richiamare", "due_date": date(2026, 2, 1), "assignee_id": coord.id},
        by=coord,
        organization=orgs[0],
    )
    create_follow_up({"title": "Personale", "due_date": date(2026, 2, 2), "assignee_id": op.id}, by=op)
    person = {
        "first_name": "Giulia",
        "last_name": "Neri",
        "tax_code": None,
        "phone": None,
        "email": None,
        "comune_code": "048017",
    }
    profile = {
        "referred_on": date(2026, 3, 1),
        "hours_per_week": 30,
        "shifts": ["morning"],
        "available_days": ["mon"],
        "sectors": ["N"],
        "languages": ["Italiano"],
    }
    create_candidate(person, profile, by=coord, operator_id=op.id, skill_ids=[])
    create_opening(orgs[2], {"title": "Magazziniere", "contract": ContractType.PERMANENT}, by=coord)
    return {"Authorization": "Bearer " + create_token(coord, name="fuzz", scope=TokenScope.WRITE).secret}


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize(
    ("mode", "existing"),
    [(GenerationMode.POSITIVE, False), (GenerationMode.NEGATIVE, False), (GenerationMode.POSITIVE, True)],
    ids=["valid", "invalid", "valid-existing-ids"],
)
def test_api_conforms_to_its_openapi_document(
    api_schema: Any, seeded: dict[str, str], mode: Any, existing: bool
) -> None:
    """Valid and invalid generated requests to every operation get no 5xx and only documented,
    schema-valid responses. The third run fixes path ids to seeded rows, so detail and update
    operations are exercised beyond their 404."""
    operations = _operations(api_schema)
    assert len(operations) >= 16
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        if existing and not names:
            continue
        fixed = {name: 1 for name in names} if existing else None

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        @settings(
            max_examples=12,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=seeded, checks=CHECKS)

        run()
