"""``/api/v1/interactions``: calls, e-mails, visits, meetings and notes (the activity list's filters;
logged and corrected through the screen's InteractionForm and the interaction services)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
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
from crm.api.fields import FIRST_DATE, LAST_DATE, Day, Enum, Id, Text
from crm.api.resources.common import OrganizationBrief, UserBrief, load_or_404
from crm.followups.services import assignable_users
from crm.interactions.forms import InteractionForm
from crm.interactions.models import (
    Interaction,
    InteractionKind,
    InteractionOutcome,
    InteractionStatus,
    VisitResult,
)
from crm.interactions.services import (
    ActivityFilters,
    InteractionError,
    InteractionPermissionError,
    activity_query,
    delete_interaction,
    log_interaction,
    to_local,
    update_interaction,
)
from crm.organizations.models import Organization
from crm.permissions import can_edit_interaction

blp = make_blueprint("interactions", "/interactions", "What happened with each organization.")

#: The form's date and time fields are one ``occurred_at`` in JSON.
RENAME = {"occurred_on": "occurred_at", "occurred_time": "occurred_at"}


def _in_range(value: datetime) -> None:
    if not FIRST_DATE <= value.date() <= LAST_DATE:
        raise ma.ValidationError(f"Give a date between {FIRST_DATE.year} and {LAST_DATE.year}.")


class InteractionArgs(PageArgs):
    """The activity list's filters, plus one organization's timeline."""

    organization_id = Id(query=True)
    kind = Enum(InteractionKind)
    user_id = Id(query=True)
    outcome = Enum(InteractionOutcome)
    date_from = Day(metadata={"description": "Local date, inclusive."})
    date_to = Day(metadata={"description": "Local date, inclusive."})


class ContactBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    full_name = ma.fields.String(required=True)


class InteractionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    organization = ma.fields.Nested(OrganizationBrief, required=True)
    contact = ma.fields.Nested(ContactBrief, required=True, allow_none=True)
    user = ma.fields.Nested(UserBrief, required=True, allow_none=True)
    kind = Enum(InteractionKind, required=True)
    status = Enum(InteractionStatus, required=True)
    occurred_at = ma.fields.DateTime(required=True)
    subject = ma.fields.String(required=True)
    body = ma.fields.String(required=True, allow_none=True)
    outcome = Enum(InteractionOutcome, required=True, allow_none=True)
    next_step = ma.fields.String(required=True, allow_none=True)
    visit_plan_id = ma.fields.Integer(required=True, allow_none=True)
    arrived_at = ma.fields.DateTime(required=True, allow_none=True)
    left_at = ma.fields.DateTime(required=True, allow_none=True)
    visit_result = Enum(VisitResult, required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


InteractionPage = page_schema(InteractionOut, "InteractionPage")


class InteractionIn(ma.Schema):
    kind = Enum(InteractionKind)
    status = Enum(InteractionStatus, metadata={"description": "A visit still to come is planned."})
    occurred_at = ma.fields.DateTime(
        validate=_in_range,
        metadata={"description": "ISO 8601; without an offset it is Florence time. Minutes precision."},
    )
    user_id = Id(metadata={"description": "Who logs it: yourself, or anyone for coordinators."})
    contact_id = Id(allow_none=True)
    subject = Text(max_length=200)
    body = Text(max_length=20_000, allow_none=True)
    outcome = Enum(InteractionOutcome, allow_none=True)
    next_step = Text(max_length=300, allow_none=True)


class InteractionCreate(InteractionIn):
    organization_id = Id(required=True)
    kind = Enum(InteractionKind, required=True)
    subject = Text(max_length=200, required=True)


@blp.route("")
@blp.arguments(InteractionArgs, location="query")
@blp.response(200, InteractionPage)
def list_interactions(args: dict[str, Any]) -> dict[str, Any]:
    """List interactions, newest first (the activity list; `organization_id` for one timeline)."""
    filters = ActivityFilters(
        kind=args.get("kind"),
        user_id=args.get("user_id"),
        outcome=args.get("outcome"),
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
    )
    stmt = activity_query(filters)
    if args.get("organization_id") is not None:
        stmt = stmt.where(Interaction.organization_id == args["organization_id"])
    return paginate(stmt, args)


@blp.route("/<int:interaction_id>")
@blp.response(200, InteractionOut)
def get_interaction(interaction_id: int) -> Interaction:
    """One interaction."""
    return _load(interaction_id)


@blp.route("", methods=["POST"])
@blp.arguments(InteractionCreate)
@blp.response(201, InteractionOut)
def create(data: dict[str, Any]) -> Interaction:
    """Log an interaction with an organization (for yourself; coordinators for any colleague)."""
    organization = load_or_404(Organization, data.pop("organization_id"), selectinload(Organization.contacts))
    values: dict[str, Any] = {
        "kind": None,
        "status": InteractionStatus.DONE,
        "occurred_at": datetime.now(UTC),
        "user_id": current_user.id,
        "contact_id": None,
        "subject": None,
        "body": None,
        "outcome": None,
        "next_step": None,
    }
    values.update(data)
    form = validate_form(
        InteractionForm, _form_values(values), prepare=_prepare(organization, None), rename=RENAME
    )
    try:
        interaction = log_interaction(organization, form.model_data(), by=current_user)
    except InteractionPermissionError:
        api_abort(403, "forbidden", "Operators log interactions in their own name only.")
    except InteractionError:
        _bad_people()
    return _load(interaction.id)


@blp.route("/<int:interaction_id>", methods=["PATCH"])
@blp.arguments(InteractionIn)
@blp.response(200, InteractionOut)
def update(data: dict[str, Any], interaction_id: int) -> Interaction:
    """Correct an interaction (yours; coordinators anyone's)."""
    interaction = _load(interaction_id)
    if not can_edit_interaction(current_user, interaction):
        api_abort(403, "forbidden", "Only its author or a coordinator may change an interaction.")
    values: dict[str, Any] = {
        name: getattr(interaction, name)
        for name in (
            "kind",
            "status",
            "occurred_at",
            "user_id",
            "contact_id",
            "subject",
            "body",
            "outcome",
            "next_step",
        )
    }
    values.update(data)
    form = validate_form(
        InteractionForm,
        _form_values(values),
        prepare=_prepare(interaction.organization, interaction.user_id),
        rename=RENAME,
    )
    try:
        update_interaction(interaction, form.model_data(), by=current_user)
    except InteractionPermissionError:
        api_abort(403, "forbidden", "Operators log interactions in their own name only.")
    except InteractionError:
        _bad_people()
    return _load(interaction.id)


@blp.route("/<int:interaction_id>", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 403, 404)
def delete(interaction_id: int) -> None:
    """Delete an interaction (its author or a coordinator); its follow-ups stay, without it."""
    interaction = load_or_404(Interaction, interaction_id)
    try:  # the service applies the timeline's rule
        delete_interaction(interaction, by=current_user)
    except InteractionPermissionError:
        _not_yours()


def _not_yours() -> NoReturn:
    api_abort(403, "forbidden", _("Only its author or a coordinator may delete an interaction."))


def _load(interaction_id: int) -> Interaction:
    return load_or_404(  # type: ignore[no-any-return]
        Interaction,
        interaction_id,
        selectinload(Interaction.organization),
        selectinload(Interaction.user),
        selectinload(Interaction.contact),
    )


def _form_values(values: dict[str, Any]) -> dict[str, Any]:
    """``occurred_at`` as the form's local date and time (a naive time is Florence time)."""
    result = dict(values)
    when = result.pop("occurred_at", None)
    if when is not None:
        local = to_local(when) if when.tzinfo is not None else when
        result["occurred_on"] = local.date()
        result["occurred_time"] = local.strftime("%H:%M")
    else:
        result["occurred_on"] = result["occurred_time"] = None
    return result


def _prepare(organization: Organization, author_id: int | None) -> Any:
    def prepare(form: InteractionForm) -> None:
        # The screens offer these names only; the services check them again.
        form.set_choices(assignable_users(current_user, include=[author_id]), organization.contacts)

    return prepare


def _bad_people() -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        "Some fields are not valid.",
        errors={"user_id": ["Choose an active staff member and a contact of this organization."]},
    )
