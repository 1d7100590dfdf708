"""``/api/v1/openings``: job openings at organizations. The candidates in an opening's pipeline are
listed by pseudonym only, and only to the staff who work with candidates (as on the opening page)."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate
from sqlalchemy.orm import selectinload

from crm.api.core import (
    PageArgs,
    api_abort,
    documents_errors,
    make_blueprint,
    page_schema,
    paginate,
    validate_form,
)
from crm.api.fields import Day, Enum, Id, Text
from crm.api.resources.common import OrganizationBrief, load_or_404
from crm.candidates.models import Shift
from crm.candidates.services import skill_choices
from crm.openings.forms import OpeningForm
from crm.openings.models import (
    ContractType,
    NotHiredReason,
    Opening,
    OpeningSkill,
    OpeningStatus,
    PipelineEntry,
    PipelineStage,
)
from crm.openings.services import (
    OpeningError,
    OpeningFilters,
    OpeningPermissionError,
    create_opening,
    delete_opening,
    opening_query,
    update_opening,
)
from crm.organizations.models import Organization
from crm.permissions import can_see_candidates

blp = make_blueprint("openings", "/openings", "Job openings and their pipelines.")


class OpeningArgs(PageArgs):
    """The openings list's filters (all statuses unless ``status`` is given)."""

    status = Enum(OpeningStatus)
    contract = Enum(ContractType)
    organization_id = Id(query=True)
    q = Text(max_length=200, metadata={"description": "Words of the title."})


class OpeningSkillOut(ma.Schema):
    id = ma.fields.Integer(required=True, attribute="skill.id")
    name = ma.fields.String(required=True, attribute="skill.name")
    required = ma.fields.Boolean(required=True, metadata={"description": "False: desirable."})


class OpeningOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    organization = ma.fields.Nested(OrganizationBrief, required=True)
    interaction_id = ma.fields.Integer(required=True, allow_none=True)
    title = ma.fields.String(required=True)
    job_family = ma.fields.String(required=True, allow_none=True)
    ateco_section = ma.fields.String(required=True, allow_none=True)
    description = ma.fields.String(required=True, allow_none=True)
    free_skills = ma.fields.List(ma.fields.String(), required=True)
    skills = ma.fields.List(ma.fields.Nested(OpeningSkillOut), required=True, attribute="skill_links")
    contract = Enum(ContractType, required=True)
    hours_per_week = ma.fields.Integer(required=True, allow_none=True)
    shifts = ma.fields.List(ma.fields.String(), required=True)
    address = ma.fields.String(required=True, allow_none=True)
    comune_code = ma.fields.String(required=True, allow_none=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    positions = ma.fields.Integer(required=True)
    hired = ma.fields.Integer(required=True, attribute="hired_count")
    deadline = ma.fields.Date(required=True, allow_none=True)
    status = Enum(OpeningStatus, required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


OpeningPage = page_schema(OpeningOut, "OpeningPage")


class PipelineEntryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    candidate_id = ma.fields.Integer(required=True)
    candidate_code = ma.fields.String(required=True, attribute="candidate.code")
    stage = Enum(PipelineStage, required=True)
    score = ma.fields.Integer(required=True, allow_none=True)
    not_hired_reason = Enum(NotHiredReason, required=True, allow_none=True)
    stage_changed_at = ma.fields.DateTime(required=True)


class OpeningDetailOut(OpeningOut):
    pipeline = ma.fields.List(
        ma.fields.Nested(PipelineEntryOut),
        required=True,
        allow_none=True,
        metadata={"description": "Pseudonymous; null for staff who do not work with candidates."},
    )


class _Detail:
    def __init__(self, opening: Opening, pipeline: list[PipelineEntry] | None) -> None:
        self._opening = opening
        self.pipeline = pipeline

    def __getattr__(self, name: str) -> Any:
        return getattr(self._opening, name)


@blp.route("")
@blp.arguments(OpeningArgs, location="query")
@blp.response(200, OpeningPage)
def list_openings(args: dict[str, Any]) -> dict[str, Any]:
    """List openings, nearest deadline first."""
    filters = OpeningFilters(
        status=args.get("status"),
        contract=args.get("contract"),
        organization_id=args.get("organization_id"),
        q=args.get("q"),
    )
    stmt = opening_query(filters).options(selectinload(Opening.skill_links).selectinload(OpeningSkill.skill))
    return paginate(stmt, args)


@blp.route("/<int:opening_id>")
@blp.response(200, OpeningDetailOut)
def get_opening(opening_id: int) -> _Detail:
    """One opening, with its pipeline for the staff who work with candidates."""
    return _detail(opening_id)


def _detail(opening_id: int) -> _Detail:
    opening: Opening = load_or_404(
        Opening,
        opening_id,
        selectinload(Opening.organization),
        selectinload(Opening.skill_links).selectinload(OpeningSkill.skill),
        selectinload(Opening.entries).selectinload(PipelineEntry.candidate),
    )
    pipeline = list(opening.entries) if can_see_candidates(current_user) else None
    return _Detail(opening, pipeline)


# --- Writes (any staff member, as on the opening screens) ------------------------------------------

FORM_FIELDS = (
    "title",
    "job_family",
    "ateco_section",
    "contract",
    "hours_per_week",
    "shifts",
    "description",
    "address",
    "comune_code",
    "positions",
    "deadline",
    "status",
    "interaction_id",
    "required_skill_ids",
    "desirable_skill_ids",
    "free_skills",
)

_NO_COMMA = validate.Regexp(r"^[^,]*$", error="Commas separate the terms: send one term per item.")


class OpeningIn(ma.Schema):
    title = Text(max_length=150)
    job_family = Text(max_length=80, allow_none=True)
    ateco_section = Text(max_length=1, allow_none=True)
    contract = Enum(ContractType)
    hours_per_week = ma.fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=60))
    shifts = ma.fields.List(Enum(Shift), validate=validate.Length(max=len(Shift)))
    description = Text(max_length=20_000, allow_none=True)
    address = Text(max_length=200, allow_none=True, metadata={"description": "Empty: the organization's."})
    comune_code = Text(max_length=6, allow_none=True)
    positions = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    deadline = Day(allow_none=True)
    status = Enum(OpeningStatus)
    interaction_id = Id(allow_none=True, metadata={"description": "The interaction it came from."})
    required_skill_ids = ma.fields.List(Id(), validate=validate.Length(max=100))
    desirable_skill_ids = ma.fields.List(Id(), validate=validate.Length(max=100))
    free_skills = ma.fields.List(Text(max_length=80, validate=_NO_COMMA), validate=validate.Length(max=50))


