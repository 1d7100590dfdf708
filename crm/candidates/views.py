"""Candidate pages. Identity and sensitive data are decrypted only through the services, which check
the reader's rights and log the access; URLs carry ids and pseudonymous codes, never names."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from crm.auth.models import Role, User
from crm.candidates import labels as candidate_labels
from crm.candidates.assessment import InvalidScoresError
from crm.candidates.forms import (
    AssessmentForm,
    CandidateForm,
    CheckForm,
    ConsentForm,
    EraseForm,
    ExperienceForm,
    ReasonForm,
    SearchForm,
    SensitiveNotesForm,
    SkillForm,
)
from crm.candidates.models import (
    ASSESSMENT_DIMENSIONS,
    Candidate,
    CandidateStatus,
    ConsentRecord,
    ReadinessBand,
    Skill,
    WorkExperience,
)
from crm.candidates.profile import anonymised_profile
from crm.candidates.services import (
    CandidateError,
    CandidateFilters,
    CandidatePermissionError,
    DuplicateReferralError,
    add_assessment,
    add_consent,
    add_experience,
    add_skill,
    assessment_notes,
    candidate_query,
    create_candidate,
    delete_experience,
    identities_for_list,
    read_sensitive_notes,
    reveal_identity,
    search_candidates,
    set_skill_active,
    skill_choices,
    update_candidate,
    update_sensitive_notes,
    withdraw_consent,
)
from crm.extensions import db
from crm.openings.models import PlacementCheck
from crm.openings.services import (
    OpeningError,
    entries_for_candidate,
    log_presentation,
    match_openings,
    record_check,
)
from crm.partnership.services import candidate_panel, referred_by_office, referring_office_choices
from crm.permissions import (
    can_manage_candidate,
    can_see_candidate_identity,
    can_see_candidates,
    candidate_access_required,
    is_candidate_coordinator,
)
from crm.privacy.access import AccessLogFilters, access_log_query
from crm.privacy.gdpr import erase_candidate, export_candidate
from crm.privacy.models import AccessAction
from crm.privacy.notes import N_

bp = Blueprint("candidates", __name__, url_prefix="/candidates")

MAX_PER_PAGE = 100
assert candidate_labels.CANDIDATE_LABELS  # registers the labels of this feature's enumerations


def _locale() -> str:
    return str(get_locale() or "it")


def _load(candidate_id: int) -> Candidate:
    return db.get_or_404(Candidate, candidate_id)


def _manageable(candidate_id: int) -> Candidate:
    candidate = _load(candidate_id)
    if not can_manage_candidate(current_user, candidate) or candidate.is_erased:
        abort(403)
    return candidate


def _operators() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.role == Role.OPERATOR).order_by(User.full_name)
        )
    )


# --- List and search ------------------------------------------------------------------------------


@bp.route("/")
@candidate_access_required()
def index() -> str:
    args = request.args
    status = args.get("status")
    band = args.get("band")
    filters = CandidateFilters(
        status=CandidateStatus(status) if status in CandidateStatus._value2member_map_ else None,
        band=ReadinessBand(band) if band in ReadinessBand._value2member_map_ else None,
        mine=args.get("mine") == "1",
        skill_id=args.get("skill", type=int),
    )
    office_id = args.get("office", type=int)
    pagination = db.paginate(
        referred_by_office(candidate_query(filters, by=current_user), office_id),
        page=max(args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )
    identities = identities_for_list(pagination.items, by=current_user)
    return render_template(
        "candidates/index.html",
        pagination=pagination,
        candidates=pagination.items,
        identities=identities,
        filters=filters,
        skills=skill_choices(),
        statuses=list(CandidateStatus),
        bands=list(ReadinessBand),
        search_form=SearchForm(),
        referring_offices=referring_office_choices(),
        office_id=office_id,
    )


@bp.route("/search", methods=["GET", "POST"])
@candidate_access_required()
def search() -> str:
    """POST only for the query: a name typed in a search box must not end up in a URL or a server log."""
    form = SearchForm()
    results: list[Candidate] = []
    identities: dict[int, Any] = {}
    searched = False
    if form.validate_on_submit():
        searched = True
        results, identities = search_candidates(form.q.data, by=current_user)
    return render_template(
        "candidates/search.html", form=form, results=results, identities=identities, searched=searched
    )


# --- Create and edit ------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@candidate_access_required()
def create() -> str | Response:
    form = CandidateForm()
    coordinator = is_candidate_coordinator(current_user)
    form.set_choices(
        skills=skill_choices(),
        operators=_operators() if coordinator else None,
        locale=_locale(),
        editing=False,
    )
    duplicate = None
    if form.validate_on_submit():
        operator_id = int(form.operator_id.data) if coordinator and form.operator_id.data else None
        try:
            candidate = create_candidate(
                form.identity_data(),
                form.profile_data(),
                by=current_user,
                operator_id=operator_id,
                skill_ids=form.skill_ids.data or [],
            )
        except DuplicateReferralError as exc:
            duplicate = exc.existing
            form.tax_code.errors = [
                *form.tax_code.errors,
                _("This person was already referred: %(code)s.", code=exc.existing.code),
            ]
        else:
            flash(_("Candidate %(code)s registered.", code=candidate.code), "success")
            return redirect(url_for(".detail", candidate_id=candidate.id))
    return render_template("candidates/form.html", form=form, candidate=None, duplicate=duplicate)


@bp.route("/<int:candidate_id>/edit", methods=["GET", "POST"])
@candidate_access_required()
def edit(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    coordinator = is_candidate_coordinator(current_user)
    form = CandidateForm()
    form.set_choices(
        skills=skill_choices(include=[s.id for s in candidate.skills]),
        operators=_operators() if coordinator else None,
        locale=_locale(),
        editing=True,
    )
    if request.method == "GET":
        identity = reveal_identity(candidate, by=current_user, detail=N_("edit form"))
        form.fill(candidate, identity)
    elif form.validate_on_submit():
        try:
            update_candidate(
                candidate,
                by=current_user,
                identity_data=form.identity_data(),
                profile=form.profile_data(),
                skill_ids=form.skill_ids.data or [],
                operator_id=int(form.operator_id.data) if coordinator and form.operator_id.data else None,
                change_operator=coordinator,
            )
        except DuplicateReferralError as exc:
            form.tax_code.errors = [
                *form.tax_code.errors,
                _("This codice fiscale belongs to %(code)s.", code=exc.existing.code),
            ]
        else:
            flash(_("Candidate %(code)s saved.", code=candidate.code), "success")
            return redirect(url_for(".detail", candidate_id=candidate.id))
    return render_template("candidates/form.html", form=form, candidate=candidate, duplicate=None)


# --- Detail ---------------------------------------------------------------------------------------


@bp.route("/<int:candidate_id>")
@candidate_access_required()
def detail(candidate_id: int) -> str:
    return _detail_page(candidate_id)


def _detail_page(candidate_id: int, **forms: Any) -> str:
    """The profile page; ``forms`` replace its small forms (a refused submission re-rendered with the
    person's input and the field's errors, instead of a redirect that would lose them)."""
    candidate = db.session.scalars(
        select(Candidate)
        .where(Candidate.id == candidate_id)
        .options(
            selectinload(Candidate.skills),
            selectinload(Candidate.assessments),
            selectinload(Candidate.experiences),
            selectinload(Candidate.consents),
            selectinload(Candidate.operator),
        )
    ).first()
    if candidate is None:
        abort(404)
    identified = can_see_candidate_identity(current_user, candidate)
    identity = None
    notes: dict[int, dict[str, str]] = {}
    if identified:
        identity = reveal_identity(candidate, by=current_user, detail=N_("profile page, assessment notes"))
        notes = {a.id: assessment_notes(a) for a in candidate.assessments}
    manage = can_manage_candidate(current_user, candidate) and not candidate.is_erased
    experience_form = forms.pop("experience_form", None) or ExperienceForm(formdata=None)
    experience_form.set_choices(_locale())
    return render_template(
        "candidates/detail.html",
        candidate=candidate,
        identity=identity,
        identified=identified,
        notes=notes,
        can_manage=manage,
        entries=entries_for_candidate(candidate),
        dimensions=ASSESSMENT_DIMENSIONS,
        dimension_labels=candidate_labels.DIMENSION_LABELS,
        weekday_labels=candidate_labels.WEEKDAY_LABELS,
        reason_form=ReasonForm(),
        consent_form=forms.pop("consent_form", None) or ConsentForm(formdata=None),
        experience_form=experience_form,
        check_form=CheckForm(),
        is_coordinator=is_candidate_coordinator(current_user),
        partnership=candidate_panel(candidate),
    )


# --- Sensitive notes ------------------------------------------------------------------------------


@bp.route("/<int:candidate_id>/sensitive", methods=["GET", "POST"])
@candidate_access_required()
def sensitive(candidate_id: int) -> str | Response:
    """Ask why, then show the sensitive notes (and a form to change them): each showing is logged."""
    candidate = _load(candidate_id)
    if not can_see_candidate_identity(current_user, candidate):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        notes = read_sensitive_notes(candidate, by=current_user, reason=form.reason.data)
        edit_form = SensitiveNotesForm(formdata=None, data={**notes.__dict__, "reason": form.reason.data})
        return render_template(
            "candidates/sensitive.html", candidate=candidate, notes=notes, edit_form=edit_form
        )
    return render_template("candidates/sensitive_reason.html", candidate=candidate, form=form)


@bp.route("/<int:candidate_id>/sensitive/edit", methods=["POST"])
@candidate_access_required()
def sensitive_edit(candidate_id: int) -> Response:
    candidate = _load(candidate_id)
    if not can_see_candidate_identity(current_user, candidate):
        abort(403)
    form = SensitiveNotesForm()
    if not form.validate_on_submit():
        flash(_("A reason is required to change sensitive notes."), "danger")
        return redirect(url_for(".detail", candidate_id=candidate.id))
    update_sensitive_notes(
        candidate,
        {"health": form.health.data, "disability": form.disability.data, "legal": form.legal.data},
        by=current_user,
        reason=form.reason.data,
    )
    flash(_("Sensitive notes saved."), "success")
    return redirect(url_for(".detail", candidate_id=candidate.id))


# --- Assessments, consents, work history ----------------------------------------------------------


@bp.route("/<int:candidate_id>/assessments/new", methods=["GET", "POST"])
@candidate_access_required()
def assess(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    form = AssessmentForm()
    if request.method == "GET":
        from datetime import date

        form.assessed_on.data = date.today()
        latest = candidate.latest_assessment
        if latest is not None:
            for name in ASSESSMENT_DIMENSIONS:
                form.score(name).data = str(getattr(latest, name))
    if form.validate_on_submit():
        try:
            assessment = add_assessment(
                candidate,
                form.scores(),
                by=current_user,
                notes=form.notes(),
                assessed_on=form.assessed_on.data,
            )
        except InvalidScoresError:
            flash(_("Score every dimension from 1 to 4."), "danger")
        else:
            flash(
                _("Assessment saved: %(band)s.", band=candidate_labels.CANDIDATE_LABELS[assessment.band]),
                "success",
            )
            return redirect(url_for(".detail", candidate_id=candidate.id, _anchor="assessments"))
    return render_template(
        "candidates/assess.html",
        candidate=candidate,
        form=form,
        dimensions=ASSESSMENT_DIMENSIONS,
        help=candidate_labels.DIMENSION_HELP,
    )


@bp.route("/<int:candidate_id>/consents", methods=["POST"])
@candidate_access_required()
def add_consent_view(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    form = ConsentForm()
    if form.validate_on_submit():
        add_consent(candidate, form.data, by=current_user)
        flash(_("Consent recorded."), "success")
        return redirect(url_for(".detail", candidate_id=candidate.id, _anchor="consents"))
    flash(_("Give the date and the document of the consent."), "danger")
    return _detail_page(candidate.id, consent_form=form)


@bp.route("/consents/<int:consent_id>/withdraw", methods=["POST"])
@candidate_access_required()
def withdraw_consent_view(consent_id: int) -> Response:
    record = db.get_or_404(ConsentRecord, consent_id)
    try:
        withdraw_consent(record, by=current_user)
    except CandidatePermissionError:
        abort(403)
    flash(_("Consent marked as withdrawn."), "success")
    return redirect(url_for(".detail", candidate_id=record.candidate_id, _anchor="consents"))


@bp.route("/<int:candidate_id>/experience", methods=["POST"])
@candidate_access_required()
def add_experience_view(candidate_id: int) -> str | Response:
    candidate = _manageable(candidate_id)
    form = ExperienceForm()
    form.set_choices(_locale())
    if form.validate_on_submit():
        add_experience(candidate, form.data, by=current_user)
        flash(_("Work experience added."), "success")
        return redirect(url_for(".detail", candidate_id=candidate.id, _anchor="experience"))
    if form.role.errors:
        flash(_("Give at least the role."), "danger")
    else:
        # Name the field at fault: a mistyped date is not a missing role.
        for field in form:
            for error in field.errors:
                flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "danger")
    return _detail_page(candidate.id, experience_form=form)


@bp.route("/experience/<int:experience_id>/delete", methods=["POST"])
@candidate_access_required()
def delete_experience_view(experience_id: int) -> Response:
    experience = db.get_or_404(WorkExperience, experience_id)
    candidate_id = experience.candidate_id
    try:
        delete_experience(experience, by=current_user)
    except CandidatePermissionError:
        abort(403)
    flash(_("Work experience removed."), "success")
    return redirect(url_for(".detail", candidate_id=candidate_id, _anchor="experience"))


# --- Matching and presenting ----------------------------------------------------------------------


@bp.route("/<int:candidate_id>/matches")
@candidate_access_required()
def matches(candidate_id: int) -> str:
    candidate = _load(candidate_id)
    if candidate.is_erased:
        abort(404)
    return render_template(
        "candidates/matches.html",
        candidate=candidate,
        matches=match_openings(candidate, by=current_user, top=50),
        can_manage=can_manage_candidate(current_user, candidate),
    )


@bp.route("/<int:candidate_id>/anonymised")
@candidate_access_required()
def anonymised(candidate_id: int) -> str:
    """The printable anonymised profile for an employer (logged as produced)."""
    candidate = _load(candidate_id)
    if candidate.is_erased:
        abort(404)
    log_presentation(candidate, by=current_user, document="html")
    return render_template(
        "candidates/anonymised.html",
        profile=anonymised_profile(candidate),
        weekday_labels=candidate_labels.WEEKDAY_LABELS,
        opening=None,
    )


@bp.route("/<int:candidate_id>/anonymised.pdf")
@candidate_access_required()
def anonymised_pdf(candidate_id: int) -> Response:
    from crm.candidates.documents import anonymised_pdf as build

    candidate = _load(candidate_id)
    if candidate.is_erased:
        abort(404)
    log_presentation(candidate, by=current_user, document="pdf")
    return _pdf_response(build(anonymised_profile(candidate)), f"{candidate.code}.pdf")


def _pdf_response(data: bytes, filename: str) -> Response:
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Placement checks -----------------------------------------------------------------------------


@bp.route("/checks/<int:check_id>", methods=["POST"])
@candidate_access_required()
def record_check_view(check_id: int) -> Response:
    check = db.get_or_404(PlacementCheck, check_id)
    candidate = check.placement.entry.candidate
    form = CheckForm()
    if form.validate_on_submit():
        try:
            record_check(
                check, still_employed=form.still_employed.data == "yes", by=current_user, note=form.note.data
            )
        except OpeningError:
            abort(403)
        flash(_("Follow-up at %(months)s months recorded.", months=check.months), "success")
    else:
        flash(_("Say whether the person is still employed."), "danger")
    return redirect(url_for(".detail", candidate_id=candidate.id, _anchor="placements"))


# --- GDPR -----------------------------------------------------------------------------------------


@bp.route("/<int:candidate_id>/export", methods=["POST"])
@candidate_access_required()
def export(candidate_id: int) -> Response:
    """Everything held on the person, as JSON or PDF; the reason travels in the POST body."""
    candidate = _load(candidate_id)
    if not can_see_candidate_identity(current_user, candidate):
        abort(403)
    form = ReasonForm()
    document = "pdf" if request.form.get("format") == "pdf" else "json"
    if not form.validate_on_submit():
        flash(_("A reason is required to export."), "danger")
        return redirect(url_for(".detail", candidate_id=candidate.id))
    data = export_candidate(candidate, by=current_user, reason=form.reason.data, document=document)
    if document == "pdf":
        from crm.candidates.documents import export_pdf

        return _pdf_response(export_pdf(data), f"{candidate.code}-export.pdf")
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{candidate.code}-export.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:candidate_id>/erase", methods=["GET", "POST"])
@candidate_access_required(coordinator=True)
def erase(candidate_id: int) -> str | Response:
    candidate = _load(candidate_id)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm_code.data.upper() != candidate.code:
            form.confirm_code.errors = [_("The code does not match.")]
        else:
            erase_candidate(candidate, by=current_user, reason=form.reason.data)
            flash(_("Identity and sensitive data of %(code)s erased.", code=candidate.code), "success")
            return redirect(url_for(".detail", candidate_id=candidate.id))
    return render_template("candidates/erase.html", candidate=candidate, form=form)


@bp.route("/access-log")
@candidate_access_required(coordinator=True)
def access_log() -> str:
    args = request.args
    action = args.get("action")
    filters = AccessLogFilters(
        candidate_code=args.get("candidate") or None,
        user_id=args.get("user", type=int),
        action=AccessAction(action) if action in AccessAction._value2member_map_ else None,
    )
    pagination = db.paginate(
        access_log_query(filters), page=max(args.get("page", 1, type=int), 1), per_page=50, error_out=False
    )
    staff = list(db.session.scalars(select(User).order_by(User.full_name)))
    return render_template(
        "candidates/access_log.html",
        pagination=pagination,
        entries=pagination.items,
        filters=filters,
        staff=staff,
        actions=list(AccessAction),
    )


# --- The skill list -------------------------------------------------------------------------------


@bp.route("/skills", methods=["GET", "POST"])
@candidate_access_required(coordinator=True)
def skills() -> str | Response:
    form = SkillForm()
    if form.validate_on_submit():
        try:
            skill = add_skill(form.name.data, by=current_user)
        except CandidateError:
            abort(400)
        flash(_("Skill “%(name)s” is on the list.", name=skill.name), "success")
        return redirect(url_for(".skills"))
    items = list(db.session.scalars(select(Skill).order_by(Skill.active.desc(), Skill.name)))
    return render_template("candidates/skills.html", form=form, skills=items)


@bp.route("/skills/<int:skill_id>/toggle", methods=["POST"])
@candidate_access_required(coordinator=True)
def toggle_skill(skill_id: int) -> Response:
    skill = db.get_or_404(Skill, skill_id)
    set_skill_active(skill, not skill.active, by=current_user)
    return redirect(url_for(".skills"))


@bp.app_template_filter("plabel")
def _plain_label(value: object) -> str:
    """The label of a shift, mode or other candidate value stored as plain text (JSON lists, the
    anonymised profile's data): the text is looked up in this feature's enumerations."""
    from crm.candidates.models import CommuteMode, EducationLevel, ReadinessBand, Shift
    from crm.labels import LABELS

    if value is None:
        return ""
    for enumeration in (Shift, CommuteMode, EducationLevel, ReadinessBand):
        try:
            return str(LABELS.get(enumeration(value), value))
        except ValueError:
            continue
    return str(value)


# The navigation shows "Candidates" to operators and coordinators, not to administrators.
bp.add_app_template_global(can_see_candidates, "can_see_candidates")
