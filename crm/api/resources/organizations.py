"""``/api/v1/organizations``: the organization list's filters, detail, create, update and delete.

Input goes through the screen's :class:`~crm.organizations.forms.OrganizationForm` and the services,
so validation (Partita IVA checksum, CAP of the comune, ATECO code, opening hours…), the audit trail
and optimistic locking are those of the screens.
"""

from __future__ import annotations

from functools import partial
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
from crm.api.fields import Enum, Text
from crm.api.resources.common import UserBrief, load_or_404
from crm.organizations.forms import WEEKDAYS, EditOrganizationForm, OrganizationForm, format_day_hours
from crm.organizations.models import (
    GeoPrecision,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    SizeBand,
)
from crm.organizations.services import (
    DATA_FIELDS,
    DEFAULT_DIRECTIONS,
    NO_OWNER,
    SORT_KEYS,
    DuplicateVatNumberError,
    OrganizationConflictError,
    OrganizationFilters,
    OrganizationListPage,
    OrganizationPermissionError,
    create_organization,
    delete_organization,
    owner_candidates,
    update_organization,
)
from crm.permissions import can_edit_organization
from crm.reference.ateco import section_choices
from crm.reference.places import comune_by_code, comune_choices

blp = make_blueprint("organizations", "/organizations", "Employers and other organizations.")

_COMUNI = [code for code, _name in comune_choices()]
_SECTIONS = [letter for letter, _title in section_choices("en")]


class OrganizationArgs(PageArgs):
    """The organization list's filters (``crm.organizations.views.parse_list_filters``)."""

    q = Text(max_length=200, metadata={"description": "Words to find in names, numbers, notes, contacts."})
    kind = Enum(OrganizationKind)
    status = Enum(OrganizationStatus)
    comune = ma.fields.String(validate=validate.OneOf(_COMUNI), metadata={"description": "ISTAT code."})
    section = ma.fields.String(validate=validate.OneOf(_SECTIONS), metadata={"description": "ATECO section."})
    size = Enum(SizeBand)
    tag = Text(max_length=60)
    owner = ma.fields.Integer(
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "Owner's user id; 0 for organizations nobody owns."},
    )
    sort = ma.fields.String(load_default="name", validate=validate.OneOf(SORT_KEYS))
    direction = ma.fields.String(validate=validate.OneOf(("asc", "desc")))


_DAY_HOURS = ma.fields.List(
    ma.fields.List(Text(max_length=5), validate=validate.Length(equal=2)),
    metadata={"description": 'Intervals such as [["09:00", "13:00"], ["14:30", "18:00"]]; [] = closed.'},
)


class OrganizationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)
    legal_name = ma.fields.String(required=True)
    trade_name = ma.fields.String(required=True, allow_none=True)
    kind = Enum(OrganizationKind, required=True)
    status = Enum(OrganizationStatus, required=True)
    owner = ma.fields.Nested(UserBrief, required=True, allow_none=True)
    vat_number = ma.fields.String(required=True, allow_none=True)
    tax_code = ma.fields.String(required=True, allow_none=True)
    ateco_code = ma.fields.String(required=True, allow_none=True)
    ateco_section = ma.fields.String(required=True, allow_none=True)
    employees = ma.fields.Integer(required=True, allow_none=True)
    size_band = Enum(SizeBand, required=True, allow_none=True)
    law68_subject = ma.fields.Boolean(required=True, allow_none=True)
    law68_protected_employed = ma.fields.Integer(required=True, allow_none=True)
    address = ma.fields.String(required=True, allow_none=True)
    cap = ma.fields.String(required=True, allow_none=True)
    comune_code = ma.fields.String(required=True, allow_none=True)
    comune_name = ma.fields.Method("_comune_name", required=True, allow_none=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    geo_precision = Enum(GeoPrecision, required=True, allow_none=True)
    phone = ma.fields.String(required=True, allow_none=True)
    phone2 = ma.fields.String(required=True, allow_none=True)
    email = ma.fields.String(required=True, allow_none=True)
    pec = ma.fields.String(required=True, allow_none=True)
    website = ma.fields.String(required=True, allow_none=True)
    opening_hours = ma.fields.Dict(keys=ma.fields.String(), values=_DAY_HOURS, required=True, allow_none=True)
    tags = ma.fields.Pluck("TagOut", "name", many=True, required=True)
    notes = ma.fields.String(required=True, allow_none=True)
    last_interaction_at = ma.fields.DateTime(required=True, allow_none=True)
    version = ma.fields.Integer(required=True, metadata={"description": "Send it back with PATCH."})
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)

    def _comune_name(self, org: Organization) -> str | None:
        comune = comune_by_code(org.comune_code)
        return comune.name if comune else None


