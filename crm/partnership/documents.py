"""The plan as a PDF for the meeting with the person: plain words, the signature lines at the end."""

from __future__ import annotations

from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from crm.labels import label
from crm.partnership.models import ActionStatus, Plan, Referral
from crm.privacy.pdf import Section, build_pdf


def _day(value: Any) -> str:
    return format_date(value, "dd/MM/yyyy") if value else "-"


def plan_sections(plan: Plan, *, identity: Any = None, referral: Referral | None = None) -> list[Section]:
    """The plan's content as label–value sections (shared by the PDF and its tests)."""
    person = [(_("Code"), plan.candidate.code)]
    if identity is not None:
        person.insert(0, (_("Name"), identity.full_name))
    if referral is not None:
        person.append((_("Referred by"), referral.office.name))
        if referral.referrer is not None:
            person.append((_("Social worker"), referral.referrer.full_name))
    goals = [
        (
            f"{i}. {goal.text}",
            " · ".join(
                p
                for p in (
                    _("by %(day)s", day=_day(goal.target_on)) if goal.target_on else "",
                    str(label(goal.status)),
                )
                if p
            ),
        )
        for i, goal in enumerate(plan.goals, start=1)
    ]
    actions = [
        (
            action.description,
            _(
                "Who: %(owner)s (%(kind)s) · by %(day)s · %(status)s",
                owner=action.owner_label or "-",
                kind=label(action.owner_kind),
                day=_day(action.due_on),
                status=label(action.status),
            ),
        )
        for action in plan.actions
        if action.status is not ActionStatus.CANCELLED
    ]
    supports = [
        (
            str(label_support(s["kind"])),
            " · ".join(p for p in (s.get("detail"), s.get("provider")) if p) or "-",
        )
        for s in plan.supports or []
    ]
    return [
        (_("The person"), person),
        (_("Goals"), goals or [(_("Goals"), "-")]),
        (_("What we do, who does it, by when"), actions or [(_("Actions"), "-")]),
        (_("Supports agreed"), supports or [(_("Supports agreed"), _("None"))]),
        (_("Next review"), [(_("We meet again to review the plan on"), _day(plan.next_review_on))]),
        (
            _("Signatures"),
            [
                (_("The person"), "\n______________________________   " + _("Date") + " ____________"),
                (
                    _("For the Flor@Work hub"),
                    "\n______________________________   " + _("Date") + " ____________",
                ),
                (
                    _("For the social services"),
                    "\n______________________________   " + _("Date") + " ____________",
                ),
            ],
        ),
    ]


def label_support(kind: str) -> Any:
    from crm.partnership.models import SupportKind

    try:
        return label(SupportKind(kind))
    except ValueError:
        return kind


def plan_pdf(plan: Plan, *, identity: Any = None, referral: Referral | None = None) -> bytes:
    return build_pdf(
        _("Tailored plan"),
        plan_sections(plan, identity=identity, referral=referral),
        subtitle=_("Version %(n)s · %(day)s", n=plan.version, day=_day(plan.updated_at)),
        footer=_(
            "By signing, the person agrees to this plan and to the hub and the social services sharing "
            "its progress. The plan can be changed at every review."
        ),
    )
