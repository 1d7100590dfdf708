"""Office services: create, change and delete the hub's offices."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from crm.auth.models import User
from crm.extensions import db
from crm.offices.models import Office
from crm.reference.places import cap_matches_comune, comune_by_code

FIELDS = ("name", "address", "cap", "comune_code", "latitude", "longitude", "phone", "notes")


class OfficeError(ValueError):
    """An office cannot be saved or deleted as asked."""


def list_offices() -> list[tuple[Office, int]]:
    """Every office by name, with how many staff accounts belong to it."""
    staff = select(User.office_id, func.count(User.id).label("n")).group_by(User.office_id).subquery()
    rows = db.session.execute(
        select(Office, func.coalesce(staff.c.n, 0))
        .outerjoin(staff, staff.c.office_id == Office.id)
        .order_by(Office.name)
    )
    return [(office, int(n)) for office, n in rows]


def _apply(office: Office, data: dict[str, Any]) -> None:
    for key in FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, str):
                value = value.strip() or None
            setattr(office, key, value)
    if not office.name or not office.address:
        raise OfficeError(_l("An office needs a name and an address."))
    comune = comune_by_code(office.comune_code)
    if comune is None:
        raise OfficeError(_l("Unknown comune."))
    if office.cap and not cap_matches_comune(office.cap, comune):
        raise OfficeError(
            _l("The CAP %(cap)s does not belong to %(comune)s.", cap=office.cap, comune=comune.name)
        )
    if office.latitude is None or office.longitude is None:
        # No point given: the comune's centre is a usable start for visit planning until someone moves it.
        office.latitude, office.longitude = comune.latitude, comune.longitude
    duplicate = db.session.scalar(
        select(Office.id).where(func.lower(Office.name) == office.name.lower(), Office.id != office.id)
        if office.id is not None
        else select(Office.id).where(func.lower(Office.name) == office.name.lower())
    )
    if duplicate is not None:
        raise OfficeError(_l("Another office already has this name."))


def create_office(data: dict[str, Any]) -> Office:
    """Create an office from form data.

    :raises OfficeError: for an unknown comune, a CAP of another comune or a name already in use.
    """
    office = Office()
    _apply(office, data)  # not in the session yet: nothing half-made can be flushed
    db.session.add(office)
    db.session.commit()
    return office


def update_office(office: Office, data: dict[str, Any]) -> Office:
    """Change an office.

    :raises OfficeError: as :func:`create_office`; the office is left unchanged.
    """
    try:
        with db.session.no_autoflush:
            _apply(office, data)
    except OfficeError:
        db.session.rollback()
        raise
    db.session.commit()
    return office


def delete_office(office: Office) -> None:
    """Delete an office that no staff account belongs to.

    :raises OfficeError: if users still belong to it (move them first: their visit days start there).
    """
    staff = db.session.scalar(select(func.count(User.id)).where(User.office_id == office.id)) or 0
    if staff:
        raise OfficeError(
            ngettext(
                "%(num)d user still belongs to this office: assign them to another office first.",
                "%(num)d users still belong to this office: assign them to another office first.",
                staff,
            )
        )
    db.session.delete(office)
    db.session.commit()
