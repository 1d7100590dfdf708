"""PDF documents about a candidate: the anonymised profile for employers and the GDPR export."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from crm.candidates.labels import CANDIDATE_LABELS, WEEKDAY_LABELS
from crm.candidates.models import EducationLevel, ReadinessBand, Shift
from crm.privacy.pdf import Section, build_pdf
from crm.reference.ateco import section_title


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def anonymised_pdf(profile: dict[str, Any], *, opening_title: str | None = None) -> bytes:
    """The anonymised profile as PDF: built from :func:`crm.candidates.profile.anonymised_profile` only."""
    experience = [
        (
            e["role"],
            " · ".join(
                p
                for p in (
                    section_title(e["sector"]) if e["sector"] else "",
                    f"{e['from'] or '?'} – {e['to'] or _('today')}",
                )
                if p
            ),
        )
        for e in profile["experience"]
    ]
    sections: list[Section] = [
        (
            _("Skills"),
            [
                (_("Skills"), ", ".join(profile["skills"]) or "-"),
                (_("Other skills"), ", ".join(profile["other_skills"]) or "-"),
                (
                    _("Education"),
                    str(CANDIDATE_LABELS[EducationLevel(profile["education"])])
                    if profile["education"]
                    else "-",
                ),
                (_("Languages"), ", ".join(profile["languages"]) or "-"),
                (_("Driving licence"), _yes(profile["driving_licence"])),
            ],
        ),
        (_("Work experience"), experience or [(_("Work experience"), _("None recorded"))]),
        (
            _("Availability"),
            [
                (_("Days"), ", ".join(str(WEEKDAY_LABELS[d]) for d in profile["days"]) or "-"),
                (_("Shifts"), ", ".join(str(CANDIDATE_LABELS[Shift(s)]) for s in profile["shifts"]) or "-"),
                (_("Hours a week"), str(profile["hours_per_week"] or "-")),
            ],
        ),
        (
            _("Readiness"),
            [
                (
                    _("Readiness"),
                    str(CANDIDATE_LABELS[ReadinessBand(profile["readiness"])])
                    if profile["readiness"]
                    else _("Not assessed yet"),
                )
            ],
        ),
    ]
    subtitle = _("Anonymised profile") + (f" · {opening_title}" if opening_title else "")
    return build_pdf(
        _("Candidate %(code)s", code=profile["code"]),
        sections,
        subtitle=subtitle,
        footer=_(
            "Flor@Work job placement hub. The profile is anonymised: contact the hub to arrange an interview."
        ),
    )


def export_pdf(data: dict[str, Any]) -> bytes:
    """The GDPR export as PDF: every section of the JSON export, in readable form."""
    sections: list[Section] = []
    for key, value in data.items():
        if key in ("code", "exported_at"):
            continue
        if isinstance(value, dict):
            rows = [(str(k), _plain(v)) for k, v in value.items()]
        elif isinstance(value, list):
            rows = [(f"{i + 1}", _plain(item)) for i, item in enumerate(value)] or [("-", "-")]
        else:
            rows = [(key, _plain(value))]
        sections.append((key.replace("_", " ").capitalize(), rows))
    return build_pdf(
        _("Data held on %(code)s", code=data["code"]),
        sections,
        subtitle=_("Exported on %(when)s", when=data["exported_at"]),
        footer=_("Export under articles 15 and 20 of the GDPR. Confidential."),
    )


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
