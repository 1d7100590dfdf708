"""Contacts: the people the hub talks to at each organization."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.auth.models import User
from crm.contacts.forms import CONTACT_FIELDS
from crm.contacts.models import Contact
from crm.extensions import db
from crm.organizations.models import Organization
from crm.permissions import can_edit_organization


class ContactError(ValueError):
    """A contact cannot be saved or deleted as asked."""


class ContactPermissionError(ContactError):
    """The user may not change the contacts of this organization."""


def _check_may_edit(organization: Organization, by: User) -> None:
    if not can_edit_organization(by, organization):
        raise ContactPermissionError(organization.id)


def _apply(contact: Contact, data: Mapping[str, Any]) -> None:
    for name in CONTACT_FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    contact.is_primary = bool(contact.is_primary)


def _after_change(organization: Organization, contact: Contact | None) -> None:
    """Keep one primary contact per organization and the organization's search text current."""
    from crm.organizations.services import refresh_search_text

    if contact is not None and contact.is_primary:
        for other in organization.contacts:
            if other is not contact and other.is_primary:
                other.is_primary = False
    refresh_search_text(organization)


def create_contact(organization: Organization, data: Mapping[str, Any], *, by: User) -> Contact:
    """Add a contact to ``organization``; a new primary contact replaces the previous one.

    :raises ContactPermissionError: if ``by`` may not edit the organization.
    """
    _check_may_edit(organization, by)
    contact = Contact()
    _apply(contact, data)
    organization.contacts.append(contact)
    _after_change(organization, contact)
    db.session.commit()
    return contact


def update_contact(contact: Contact, data: Mapping[str, Any], *, by: User) -> Contact:
    """Change a contact (the audit trail records what changed).

    :raises ContactPermissionError: if ``by`` may not edit the contact's organization.
    """
    organization = contact.organization
    _check_may_edit(organization, by)
    _apply(contact, data)
    _after_change(organization, contact)
    db.session.commit()
    return contact


def delete_contact(contact: Contact, *, by: User) -> None:
    """Remove a contact; interactions and follow-ups that named it keep existing without it.

    :raises ContactPermissionError: if ``by`` may not edit the contact's organization.
    """
    organization = contact.organization
    _check_may_edit(organization, by)
    organization.contacts.remove(contact)  # delete-orphan: the row goes with the flush
    _after_change(organization, None)
    db.session.commit()

