"""Field-mode fixtures: the export fixtures (an operator with an office, organizations in Florence,
planned visits), with English interfaces."""

from __future__ import annotations

from tests.exports.conftest import contact_for, field_operator, make_org, make_user, make_visit, office

__all__ = ["contact_for", "field_operator", "make_org", "make_user", "make_visit", "office"]
