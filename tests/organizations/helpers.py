"""Helpers shared by the organization tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from stdnum import luhn

from crm.extensions import db
from crm.organizations.models import Organization

FIRENZE = "048017"
EMPOLI = "048014"
PASSWORD = "correct horse battery"


def valid_vat(n: int) -> str:
    """The ``n``-th valid Partita IVA (office code 048, Luhn check digit)."""
    base = f"{n:07d}048"
    return base + luhn.calc_check_digit(base)


def form_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid organization form as a browser posts it."""
    data: dict[str, Any] = {
        "legal_name": "Trattoria Da Mario S.n.c.",
        "trade_name": "",
        "kind": "company",
        "status": "prospect",
        "vat_number": valid_vat(1),
        "tax_code": "",
        "ateco_code": "56.10.11",
        "ateco_section": "",
        "employees": "12",
        "law68_subject": "",
        "law68_protected_employed": "",
        "address": "Via dei Neri 10",
        "cap": "50122",
        "comune_code": FIRENZE,
        "latitude": "",
        "longitude": "",
        "geo_precision": "",
        "phone": "055 123 4567",
        "phone2": "",
        "email": "info@damario.example.it",
        "pec": "",
        "website": "",
        "tags": "",
        "notes": "",
    }
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        data[f"opening_hours-{day}"] = ""
    data.update(overrides)
    return data


def org_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organization)) or 0
