"""The remaining list endpoints run the same number of SQL statements for few rows and for many."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.auth.models import User
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.interactions.services import log_interaction
from crm.openings.models import ContractType, Opening
from crm.openings.services import create_opening
from crm.organizations.models import Organization
from crm.visits.models import PlanStatus, VisitPlan

from .conftest import count_queries


def _measure(client, fresh, url: str, headers: dict[str, str]) -> int:
    client.get("/api/v1/me", headers=headers)
    fresh()
    with count_queries() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return len(statements)


def test_openings_list_is_bounded(client, coord, make_org, headers, fresh):
    h = headers(coord, "read")
    org_ids = [make_org().id for _ in range(3)]
    coord_id = coord.id

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(Opening.id)))
        while n < total:
            org = db.session.get(Organization, org_ids[n % 3])
            create_opening(
                org,
                {"title": f"Posto {n}", "contract": ContractType.PERMANENT},
                by=db.session.get(User, coord_id),
            )
            n += 1
        return _measure(client, fresh, "/api/v1/openings?per_page=100", h)

    assert queries(2) == queries(9)


def test_visits_list_is_bounded(client, op, make_org, headers, fresh):
    h = headers(op, "read")
    org_ids = [make_org(owner=op).id for _ in range(3)]
    op_id = op.id

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(Interaction.id)))
        while n < total:
            org = db.session.get(Organization, org_ids[n % 3])
            log_interaction(
                org,
                {
                    "kind": InteractionKind.VISIT,
                    "status": InteractionStatus.DONE,
                    "subject": f"v{n}",
                    "occurred_at": datetime(2026, 1, 1 + n, 9, tzinfo=UTC),
                },
                by=db.session.get(User, op_id),
            )
            n += 1
        return _measure(client, fresh, "/api/v1/visits?per_page=100", h)

    assert queries(2) == queries(9)


def test_visit_plans_list_is_bounded(client, op, coord, headers, fresh):
    h = headers(coord, "read")
    ids = (op.id, coord.id)

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(VisitPlan.id)))
        while n < total:
            db.session.add(
                VisitPlan(
                    status=PlanStatus.CANCELLED,
                    first_day=date(2026, 2, 2),
                    last_day=date(2026, 2, 3),
                    request={"staff": [{"user_id": ids[0]}]},
                    created_by_id=ids[n % 2],
                    accepted_by_id=ids[(n + 1) % 2],
                )
            )
            db.session.commit()
            n += 1
        return _measure(client, fresh, "/api/v1/visit-plans?per_page=100", h)

    assert queries(2) == queries(9)
