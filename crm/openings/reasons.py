"""Matching reasons in words, for pages and the command line."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from crm.candidates.labels import CANDIDATE_LABELS
from crm.candidates.models import ReadinessBand
from crm.matching import Reason
from crm.reference.ateco import section_title


def describe(reason: Reason, skill_names: dict[int, str] | None = None) -> str:
    """One line explaining a part of the score."""
    p: dict[str, Any] = reason.params
    if reason.code == "required_skills":
        if not p.get("total"):
            return _("No required skills listed")
        text = _("Required skills: %(covered)s of %(total)s", covered=p["covered"], total=p["total"])
        missing = [skill_names[i] for i in p.get("missing_ids", []) if skill_names and i in skill_names]
        if missing:
            text += " (" + _("missing: %(names)s", names=", ".join(missing)) + ")"
        return text
    if reason.code == "desirable_skills":
        if not p.get("total"):
            return _("No desirable skills listed")
        return _("Desirable skills: %(covered)s of %(total)s", covered=p["covered"], total=p["total"])
    if reason.code == "sector":
        if reason.ok:
            return _("Interested in the sector (%(sector)s)", sector=section_title(p.get("sector")))
        return _("Sector not among their interests") if p.get("sector") else _("Sector not given")
    if reason.code == "commute":
        if p.get("minutes") is None:
            return _("Commute unknown (no comune or workplace position)")
        if reason.ok is False:
            return _(
                "Too far: about %(minutes)s min, more than their %(limit)s min",
                minutes=p["minutes"],
                limit=p["limit"],
            )
        return _("Commute about %(minutes)s min (up to %(limit)s)", minutes=p["minutes"], limit=p["limit"])
    if reason.code == "hours":
        if p.get("available") is None or p.get("needed") is None:
            return _("Hours a week not given")
        return _(
            "Available %(available)s h a week, the job needs %(needed)s",
            available=p["available"],
            needed=p["needed"],
        )
    if reason.code == "shifts":
        if reason.ok is False:
            return _("No common shift")
        return _("Shifts match") if reason.ok else _("Shifts not given")
    if reason.code == "readiness":
        if p.get("band") is None:
            return _("Not assessed yet")
        text = str(CANDIDATE_LABELS[ReadinessBand(p["band"])])
        return text + (" · " + _("supported contract") if p.get("supported") else "")
    return reason.code
