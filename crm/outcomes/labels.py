"""Translated names of the outcomes' steps, statuses and benefit schemes."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from crm.labels import LABELS, EnumLabels
from crm.outcomes import calc
from crm.outcomes.models import BenefitScheme

SCHEME_LABELS = EnumLabels.from_pairs(
    [
        (BenefitScheme.ADI, _l("Assegno di Inclusione (ADI)")),
        (BenefitScheme.SFL, _l("Supporto per la Formazione e il Lavoro (SFL)")),
        (BenefitScheme.NASPI, _l("NASpI (unemployment benefit)")),
        (BenefitScheme.MUNICIPAL, _l("Municipal economic support")),
        (BenefitScheme.OTHER, lazy_pgettext("benefit scheme", "Other")),
    ]
)
for _key, _text in SCHEME_LABELS.items():
    dict.__setitem__(LABELS, _key, _text)

STEP_LABELS: dict[str, Any] = {
    "contacted": _l("Organizations contacted"),
    "visited": _l("Organizations visited"),
    "openings": _l("Openings found"),
    "presented": _l("Candidates presented"),
    "interviews": _l("Interviews"),
    "hires": _l("Hires"),
    "retained_3": _l("Still employed at 3 months"),
    "retained_6": _l("Still employed at 6 months"),
    "retained_12": _l("Still employed at 12 months"),
}

STATUS_LABELS: dict[str, Any] = {
    calc.ONGOING: _l("Employed, next follow-up not due"),
    calc.COMPLETED: _l("Employed for the whole horizon"),
    calc.ENDED_EARLY: _l("Ended early"),
    calc.MISSING_FOLLOW_UP: _l("Follow-up missing"),
    calc.NOT_STARTED: _l("Not started yet"),
}

DIMENSION_LABELS: dict[str, Any] = {
    "operator_id": _l("Operator"),
    "comune": _l("Comune"),
    "sector": _l("Sector"),
    "org_kind": _l("Organization kind"),
}


def scheme_label(value: str) -> str:
    try:
        return str(SCHEME_LABELS[BenefitScheme(value)])
    except (ValueError, KeyError):
        return value
