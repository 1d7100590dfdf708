"""The demo's candidates and openings: consistent with the organizations, encrypted, usable."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from stdnum.it import codicefiscale

from crm.auth.models import User
from crm.candidates.models import Candidate
from crm.candidates.services import _identity
from crm.demo.generator import generate
from crm.extensions import db
from crm.interactions.models import InteractionKind, InteractionOutcome
from crm.openings.models import Opening, PipelineStage, Placement
from crm.privacy.crypto import tax_code_digest

TODAY = date(2026, 3, 11)


@pytest.fixture(scope="module")
def demo():
    return generate(seed=2025, scale=400, today=TODAY)


def test_default_demo_has_150_candidates_and_40_openings(demo):
    """About 150 candidates with dated assessments, 40 openings from positive visits, some hires."""
    assert len(demo.candidates) == 150 and len(demo.openings) == 40
    assert len(demo.assessments) > 150
    visits = {x["id"]: x for x in demo.interactions}
    for opening in demo.openings:
        visit = visits[opening["interaction_id"]]
        assert visit["organization_id"] == opening["organization_id"]
        assert visit["kind"] is InteractionKind.VISIT and visit["outcome"] is InteractionOutcome.POSITIVE
    assert any(e["stage"] is PipelineStage.HIRED for e in demo.pipeline_entries)
    assert len(demo.placement_checks) == 4 * len(demo.placements)
    codes = [c["code"] for c in demo.candidates]
    assert len(set(codes)) == len(codes)
    assert all(codicefiscale.is_valid(i["tax_code"]) for i in demo.candidate_identities.values())


def test_demo_loads_encrypted_and_works_in_the_app(runner, client):
    """Loaded demo candidates decrypt, their hash matches, and a coordinator's pages render."""
    result = runner.invoke(args=["demo-data", "--scale", "80", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    candidate = db.session.scalars(select(Candidate).order_by(Candidate.id)).first()
    identity = _identity(candidate)
    assert identity is not None and identity.last_name not in (candidate.identity_encrypted or "")
    assert candidate.tax_code_hash == tax_code_digest(identity.tax_code)
    assert db.session.scalars(select(Placement)).first() is not None
    client.post("/login", data={"email": "coordinatore@demo.local", "password": "demo"})
    assert client.get("/candidates/").status_code == 200
    assert client.get(f"/candidates/{candidate.id}").status_code == 200
    opening = db.session.scalars(select(Opening)).first()
    assert client.get(f"/openings/{opening.id}").status_code == 200
    assert client.get(f"/openings/{opening.id}/matches").status_code == 200
    assert client.get(f"/candidates/{candidate.id}/matches").status_code == 200
    organization_page = client.get(f"/organizations/{opening.organization_id}").get_data(as_text=True)
    assert opening.title in organization_page
    operator = db.session.scalars(select(User).where(User.email == "operatore1@demo.local")).one()
    assert operator is not None