class OpeningCreate(OpeningIn):
    organization_id = Id(required=True)
    title = Text(max_length=150, required=True)
    contract = Enum(ContractType, required=True)


@blp.route("", methods=["POST"])
@blp.arguments(OpeningCreate)
@blp.response(201, OpeningDetailOut)
def create(data: dict[str, Any]) -> _Detail:
    """Record an opening at an organization."""
    organization = load_or_404(Organization, data.pop("organization_id"))
    values: dict[str, Any] = {name: None for name in FORM_FIELDS}
    values.update(status=OpeningStatus.OPEN, positions=1, ateco_section=organization.ateco_section)
    values.update(shifts=[], required_skill_ids=[], desirable_skill_ids=[], free_skills=[])
    values.update(data)
    form = validate_form(OpeningForm, _form_values(values), prepare=_prepare([]))
    try:
        opening = create_opening(
            organization,
            form.to_data(),
            by=current_user,
            required_skill_ids=form.required_skill_ids.data or [],
            desirable_skill_ids=form.desirable_skill_ids.data or [],
        )
    except OpeningError:
        _bad_interaction()
    return _detail(opening.id)


@blp.route("/<int:opening_id>", methods=["PATCH"])
@blp.arguments(OpeningIn)
@blp.response(200, OpeningDetailOut)
def update(data: dict[str, Any], opening_id: int) -> _Detail:
    """Change some fields of an opening (skills: send the whole list)."""
    opening: Opening = load_or_404(
        Opening, opening_id, selectinload(Opening.skill_links), selectinload(Opening.organization)
    )
    values: dict[str, Any] = {name: getattr(opening, name) for name in FORM_FIELDS[:13]}
    values["required_skill_ids"] = [link.skill_id for link in opening.skill_links if link.required]
    values["desirable_skill_ids"] = [link.skill_id for link in opening.skill_links if not link.required]
    values["free_skills"] = list(opening.free_skills or [])
    values.update(data)
    form = validate_form(
        OpeningForm,
        _form_values(values),
        prepare=_prepare([link.skill_id for link in opening.skill_links]),
    )
    try:
        update_opening(
            opening,
            form.to_data(),
            by=current_user,
            required_skill_ids=form.required_skill_ids.data or [],
            desirable_skill_ids=form.desirable_skill_ids.data or [],
        )
    except OpeningError:
        _bad_interaction()
    return _detail(opening.id)


@blp.route("/<int:opening_id>", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 403, 404, 409)
def delete(opening_id: int) -> None:
    """Delete an opening (coordinators).

    One through which someone was hired is closed instead, not deleted: `409 opening_has_hires`.
    """
    if not current_user.is_coordinator:
        _coordinators_only()
    opening: Opening = load_or_404(Opening, opening_id)
    try:
        delete_opening(opening, by=current_user)
    except OpeningPermissionError:
        _coordinators_only()
    except OpeningError:
        api_abort(
            409,
            "opening_has_hires",
            _("Someone was hired through this opening: close it instead of deleting it."),
        )


def _coordinators_only() -> NoReturn:
    api_abort(403, "forbidden", _("Only coordinators may delete openings."))


def _form_values(values: dict[str, Any]) -> dict[str, Any]:
    result = dict(values)
    result["free_skills_text"] = ", ".join(result.pop("free_skills", None) or [])
    return result


def _prepare(include: list[int]) -> Any:
    def prepare(form: OpeningForm) -> None:
        form.set_choices(skills=skill_choices(include=include), locale="it")

    return prepare


def _bad_interaction() -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        "Some fields are not valid.",
        errors={"interaction_id": ["Not an interaction with this organization."]},
    )
