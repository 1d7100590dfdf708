"""The referrer's portal: their people, one case (status, readiness, plan, their actions,
presentations and outcome, shared notes), the referral form. Every read is logged by the services.

Only users with the role *referrer* open these pages (``referrer_view``), and they open nothing else
(the login wall in :mod:`crm.permissions`).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.candidates.models import Candidate
from crm.extensions import db
from crm.partnership.forms import ActionStatusForm, NoteForm, NotifyForm, ReferralForm
from crm.partnership.models import ActionStatus, NotifyMode, PlanAction
from crm.partnership.notifications import unread_for
from crm.partnership.services import (
    AlreadyReferredError,
    PartnershipError,
    PartnershipPermissionError,
    add_note,
    portal_cases,
    refer_person,
    referrer_profile,
    set_action_status,
    set_own_notifications,
)
from crm.partnership.views import bp
from crm.permissions import referrer_view


@bp.route("/portal/")
@referrer_view
def portal() -> str:
    today = date.today()
    profile = referrer_profile(current_user)
    notify_form = NotifyForm(formdata=None, data={"notify": profile.notify.value if profile else None})
    return render_template(
        "partnership/portal/index.html",
        profile=profile,
        notify_form=notify_form,
        rows=portal_cases(current_user, today=today),
        notifications=unread_for(current_user, limit=10),
        today=today,
    )


def _case_or_404(candidate_id: int) -> Candidate:
    """Someone else's case answers 404 like a missing one: a referrer learns nothing from the id."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    return candidate


@bp.route("/portal/cases/<int:candidate_id>")
@referrer_view
def portal_case(candidate_id: int) -> str:
    from crm.partnership.services import portal_case as read_case

    candidate = _case_or_404(candidate_id)
    try:
        case = read_case(current_user, candidate)
    except PartnershipPermissionError:
        abort(404)
    return render_template(
        "partnership/portal/case.html",
        case=case,
        status_form=ActionStatusForm(),
        note_form=NoteForm(),
        today=date.today(),
        statuses=list(ActionStatus),
    )


@bp.route("/portal/actions/<int:action_id>/status", methods=["POST"])
@referrer_view
def portal_action_status(action_id: int) -> Response:
    action = db.session.get(PlanAction, action_id)
    if action is None:
        abort(404)
    form = ActionStatusForm()
    try:
        if not form.validate_on_submit():
            flash(_("Choose a status."), "danger")
        else:
            set_action_status(action, ActionStatus(form.status.data), by=current_user)
            flash(_("Action updated."), "success")
    except PartnershipPermissionError:
        abort(404)
    return redirect(url_for(".portal_case", candidate_id=action.plan.candidate_id, _anchor="actions"))


@bp.route("/portal/cases/<int:candidate_id>/notes", methods=["POST"])
@referrer_view
def portal_note(candidate_id: int) -> Response:
    candidate = _case_or_404(candidate_id)
    form = NoteForm()
    try:
        if form.validate_on_submit():
            add_note(candidate, form.body.data, by=current_user)
            flash(_("Note sent to the hub."), "success")
        else:
            flash(_("Write the note (at most 2,000 characters)."), "danger")
    except PartnershipPermissionError:
        abort(404)
    return redirect(url_for(".portal_case", candidate_id=candidate.id, _anchor="notes"))


@bp.route("/portal/refer", methods=["GET", "POST"])
@referrer_view
def portal_refer() -> str | Response:
    profile = referrer_profile(current_user)
    form = ReferralForm()
    form.set_choices(str(get_locale() or "it"))
    if form.validate_on_submit() and profile is not None:
        try:
            referral = refer_person(
                form.identity_data(),
                reasons=form.reasons.data,
                consent_document=form.consent_document.data,
                consent_on=form.consent_on.data,
                by=current_user,
            )
        except AlreadyReferredError:
            form.tax_code.errors = [
                *form.tax_code.errors,
                _("The hub already follows a person with this codice fiscale: call the hub's coordinator."),
            ]
        except PartnershipPermissionError:
            flash(_("Your office is not active: ask the hub's coordinator."), "danger")
        except PartnershipError:
            form.reasons.errors = [*form.reasons.errors, _("Give the reasons and the consent.")]
        else:
            flash(_("Referral sent: the hub will contact the person."), "success")
            return redirect(url_for(".portal_case", candidate_id=referral.candidate_id))
    return render_template("partnership/portal/refer.html", form=form, profile=profile)


@bp.route("/portal/notifications", methods=["POST"])
@referrer_view
def portal_notifications() -> Response:
    form = NotifyForm()
    if form.validate_on_submit():
        try:
            set_own_notifications(current_user, NotifyMode(form.notify.data))
        except PartnershipPermissionError:
            abort(403)
        flash(_("Notification preference saved."), "success")
    else:
        flash(_("Choose how to be notified."), "danger")
    return redirect(url_for(".portal"))
