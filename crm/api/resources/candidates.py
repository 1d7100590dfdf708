"""``/api/v1/candidates``: people referred by the social services, under the screens' privacy rules.

Everyone who works with candidates (operators and coordinators; never administrators) reads the
pseudonymous profile. The identity (name, codice fiscale, contacts, comune) is added only for the
operator who follows the person and for coordinators, and every such read is written to the access
log first, exactly as the list and profile pages do (``crm.candidates.services``). Sensitive notes
(health, disability, legal) are not served by the API: the screens ask a reason for each reading.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api.core import PageArgs, make_blueprint, page_schema, paginate
from crm.api.fields import Enum, Id
from crm.api.resources.common import UserBrief, load_or_404
from crm.candidates.models import (
    Candidate,
    CandidateStatus,
    CommuteMode,
    EducationLevel,
    ReadinessBand,
)
from crm.candidates.services import (
    CandidateFilters,
    Identity,
    candidate_query,
    identities_for_list,
    reveal_identity,
)
from crm.extensions import db
from crm.permissions import can_see_candidate_identity, can_see_candidates

blp = make_blueprint("candidates", "/candidates", "Candidates (pseudonymous; identity by role, logged).")


@blp.before_request
def _candidate_staff_only() -> Any:
    # Runs after the token check: current_user is the token's owner.
    if not can_see_candidates(current_user):
        from crm.api.core import error_response

        return error_response(403, "forbidden", "Only operators and coordinators work with candidates.")
    return None


class CandidateArgs(PageArgs):
    """The candidate list's filters."""

    status = Enum(CandidateStatus, metadata={"description": "Erased candidates only when asked for."})
    band = Enum(ReadinessBand, metadata={"description": "Band of the latest assessment."})
    mine = ma.fields.Boolean(load_default=False, metadata={"description": "Only those you follow."})
    skill_id = Id(query=True)


class IdentityOut(ma.Schema):
    first_name = ma.fields.String(required=True)
    last_name = ma.fields.String(required=True)
    tax_code = ma.fields.String(required=True, allow_none=True)
    phone = ma.fields.String(required=True, allow_none=True)
    email = ma.fields.String(required=True, allow_none=True)
    comune_code = ma.fields.String(required=True, allow_none=True)


class SkillOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class CandidateOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "Pseudonym, C-YYYY-NNNN."})
    status = Enum(CandidateStatus, required=True)
    operator = ma.fields.Nested(UserBrief, required=True, allow_none=True)
    referred_on = ma.fields.Date(required=True)
    referring_office = ma.fields.String(required=True, allow_none=True)
    review_on = ma.fields.Date(required=True)
    readiness = Enum(ReadinessBand, required=True, allow_none=True)
    driving_licence = ma.fields.Boolean(required=True)
    own_vehicle = ma.fields.Boolean(required=True)
    commute_mode = Enum(CommuteMode, required=True)
    max_commute_minutes = ma.fields.Integer(required=True)
    available_days = ma.fields.List(ma.fields.String(), required=True)
    shifts = ma.fields.List(ma.fields.String(), required=True)
    hours_per_week = ma.fields.Integer(required=True, allow_none=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    education = Enum(EducationLevel, required=True, allow_none=True)
    free_skills = ma.fields.List(ma.fields.String(), required=True)
    sectors = ma.fields.List(ma.fields.String(), required=True)
    skills = ma.fields.List(ma.fields.Nested(SkillOut), required=True)
    identified = ma.fields.Boolean(
        required=True, metadata={"description": "Whether you may see (and were shown) the identity."}
    )
    identity = ma.fields.Nested(
        IdentityOut,
        required=True,
        allow_none=True,
        metadata={"description": "Only for the following operator and coordinators; logged."},
    )
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


CandidatePage = page_schema(CandidateOut, "CandidatePage")


class _Shown:
    """A candidate with the identity this reader was shown (or None)."""

    def __init__(self, candidate: Candidate, identity: Identity | None) -> None:
        self._candidate = candidate
        self.identity = identity
        self.identified = identity is not None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._candidate, name)


@blp.route("")
@blp.arguments(CandidateArgs, location="query")
@blp.response(200, CandidatePage)
def list_candidates(args: dict[str, Any]) -> dict[str, Any]:
    """List candidates, newest referral first; identities you may see are logged as one list read."""
    filters = CandidateFilters(
        status=args.get("status"),
        band=args.get("band"),
        mine=args["mine"],
        skill_id=args.get("skill_id"),
    )

    def shown(candidates: list[Candidate]) -> list[_Shown]:
        ids = [c.id for c in candidates]
        identities = identities_for_list(candidates, by=current_user)
        if identities:
            # Logging the read committed, which expired the page's rows: load them again in one go
            # rather than one query per candidate while they are written out.
            _reload(ids)
        return [_Shown(c, identities.get(i)) for c, i in zip(candidates, ids, strict=True)]

    return paginate(candidate_query(filters, by=current_user), args, transform=shown)


def _reload(ids: list[int]) -> None:
    db.session.scalars(
        select(Candidate)
        .where(Candidate.id.in_(ids))
        .options(
            selectinload(Candidate.operator),
            selectinload(Candidate.assessments),
            selectinload(Candidate.skills),
        )
    ).all()


@blp.route("/<int:candidate_id>")
@blp.response(200, CandidateOut)
def get_candidate(candidate_id: int) -> _Shown:
    """One candidate; the identity, when you may see it, is logged as a profile read."""
    candidate: Candidate = load_or_404(
        Candidate,
        candidate_id,
        selectinload(Candidate.skills),
        selectinload(Candidate.assessments),
        selectinload(Candidate.operator),
    )
    identity = None
    if can_see_candidate_identity(current_user, candidate):
        identity = reveal_identity(candidate, by=current_user, detail="API: candidate profile")
    return _Shown(candidate, identity)
