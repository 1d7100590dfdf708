"""``/api/v1/follow-ups``: tasks with a due date (the board's rules: your own, everyone's for
coordinators, and the follow-ups of an organization as its page shows them)."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate
from sqlalchemy import select
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
from crm.api.resources.common import OrganizationBrief, UserBrief, load_or_404
from crm.api.resources.interactions import ContactBrief
from crm.followups.forms import FollowUpForm
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import (
    FollowUpError,
    FollowUpPermissionError,
    assignable_users,
    cancel_follow_up,
    complete_follow_up,
    create_follow_up,
    delete_follow_up,
    reopen_follow_up,
    update_follow_up,
)
from crm.organizations.models import Organization
from crm.permissions import can_edit_follow_up

blp = make_blueprint("followups", "/follow-ups", "Tasks: who does what by when.")

EVERYONE = "everyone"
FORM_FIELDS = ("title", "notes", "due_date", "assignee_id", "contact_id")


class FollowUpArgs(PageArgs):
    assignee = ma.fields.String(
        validate=validate.Regexp(r"^(everyone|[1-9][0-9]{0,9})$"),
        metadata={
            "description": "A user id or `everyone` (coordinators). Default: yourself, or everyone's "
            "when `organization_id` is given."
        },
    )
    status = Enum(FollowUpStatus, load_default=FollowUpStatus.OPEN)
    organization_id = Id(query=True)
    due_before = Day(metadata={"description": "Only those due before this date."})


class FollowUpOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    notes = ma.fields.String(required=True, allow_none=True)
    due_date = ma.fields.Date(required=True)
    status = Enum(FollowUpStatus, required=True)
    assignee = ma.fields.Nested(UserBrief, required=True)
    organization = ma.fields.Nested(OrganizationBrief, required=True, allow_none=True)
    contact = ma.fields.Nested(ContactBrief, required=True, allow_none=True)
    interaction_id = ma.fields.Integer(required=True, allow_none=True)
    created_by_id = ma.fields.Integer(required=True, allow_none=True)
    completed_at = ma.fields.DateTime(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


FollowUpPage = page_schema(FollowUpOut, "FollowUpPage")


class FollowUpIn(ma.Schema):
    title = Text(max_length=200)
    notes = Text(max_length=20_000, allow_none=True)
    due_date = Day()
    assignee_id = Id(metadata={"description": "Operators assign to themselves only."})
    contact_id = Id(allow_none=True, metadata={"description": "A contact of the organization."})


class FollowUpCreate(FollowUpIn):
    title = Text(max_length=200, required=True)
    due_date = Day(required=True)
    organization_id = Id(allow_none=True)


class FollowUpUpdate(FollowUpIn):
    status = Enum(
        FollowUpStatus,
        metadata={"description": "done completes it now, cancelled drops it, open reopens it."},
    )


@blp.route("")
@blp.arguments(FollowUpArgs, location="query")
@blp.response(200, FollowUpPage)
def list_follow_ups(args: dict[str, Any]) -> dict[str, Any]:
    """List follow-ups by due date (default: your open ones)."""
    organization_id = args.get("organization_id")
    chosen = args.get("assignee")
    if chosen is None:
        assignee_id = None if organization_id is not None else current_user.id
    elif chosen == EVERYONE:
        assignee_id = None
    else:
        assignee_id = int(chosen)
    if not current_user.is_coordinator and organization_id is None and assignee_id != current_user.id:
        api_abort(403, "forbidden", "Operators see their own follow-ups, or those of one organization.")
    stmt = (
        select(FollowUp)
        .where(FollowUp.status == args["status"])
        .options(
            selectinload(FollowUp.assignee),
            selectinload(FollowUp.organization),
            selectinload(FollowUp.contact),
        )
        .order_by(FollowUp.due_date, FollowUp.id)
    )
    if assignee_id is not None:
        stmt = stmt.where(FollowUp.assignee_id == assignee_id)
    if organization_id is not None:
        stmt = stmt.where(FollowUp.organization_id == organization_id)
    if args.get("due_before") is not None:
        stmt = stmt.where(FollowUp.due_date < args["due_before"])
    return paginate(stmt, args)


@blp.route("/<int:follow_up_id>")
@blp.response(200, FollowUpOut)
def get_follow_up(follow_up_id: int) -> FollowUp:
    """One follow-up: yours, one of an organization, or any for coordinators."""
    follow_up = _load(follow_up_id)
    if follow_up.organization_id is None and not can_edit_follow_up(current_user, follow_up):
        api_abort(403, "forbidden", "This is someone else's personal follow-up.")
    return follow_up


@blp.route("", methods=["POST"])
@blp.arguments(FollowUpCreate)
@blp.response(201, FollowUpOut)
def create(data: dict[str, Any]) -> FollowUp:
    """Add a follow-up, optionally about an organization (and one of its contacts)."""
    organization_id = data.pop("organization_id", None)
    organization = (
        load_or_404(Organization, organization_id, selectinload(Organization.contacts))
        if organization_id is not None
        else None
    )
    values: dict[str, Any] = {name: None for name in FORM_FIELDS}
    values["assignee_id"] = current_user.id
    values.update(data)
    form = validate_form(FollowUpForm, values, prepare=_prepare(organization, None))
    try:
        follow_up = create_follow_up(form.model_data(), by=current_user, organization=organization)
    except FollowUpPermissionError:
        _own_only()
    except FollowUpError:
        _bad_people()
    return _load(follow_up.id)


@blp.route("/<int:follow_up_id>", methods=["PATCH"])
@blp.arguments(FollowUpUpdate)
@blp.response(200, FollowUpOut)
def update(data: dict[str, Any], follow_up_id: int) -> FollowUp:
    """Change a follow-up, or its status (done, cancelled, open again)."""
    follow_up = _load(follow_up_id)
    if not can_edit_follow_up(current_user, follow_up):
        api_abort(403, "forbidden", "Only its assignee, its author or a coordinator may change it.")
    status = data.pop("status", None)
    if data:
        values = {name: getattr(follow_up, name) for name in FORM_FIELDS}
        values.update(data)
        form = validate_form(
            FollowUpForm, values, prepare=_prepare(follow_up.organization, follow_up.assignee_id)
        )
        try:
            update_follow_up(follow_up, form.model_data(), by=current_user)
        except FollowUpPermissionError:
            _own_only()
        except FollowUpError:
            _bad_people()
    if status is not None and status is not follow_up.status:
        change = {
            FollowUpStatus.DONE: complete_follow_up,
            FollowUpStatus.CANCELLED: cancel_follow_up,
            FollowUpStatus.OPEN: reopen_follow_up,
        }[status]
        change(follow_up, by=current_user)
    return _load(follow_up.id)


@blp.route("/<int:follow_up_id>", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 403, 404)
def delete(follow_up_id: int) -> None:
    """Delete a follow-up (its assignee, its author or a coordinator, as on the board)."""
    follow_up = load_or_404(FollowUp, follow_up_id)
    try:  # the service applies the board's rule
        delete_follow_up(follow_up, by=current_user)
    except FollowUpPermissionError:
        _not_yours()


def _not_yours() -> NoReturn:
    api_abort(403, "forbidden", _("Only its assignee, its author or a coordinator may delete it."))


def _load(follow_up_id: int) -> FollowUp:
    return load_or_404(  # type: ignore[no-any-return]
        FollowUp,
        follow_up_id,
        selectinload(FollowUp.assignee),
        selectinload(FollowUp.organization),
        selectinload(FollowUp.contact),
    )


def _prepare(organization: Organization | None, assignee_id: int | None) -> Any:
    def prepare(form: FollowUpForm) -> None:
        form.set_choices(
            assignable_users(current_user, include=[assignee_id]),
            organization.contacts if organization else [],
        )

    return prepare


def _own_only() -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        "Some fields are not valid.",
        errors={"assignee_id": ["You can only assign follow-ups to yourself."]},
    )


def _bad_people() -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        "Some fields are not valid.",
        errors={"assignee_id": ["Choose an active staff member and a listed contact."]},
    )