class TagOut(ma.Schema):
    name = ma.fields.String(required=True)


OrganizationPage = page_schema(OrganizationOut, "OrganizationPage")


class OrganizationIn(ma.Schema):
    """The editable fields; ``null`` or an empty string clears a field."""

    legal_name = Text(max_length=200)
    trade_name = Text(max_length=200, allow_none=True)
    kind = Enum(OrganizationKind)
    status = Enum(OrganizationStatus)
    owner_id = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Coordinators only; an operator always owns what they create."},
    )
    vat_number = Text(max_length=20, allow_none=True, metadata={"description": "Partita IVA."})
    tax_code = Text(max_length=20, allow_none=True)
    ateco_code = Text(max_length=10, allow_none=True)
    ateco_section = Text(max_length=1, allow_none=True)
    employees = ma.fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    law68_subject = ma.fields.Boolean(allow_none=True)
    law68_protected_employed = ma.fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=0, max=100_000)
    )
    address = Text(max_length=200, allow_none=True)
    cap = Text(max_length=5, allow_none=True)
    comune_code = Text(max_length=6, allow_none=True, metadata={"description": "ISTAT code."})
    latitude = ma.fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    geo_precision = Enum(GeoPrecision, allow_none=True)
    phone = Text(max_length=40, allow_none=True)
    phone2 = Text(max_length=40, allow_none=True)
    email = Text(max_length=254, allow_none=True)
    pec = Text(max_length=254, allow_none=True)
    website = Text(max_length=300, allow_none=True)
    opening_hours = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.OneOf(WEEKDAYS)), values=_DAY_HOURS, allow_none=True
    )
    tags = ma.fields.List(
        Text(max_length=60, validate=validate.Regexp(r"^[^,]*$", error="Tags cannot contain commas.")),
        allow_none=True,
        validate=validate.Length(max=50),
    )
    notes = Text(max_length=20_000, allow_none=True)


class OrganizationCreate(OrganizationIn):
    legal_name = Text(max_length=200, required=True)


class OrganizationUpdate(OrganizationIn):
    version = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "The version you read: a 409 answers if someone saved since."},
    )


# --- Views ----------------------------------------------------------------------------------------


def _filters(args: dict[str, Any]) -> OrganizationFilters:
    sort = args.get("sort", "name")
    owner = args.get("owner")
    return OrganizationFilters(
        q=args.get("q"),
        kind=args.get("kind"),
        status=args.get("status"),
        comune_code=args.get("comune"),
        ateco_section=args.get("section"),
        size_band=args.get("size"),
        tag=args.get("tag"),
        owner_id=NO_OWNER if owner == 0 else owner,
        sort=sort,
        direction=args.get("direction") or DEFAULT_DIRECTIONS.get(sort, "asc"),
    )


@blp.route("")
@blp.arguments(OrganizationArgs, location="query")
@blp.response(200, OrganizationPage)
def list_organizations(args: dict[str, Any]) -> dict[str, Any]:
    """List organizations, with the filters and sort orders of the organization list."""
    return paginate(partial(OrganizationListPage, _filters(args)), args)


@blp.route("/<int:organization_id>")
@blp.response(200, OrganizationOut)
def get_organization(organization_id: int) -> Organization:
    """One organization."""
    return _load(organization_id)


@blp.route("", methods=["POST"])
@blp.arguments(OrganizationCreate)
@blp.response(201, OrganizationOut)
def create(data: dict[str, Any]) -> Organization:
    """Create an organization (an operator becomes its owner; a coordinator may choose one)."""
    _check_owner_field(data, current=None)
    # Like the blank screen: every field posted (empty unless given), the same defaults.
    values: dict[str, Any] = {name: None for name in DATA_FIELDS}
    values.update(kind=OrganizationKind.COMPANY, status=OrganizationStatus.PROSPECT)
    if current_user.is_coordinator:
        values["owner_id"] = current_user.id
    values.update(data)
    form = validate_form(OrganizationForm, _form_values(values), prepare=_prepare(None))
    try:
        return create_organization(form.to_data(), by=current_user)
    except DuplicateVatNumberError as exc:
        _duplicate(exc)


