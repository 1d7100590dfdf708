"""Contacts: the people the hub talks to at each organization."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.auth.models import User
from crm.contacts.models import Contact
from crm.extensions import db
from crm.organizations.models import Organization
from crm.permissions import can_edit_organization

#: What a contact form may change (the form's field names are the model's).
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "role",
    "phone",
    "mobile",
    "email",
    "preferred_channel",
    "is_primary",
    "notes",
)


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


def _release_primary(organization: Organization, data: Mapping[str, Any], keep: Contact | None) -> None:
    """Before a contact becomes primary, the previous primary stops being so.

    The database allows one primary contact per organization, so the old one is cleared and flushed
    before the new one is written (a single flush may order the two UPDATEs either way).
    """
    if not data.get("is_primary"):
        return
    others = [c for c in organization.contacts if c is not keep and c.is_primary]
    for other in others:
        other.is_primary = False
    if others:
        db.session.flush()


def _after_change(organization: Organization) -> None:
    """Keep the organization's search text current (contacts are part of what it is found by)."""
    from crm.organizations.services import refresh_search_text

    refresh_search_text(organization)


def create_contact(organization: Organization, data: Mapping[str, Any], *, by: User) -> Contact:
    """Add a contact to ``organization``; a new primary contact replaces the previous one.

    :raises ContactPermissionError: if ``by`` may not edit the organization.
    """
    _check_may_edit(organization, by)
    _release_primary(organization, data, keep=None)
    contact = Contact()
    _apply(contact, data)
    organization.contacts.append(contact)
    _after_change(organization)
    db.session.commit()
    return contact


def update_contact(contact: Contact, data: Mapping[str, Any], *, by: User) -> Contact:
    """Change a contact (the audit trail records what changed).

    :raises ContactPermissionError: if ``by`` may not edit the contact's organization.
    """
    organization = contact.organization
    _check_may_edit(organization, by)
    _release_primary(organization, data, keep=contact)
    _apply(contact, data)
    _after_change(organization)
    db.session.commit()
    return contact


def delete_contact(contact: Contact, *, by: User) -> None:
    """Remove a contact; interactions and follow-ups that named it keep existing without it.

    :raises ContactPermissionError: if ``by`` may not edit the contact's organization.
    """
    organization = contact.organization
    _check_may_edit(organization, by)
    organization.contacts.remove(contact)
    # An explicit delete, not only delete-orphan: an orphan is found only during the flush, after
    # the change history's before-flush hook has run, and the deletion went unrecorded.
    db.session.delete(contact)
    _after_change(organization)
    db.session.commit()

