"""Hub pages of the partnership: the plan of a candidate (write, review, actions, print, sign), case
notes, the referral panel, transfers, referring offices and referrers, and the timeliness dashboard.

The referrer's own pages are in :mod:`crm.partnership.portal` (same blueprint, ``/partnership/portal``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from crm.auth.models import Role, User
from crm.candidates.models import Candidate
from crm.extensions import db
from crm.partnership import labels as partnership_labels
from crm.partnership.forms import (
    ActionForm,
    ActionStatusForm,
    FirstContactForm,
    NoteForm,
    OfficeForm,
    PlanForm,
    ReferrerEditForm,
    ReferrerForm,
    ReviewForm,
    SignatureForm,
    TransferForm,
)
from crm.partnership.models import (
    ActionStatus,
    GoalStatus,
    PlanAction,
    PlanVersion,
    Referrer,
    ReferringOffice,
)
from crm.partnership.services import (
    PartnershipError,
    PartnershipPermissionError,
    add_action,
    add_note,
    assign_referrer,
    create_plan,
    create_referrer,
    new_referrals,
    notes_for,
    plan_for,
    record_first_contact,
    record_signature,
    referral_for,
    referral_reasons,
    referrers_of,
    review_plan,
    save_office,
    set_action_status,
    update_action,
    update_referrer,
)
from crm.permissions import (
    can_manage_candidate,
    can_see_candidate_identity,
    candidate_access_required,
    is_candidate_coordinator,
    role_required,
)
from crm.privacy.access import log_access
from crm.privacy.models import AccessAction, FieldGroup
from crm.privacy.notes import N_

bp = Blueprint("partnership", __name__, url_prefix="/partnership")
assert partnership_labels.PARTNERSHIP_LABELS  # registers the labels of this feature's enumerations


def _candidate(candidate_id: int) -> Candidate:
    candidate = db.get_or_404(Candidate, candidate_id)
    if candidate.is_erased:
        abort(404)
    return candidate


def _manageable(candidate_id: int) -> Candidate:
    candidate = _candidate(candidate_id)
    if not can_manage_candidate(current_user, candidate):
        abort(403)
    return candidate


def _hub_operators(include: int | None = None) -> list[User]:
    query = select(User).where(User.role.in_([Role.OPERATOR, Role.COORDINATOR]))
    if include is not None:
        query = query.where(User.active.is_(True) | (User.id == include))
    else:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(query.order_by(User.full_name)))


def _to_plan(candidate: Candidate, anchor: str | None = None) -> Response:
    return redirect(url_for(".plan", candidate_id=candidate.id, _anchor=anchor))


# --- The plan -------------------------------------------------------------------------------------


@bp.route("/candidates/<int:candidate_id>/plan")
@candidate_access_required()
def plan(candidate_id: int) -> str:
    return _plan_page(_candidate(candidate_id))


def _plan_page(candidate: Candidate, **forms: Any) -> str:
    """The plan page; ``forms`` replace its small forms (a refused submission re-rendered with the
    person's input and the field's error, instead of a redirect that would lose them)."""
    the_plan = plan_for(candidate)
    referral = referral_for(candidate)
    manage = can_manage_candidate(current_user, candidate)
    reasons = None
    if (
        referral is not None
        and referral.reasons_encrypted
        and can_see_candidate_identity(current_user, candidate)
    ):
        log_access(
            by=current_user,
            action=AccessAction.VIEW,
            field_group=FieldGroup.IDENTITY,
            candidates=[candidate],
            detail=N_("referral reasons, case notes"),
            commit=True,
        )
        reasons = referral_reasons(referral)
    action_form = None
    if the_plan is not None and manage:
        action_form = ActionForm()
        action_form.set_choices(
            the_plan, _hub_operators(), has_referrer=bool(referral and referral.referrer_id)
        )
        action_form.owner_user_id.data = str(candidate.operator_id or current_user.id)
    return render_template(
        "partnership/plan.html",
        candidate=candidate,
        plan=the_plan,
        referral=referral,
        reasons=reasons,
        can_manage=manage,
        is_coordinator=is_candidate_coordinator(current_user),
        action_form=action_form,
        notes=notes_for(candidate, current_user)
        if can_see_candidate_identity(current_user, candidate)
        else [],
        today=date.today(),
        statuses=list(ActionStatus),
        **{
            "status_form": ActionStatusForm(),
            "sign_form": SignatureForm(formdata=None, data={"signed_on": date.today()}),
            "contact_form": FirstContactForm(formdata=None, data={"first_contact_on": date.today()}),
            "note_form": NoteForm(formdata=None),
            **forms,
        },
    )


@bp.route("/candidates/<int:candidate_id>/plan/new", methods=["GET", "POST"])
@candidate_access_required()
def plan_create(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    if plan_for(candidate) is not None:
        return redirect(url_for(".plan_review", candidate_id=candidate.id))
    form = PlanForm()
    if request.method == "GET":
        form.goals.pop_entry()
        form.supports.pop_entry()
        form.add_spares()
    if form.validate_on_submit():
        try:
            create_plan(candidate, form.model_data(), by=current_user)
        except PartnershipError:
            form.goals.errors.append(_("Write at least one goal."))  # type: ignore[attr-defined]
        else:
            flash(_("Plan of %(code)s written.", code=candidate.code), "success")
            return _to_plan(candidate)
    return render_template("partnership/plan_form.html", form=form, candidate=candidate, plan=None)


@bp.route("/candidates/<int:candidate_id>/plan/review", methods=["GET", "POST"])
@candidate_access_required()
def plan_review(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    the_plan = plan_for(candidate)
    if the_plan is None:
        return redirect(url_for(".plan_create", candidate_id=candidate.id))
    form = ReviewForm()
    if request.method == "GET":
        form.fill(the_plan)
        form.add_spares()
    if form.validate_on_submit():
        try:
            version = review_plan(the_plan, form.model_data(), by=current_user)
        except PartnershipError:
            form.achieved.errors = [_("Say what was achieved or what changes.")]
        else:
            flash(_("Review saved: version %(n)s of the plan.", n=version.number), "success")
            return _to_plan(candidate, "versions")
    return render_template("partnership/plan_form.html", form=form, candidate=candidate, plan=the_plan)


@bp.route("/candidates/<int:candidate_id>/plan/versions/<int:number>")
@candidate_access_required()
def version(candidate_id: int, number: int) -> str:
    candidate = _candidate(candidate_id)
    the_plan = plan_for(candidate)
    if the_plan is None:
        abort(404)
    item = db.session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == the_plan.id, PlanVersion.number == number)
    ).first()
    if item is None:
        abort(404)
    return render_template("partnership/version.html", candidate=candidate, plan=the_plan, version=item)


# --- Actions --------------------------------------------------------------------------------------


@bp.route("/candidates/<int:candidate_id>/plan/actions", methods=["POST"])
@candidate_access_required()
def action_add(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    the_plan = plan_for(candidate)
    if the_plan is None:
        abort(404)
    referral = referral_for(candidate)
    form = ActionForm()
    form.set_choices(the_plan, _hub_operators(), has_referrer=bool(referral and referral.referrer_id))
    if form.validate_on_submit():
        try:
            add_action(the_plan, form.model_data(), by=current_user)
        except PartnershipError:
            form.owner_kind.errors = [
                *form.owner_kind.errors,
                _("Choose who does it (for a hub action, the operator; for another body, its name)."),
            ]
        else:
            flash(_("Action added to the plan."), "success")
            return _to_plan(candidate, "actions")
    return render_template("partnership/action_form.html", form=form, candidate=candidate, action=None)


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@candidate_access_required()
def action_edit(action_id: int) -> str | Response:
    action = db.get_or_404(PlanAction, action_id)
    candidate = _manageable(action.plan.candidate_id)
    referral = referral_for(candidate)
    form = ActionForm(obj=action) if request.method == "GET" else ActionForm()
    form.set_choices(
        action.plan,
        _hub_operators(include=action.owner_user_id),
        has_referrer=bool(referral and referral.referrer_id),
    )
    if request.method == "GET":
        form.goal_id.data = str(action.goal_id or "")
        form.owner_kind.data = action.owner_kind.value
        form.owner_user_id.data = str(action.owner_user_id or "")
    if form.validate_on_submit():
        try:
            update_action(action, form.model_data(), by=current_user)
        except PartnershipError:
            form.owner_kind.errors = [
                *form.owner_kind.errors,
                _("Choose who does it (for a hub action, the operator; for another body, its name)."),
            ]
        else:
            flash(_("Action saved."), "success")
            return _to_plan(candidate, "actions")
    return render_template("partnership/action_form.html", form=form, candidate=candidate, action=action)


@bp.route("/actions/<int:action_id>/status", methods=["POST"])
@candidate_access_required()
def action_status(action_id: int) -> Response:
    action = db.get_or_404(PlanAction, action_id)
    form = ActionStatusForm()
    if not form.validate_on_submit():
        flash(_("Choose a status."), "danger")
    else:
        try:
            set_action_status(action, ActionStatus(form.status.data), by=current_user)
        except PartnershipPermissionError:
            abort(403)
        flash(_("Action updated."), "success")
    return redirect(url_for(".plan", candidate_id=action.plan.candidate_id, _anchor="actions"))


# --- Print, PDF, signature ------------------------------------------------------------------------


def _print_context(candidate: Candidate) -> dict[str, Any]:
    from crm.candidates.services import reveal_identity

    the_plan = plan_for(candidate)
    if the_plan is None:
        abort(404)
    identity = None
    if can_see_candidate_identity(current_user, candidate):
        identity = reveal_identity(candidate, by=current_user, detail=N_("printed plan"))
    return {
        "candidate": candidate,
        "plan": the_plan,
        "identity": identity,
        "referral": referral_for(candidate),
    }


@bp.route("/candidates/<int:candidate_id>/plan/print")
@candidate_access_required()
def plan_print(candidate_id: int) -> str:
    """The plan in plain Italian for the meeting with the person, with the signature lines."""
    return render_template("partnership/print.html", **_print_context(_manageable(candidate_id)))


@bp.route("/candidates/<int:candidate_id>/plan.pdf")
@candidate_access_required()
def plan_pdf(candidate_id: int) -> Response:
    from crm.partnership.documents import plan_pdf as build

    context = _print_context(_manageable(candidate_id))
    response = make_response(
        build(context["plan"], identity=context["identity"], referral=context["referral"])
    )
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="progetto-{context["candidate"].code}-v{context["plan"].version}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/candidates/<int:candidate_id>/plan/sign", methods=["POST"])
@candidate_access_required()
def plan_sign(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    the_plan = plan_for(candidate)
    if the_plan is None:
        abort(404)
    form = SignatureForm()
    if form.validate_on_submit():
        record_signature(
            the_plan, signed_on=form.signed_on.data, document=form.document.data, by=current_user
        )
        flash(_("Signed plan recorded among the consents."), "success")
        return _to_plan(candidate, "signature")
    flash(_("Give the date and where the signed plan is kept."), "danger")
    return _plan_page(candidate, sign_form=form)


# --- Referral, first contact, notes, transfer -----------------------------------------------------


@bp.route("/candidates/<int:candidate_id>/first-contact", methods=["POST"])
@candidate_access_required()
def first_contact(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    referral = referral_for(candidate)
    if referral is None:
        abort(404)
    form = FirstContactForm()
    if form.validate_on_submit():
        try:
            record_first_contact(referral, form.first_contact_on.data, by=current_user)
        except PartnershipError:
            form.first_contact_on.errors = [_("The first contact cannot come before the referral.")]
        else:
            flash(_("First contact recorded."), "success")
            return _to_plan(candidate, "referral")
    flash(_("Give the date of the first contact."), "danger")
    return _plan_page(candidate, contact_form=form)


@bp.route("/candidates/<int:candidate_id>/notes", methods=["POST"])
@candidate_access_required()
def note_add(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    form = NoteForm()
    if form.validate_on_submit():
        add_note(candidate, form.body.data, by=current_user, shared=form.shared.data)
        flash(_("Note added."), "success")
        return _to_plan(candidate, "notes")
    flash(_("Write the note (at most 2,000 characters)."), "danger")
    return _plan_page(candidate, note_form=form)


@bp.route("/candidates/<int:candidate_id>/referrer", methods=["GET", "POST"])
@candidate_access_required(coordinator=True)
def transfer(candidate_id: int) -> str | Response:
    """Tie the case to a social worker or move it to another one (logged with the reason)."""
    candidate = _candidate(candidate_id)
    referral = referral_for(candidate)
    referrers = referrers_of()
    form = TransferForm()
    form.set_choices(referrers)
    if request.method == "GET" and referral is not None and referral.referrer_id:
        current = next((r for r in referrers if r.user_id == referral.referrer_id), None)
        form.referrer_id.data = str(current.id) if current else ""
    if form.validate_on_submit():
        chosen = next((r for r in referrers if str(r.id) == form.referrer_id.data), None)
        try:
            assign_referrer(candidate, chosen, by=current_user, reason=form.reason.data)
        except PartnershipError:
            form.referrer_id.errors = [_("Choose a social worker: the case has no referring office yet.")]
        else:
            flash(_("Social worker of %(code)s changed.", code=candidate.code), "success")
            return _to_plan(candidate, "referral")
    return render_template("partnership/transfer.html", form=form, candidate=candidate, referral=referral)


# --- Coordinators: offices, referrers, timeliness -------------------------------------------------


@bp.route("/offices", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def offices() -> str | Response:
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = save_office(form.data, by=current_user)
        except PartnershipError:
            form.name.errors = [_("An office with this name exists.")]
        else:
            flash(_("Office “%(name)s” saved.", name=office.name), "success")
            return redirect(url_for(".offices"))
    items = list(db.session.scalars(select(ReferringOffice).order_by(ReferringOffice.name)))
    return render_template(
        "partnership/offices.html", form=form, offices=items, referrers=referrers_of(active_only=False)
    )


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def office_edit(office_id: int) -> str | Response:
    office = db.get_or_404(ReferringOffice, office_id)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        try:
            save_office(form.data, by=current_user, office=office)
        except PartnershipError:
            form.name.errors = [_("An office with this name exists.")]
        else:
            flash(_("Office “%(name)s” saved.", name=office.name), "success")
            return redirect(url_for(".offices"))
    return render_template("partnership/office_form.html", form=form, office=office)


def _active_offices() -> list[ReferringOffice]:
    return list(
        db.session.scalars(
            select(ReferringOffice).where(ReferringOffice.active.is_(True)).order_by(ReferringOffice.name)
        )
    )


@bp.route("/referrers/new", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def referrer_create() -> str | Response:
    form = ReferrerForm()
    form.set_choices(_active_offices())
    if request.method == "GET" and request.args.get("office", "").isdigit():
        form.office_id.data = request.args["office"]
    if form.validate_on_submit():
        office = db.get_or_404(ReferringOffice, int(form.office_id.data))
        try:
            referrer = create_referrer(form.data, by=current_user, office=office, password=form.password.data)
        except PartnershipError:
            form.email.errors = [_("This e-mail already has an account.")]
        else:
            flash(_("Account of %(name)s opened.", name=referrer.user.full_name), "success")
            return redirect(url_for(".offices"))
    return render_template("partnership/referrer_form.html", form=form, referrer=None)


@bp.route("/referrers/<int:referrer_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def referrer_edit(referrer_id: int) -> str | Response:
    referrer = db.get_or_404(Referrer, referrer_id)
    form = ReferrerEditForm()
    form.set_choices(_active_offices() + ([referrer.office] if not referrer.office.active else []))
    if request.method == "GET":
        form.office_id.data = str(referrer.office_id)
        form.notify.data = referrer.notify.value
        form.active.data = referrer.user.active
    if form.validate_on_submit():
        update_referrer(
            referrer,
            {"office_id": int(form.office_id.data), "notify": form.notify.data, "active": form.active.data},
            by=current_user,
        )
        flash(_("Account of %(name)s saved.", name=referrer.user.full_name), "success")
        return redirect(url_for(".offices"))
    return render_template("partnership/referrer_form.html", form=form, referrer=referrer)


@bp.route("/timeliness")
@role_required(Role.COORDINATOR)
def timeliness() -> str:
    """Days from referral to first contact, plan, first presentation and hire, per referring office."""
    from crm.partnership.timeliness import STEPS, summarise, timeliness_rows

    year = request.args.get("year", type=int)
    since = date(year, 1, 1) if year and 2000 <= year <= 2100 else None
    figures = summarise(timeliness_rows(since=since))
    pending = new_referrals() if is_candidate_coordinator(current_user) else []
    return render_template(
        "partnership/timeliness.html",
        figures=figures,
        steps=STEPS,
        year=year if since else None,
        pending=pending,
    )


import crm.partnership.cli  # noqa: E402 - the blueprint's CLI group (flask partnership …)
import crm.partnership.erasure  # noqa: E402 - blanks plan text when a candidate is erased
import crm.partnership.portal  # noqa: E402,F401 - the referrer's pages, on this blueprint


def _support_label(kind: str) -> str:
    from crm.partnership.documents import label_support

    return str(label_support(kind))


def _status_label(enumeration: type) -> Any:
    from crm.labels import label

    def _label(value: str) -> str:
        try:
            return label(enumeration(value))
        except ValueError:
            return value

    return _label


bp.add_app_template_global(_support_label, "support_label")
bp.add_app_template_global(_status_label(ActionStatus), "action_status_label")
bp.add_app_template_global(_status_label(GoalStatus), "goal_status_label")