@blp.route("/<int:organization_id>", methods=["PATCH"])
@blp.arguments(OrganizationUpdate)
@blp.response(200, OrganizationOut)
def update(data: dict[str, Any], organization_id: int) -> Organization:
    """Change some fields; send the `version` you read (optimistic locking, as on the screens)."""
    organization = _load(organization_id)
    if not can_edit_organization(current_user, organization):
        api_abort(403, "forbidden", "Only the owner or a coordinator may edit this organization.")
    expected = data.pop("version")
    _check_owner_field(data, current=organization.owner_id)
    values = {**_current_values(organization), **data}
    form = validate_form(EditOrganizationForm, _form_values(values), prepare=_prepare(organization.owner_id))
    try:
        update_organization(organization, form.to_data(), by=current_user, expected_version=expected)
    except DuplicateVatNumberError as exc:
        _duplicate(exc)
    except OrganizationPermissionError:
        api_abort(403, "forbidden", "Only the owner or a coordinator may edit this organization.")
    except OrganizationConflictError as exc:
        if exc.current is None:
            api_abort(404, "not_found", "The organization was deleted.")
        api_abort(
            409,
            "version_conflict",
            f"Someone saved this organization after version {expected}: it is now at version "
            f"{exc.current.version}. Read it again and re-apply your change.",
        )
    return organization


@blp.route("/<int:organization_id>", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 403, 404)
def delete(organization_id: int) -> None:
    """Delete an organization with its contacts, interactions, follow-ups and openings (coordinators).

    As on the screen, even its owner may not; the change history keeps what was deleted.
    """
    # The screen refuses other roles before loading anything: an operator learns nothing about ids.
    if not current_user.is_coordinator:
        api_abort(403, "forbidden", _("Only coordinators may delete organizations."))
    organization = _load(organization_id, selectinload(Organization.contacts))
    try:
        delete_organization(organization, by=current_user)
    except OrganizationPermissionError:
        api_abort(403, "forbidden", _("Only coordinators may delete organizations."))


# --- Helpers --------------------------------------------------------------------------------------


def _load(organization_id: int, *options: Any) -> Organization:
    return load_or_404(  # type: ignore[no-any-return]
        Organization,
        organization_id,
        selectinload(Organization.owner),
        selectinload(Organization.tags),
        *options,
    )


def _prepare(owner_id: int | None) -> Any:
    def prepare(form: OrganizationForm) -> None:
        if not current_user.is_coordinator:
            del form.owner_id
        form.set_dynamic_choices(owners=owner_candidates(include_id=owner_id), locale="it")

    return prepare


def _check_owner_field(data: dict[str, Any], *, current: int | None) -> None:
    if "owner_id" in data and not current_user.is_coordinator:
        if data["owner_id"] != current:
            api_abort(
                422,
                "validation_failed",
                "Some fields are not valid.",
                errors={"owner_id": ["Only coordinators choose the owner."]},
            )
        del data["owner_id"]


def _current_values(org: Organization) -> dict[str, Any]:
    values = {name: getattr(org, name) for name in DATA_FIELDS if name != "tags"}
    values["tags"] = [t.name for t in org.tags]
    return values


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    """JSON values as the form's inputs: tags comma-separated, hours per weekday, yes/no."""
    values = dict(data)
    if "tags" in values:
        values["tags"] = ", ".join(values["tags"] or [])
    if "law68_subject" in values:
        flag = values["law68_subject"]
        values["law68_subject"] = "" if flag is None else ("yes" if flag else "no")
    hours = values.pop("opening_hours", None) or {}
    for day in WEEKDAYS:
        values[f"opening_hours-{day}"] = format_day_hours(hours.get(day))
    return values


def _duplicate(exc: DuplicateVatNumberError) -> NoReturn:
    api_abort(
        409,
        "duplicate_vat_number",
        f"This Partita IVA is already registered for organization {exc.existing.id}.",
        errors={"vat_number": [f"Already registered for organization {exc.existing.id}."]},
    )
