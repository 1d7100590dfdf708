"""Translated names of the kinds of background job."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "imports.organizations": _l("Import of organizations"),
    "geocoding.batch": _l("Batch geocoding"),
    "visits.plan": _l("Visit planning"),
    "exports.visits": _l("Export of the team's visits"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
