"""``/api/v1/contacts``: the people at organizations (read by all staff, changed by whoever may edit
the organization, through the screen's ContactForm and the contact services)."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask_login import current_user
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
from crm.api.fields import Enum, Id, Text
from crm.api.resources.common import OrganizationBrief, load_or_404
from crm.contacts.forms import ContactForm
from crm.contacts.models import Contact, PreferredChannel
from crm.contacts.services import (
    CONTACT_FIELDS,
    ContactPermissionError,
    create_contact,
    delete_contact,
    update_contact,
)
from crm.organizations.models import Organization
from crm.organizations.search import escape_like, search_terms
from crm.permissions import can_edit_organization

blp = make_blueprint("contacts", "/contacts", "People at the organizations.")


class ContactArgs(PageArgs):
    organization_id = Id(query=True)
    q = Text(max_length=200, metadata={"description": "Words of the name, role or e-mail."})


class ContactOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    organization = ma.fields.Nested(OrganizationBrief, required=True)
    first_name = ma.fields.String(required=True)
    last_name = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    role = ma.fields.String(required=True, allow_none=True)
    phone = ma.fields.String(required=True, allow_none=True)
    mobile = ma.fields.String(required=True, allow_none=True)
    email = ma.fields.String(required=True, allow_none=True)
    preferred_channel = Enum(PreferredChannel, required=True, allow_none=True)
    is_primary = ma.fields.Boolean(required=True)
    notes = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


ContactPage = page_schema(ContactOut, "ContactPage")


class ContactIn(ma.Schema):
    first_name = Text(max_length=80)
    last_name = Text(max_length=80)
    role = Text(max_length=120, allow_none=True)
    phone = Text(max_length=40, allow_none=True)
    mobile = Text(max_length=40, allow_none=True)
    email = Text(max_length=254, allow_none=True)
    preferred_channel = Enum(PreferredChannel, allow_none=True)
    is_primary = ma.fields.Boolean(metadata={"description": "Replaces the previous primary contact."})
    notes = Text(max_length=20_000, allow_none=True)


class ContactCreate(ContactIn):
    organization_id = Id(required=True)
    first_name = Text(max_length=80, required=True)
    last_name = Text(max_length=80, required=True)


@blp.route("")
@blp.arguments(ContactArgs, location="query")
@blp.response(200, ContactPage)
def list_contacts(args: dict[str, Any]) -> dict[str, Any]:
    """List contacts, by surname, optionally of one organization or matching words."""
    stmt = select(Contact).options(selectinload(Contact.organization))
    if args.get("organization_id") is not None:
        stmt = stmt.where(Contact.organization_id == args["organization_id"])
    for term in search_terms(args.get("q")):
        # The contact columns are not folded: compare lower-case, accents as typed.
        like = f"%{escape_like(term)}%"
        stmt = stmt.where(
            Contact.first_name.ilike(like, escape="\\")
            | Contact.last_name.ilike(like, escape="\\")
            | Contact.role.ilike(like, escape="\\")
            | Contact.email.ilike(like, escape="\\")
        )
    stmt = stmt.order_by(Contact.last_name, Contact.first_name, Contact.id)
    return paginate(stmt, args)


@blp.route("/<int:contact_id>")
@blp.response(200, ContactOut)
def get_contact(contact_id: int) -> Contact:
    """One contact."""
    return load_or_404(Contact, contact_id, selectinload(Contact.organization))  # type: ignore[no-any-return]


@blp.route("", methods=["POST"])
@blp.arguments(ContactCreate)
@blp.response(201, ContactOut)
def create(data: dict[str, Any]) -> Contact:
    """Add a contact to an organization you may edit."""
    organization = load_or_404(Organization, data.pop("organization_id"))
    _require_edit(organization)
    values = {name: None for name in CONTACT_FIELDS}
    values.update(data)
    form = validate_form(ContactForm, values)
    try:
        return create_contact(organization, form.model_data(), by=current_user)
    except ContactPermissionError:
        _forbidden()


@blp.route("/<int:contact_id>", methods=["PATCH"])
@blp.arguments(ContactIn)
@blp.response(200, ContactOut)
def update(data: dict[str, Any], contact_id: int) -> Contact:
    """Change some fields of a contact."""
    contact: Contact = load_or_404(Contact, contact_id, selectinload(Contact.organization))
    _require_edit(contact.organization)
    values = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    values.update(data)
    form = validate_form(ContactForm, values)
    try:
        return update_contact(contact, form.model_data(), by=current_user)
    except ContactPermissionError:
        _forbidden()


@blp.route("/<int:contact_id>", methods=["DELETE"])
@blp.response(204)
@documents_errors(blp, 403, 404)
def delete(contact_id: int) -> None:
    """Delete a contact (the organization's owner or a coordinator).

    Interactions and follow-ups that named it stay, without it.
    """
    contact: Contact = load_or_404(Contact, contact_id, selectinload(Contact.organization))
    try:  # the service applies the organization's edit rule
        delete_contact(contact, by=current_user)
    except ContactPermissionError:
        _forbidden()


def _require_edit(organization: Organization) -> None:
    if not can_edit_organization(current_user, organization):
        _forbidden()


def _forbidden() -> NoReturn:
    api_abort(403, "forbidden", "Only the organization's owner or a coordinator may change its contacts.")
