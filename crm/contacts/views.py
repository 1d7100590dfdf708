"""Contacts are managed from their organization's page: these views add, change and delete them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.contacts.forms import ContactForm
from crm.contacts.models import Contact
from crm.contacts.services import create_contact, delete_contact, update_contact
from crm.extensions import db
from crm.organizations.models import Organization
from crm.permissions import can_edit_organization

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.app_context_processor
def _permission_helpers() -> dict[str, Any]:
    """The contact list is included in other features' pages: it asks the same rule as these views."""
    return {"can_edit_organization": can_edit_organization}


def _organization_page(organization_id: int) -> Response:
    return redirect(url_for("organizations.detail", organization_id=organization_id) + "#contacts")


def _require_edit(organization: Organization) -> None:
    if not can_edit_organization(current_user, organization):
        abort(403)


@bp.route("/new/<int:organization_id>", methods=["GET", "POST"])
def create(organization_id: int) -> str | Response:
    organization = db.get_or_404(Organization, organization_id)
    _require_edit(organization)
    form = ContactForm()
    if form.validate_on_submit():
        contact = create_contact(organization, form.model_data(), by=current_user)
        flash(_("Contact %(name)s added.", name=contact.full_name), "success")
        return _organization_page(organization.id)
    return render_template("contacts/form.html", form=form, organization=organization, contact=None)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
def edit(contact_id: int) -> str | Response:
    contact = db.get_or_404(Contact, contact_id)
    organization = contact.organization
    _require_edit(organization)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        update_contact(contact, form.model_data(), by=current_user)
        flash(_("Contact %(name)s saved.", name=contact.full_name), "success")
        return _organization_page(organization.id)
    return render_template(
        "contacts/form.html", form=form, organization=organization, contact=contact
    )


@bp.route("/<int:contact_id>/delete", methods=["POST"])
def delete(contact_id: int) -> Response:
    contact = db.get_or_404(Contact, contact_id)
    organization = contact.organization
    _require_edit(organization)
    name = contact.full_name
    delete_contact(contact, by=current_user)
    flash(_("Contact %(name)s deleted.", name=name), "success")
    return _organization_page(organization.id)
