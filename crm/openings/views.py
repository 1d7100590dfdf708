"""Opening pages: list, detail with the shortlist and pipeline, create (often from a visit), edit,
delete; matching candidates, presenting anonymised profiles, recording a hire."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from crm.auth.models import Role
from crm.candidates import labels as candidate_labels
from crm.candidates.models import Candidate
from crm.candidates.profile import anonymised_profile
from crm.candidates.services import skill_choices
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.openings.forms import OpeningForm, PlacementForm, ShortlistForm, StageForm
from crm.openings.models import (
    ContractType,
    NotHiredReason,
    Opening,
    OpeningSkill,
    OpeningStatus,
    PipelineEntry,
    PipelineStage,
)
from crm.openings.services import (
    STAGE_MOVES,
    OpeningError,
    OpeningFilters,
    OpeningPermissionError,
    create_opening,
    delete_opening,
    log_presentation,
    match_candidates,
    move_stage,
    opening_query,
    openings_for_organization,
    record_placement,
    shortlist,
    skills_by_id,
    update_opening,
)
from crm.organizations.models import Organization
from crm.permissions import can_manage_candidate, can_see_candidates, candidate_access_required, role_required

bp = Blueprint("openings", __name__, url_prefix="/openings")
assert candidate_labels.CANDIDATE_LABELS  # registers the labels of this feature's enumerations


def _locale() -> str:
    return str(get_locale() or "it")


def _load(opening_id: int) -> Opening:
    opening = db.session.scalars(
        select(Opening)
        .where(Opening.id == opening_id)
        .options(
            selectinload(Opening.organization),
            selectinload(Opening.skill_links).selectinload(OpeningSkill.skill),
            selectinload(Opening.entries).selectinload(PipelineEntry.candidate),
        )
    ).first()
    if opening is None:
        abort(404)
    return opening


@bp.route("/")
def index() -> str:
    args = request.args
    status = args.get("status", "open")
    contract = args.get("contract")
    filters = OpeningFilters(
        status=OpeningStatus(status) if status in OpeningStatus._value2member_map_ else None,
        contract=ContractType(contract) if contract in ContractType._value2member_map_ else None,
        organization_id=args.get("organization", type=int),
        q=args.get("q") or None,
    )
    pagination = db.paginate(
        opening_query(filters), page=max(args.get("page", 1, type=int), 1), per_page=25, error_out=False
    )
    return render_template(
        "openings/index.html",
        pagination=pagination,
        openings=pagination.items,
        filters=filters,
        statuses=list(OpeningStatus),
        contracts=list(ContractType),
        status_arg=status,
    )


@bp.route("/<int:opening_id>")
def detail(opening_id: int) -> str:
    opening = _load(opening_id)
    stage_form = StageForm()
    stage_form.set_choices()
    return render_template(
        "openings/detail.html",
        opening=opening,
        show_candidates=can_see_candidates(current_user),
        can_manage=lambda c: can_manage_candidate(current_user, c),
        stage_moves=STAGE_MOVES,
        stage_form=stage_form,
        reasons=list(NotHiredReason),
        stages=PipelineStage,
    )


def _form(opening: Opening | None) -> OpeningForm:
    form = OpeningForm(obj=opening) if opening is not None and request.method == "GET" else OpeningForm()
    include = [link.skill_id for link in opening.skill_links] if opening else []
    form.set_choices(skills=skill_choices(include=include), locale=_locale())
    if opening is not None and request.method == "GET":
        form.contract.data = opening.contract.value
        form.status.data = opening.status.value
        form.required_skill_ids.data = [link.skill_id for link in opening.skill_links if link.required]
        form.desirable_skill_ids.data = [link.skill_id for link in opening.skill_links if not link.required]
        form.free_skills_text.data = ", ".join(opening.free_skills or ())
        form.interaction_id.data = str(opening.interaction_id or "")
    return form


@bp.route("/new", methods=["GET", "POST"])
def create() -> str | Response:
    organization = db.get_or_404(Organization, request.args.get("organization_id", type=int) or 0)
    form = _form(None)
    interaction = None
    interaction_id = request.args.get("interaction_id", type=int)
    if interaction_id:
        interaction = db.session.get(Interaction, interaction_id)
        if interaction is None or interaction.organization_id != organization.id:
            abort(404)
    if request.method == "GET":
        form.status.data = OpeningStatus.OPEN.value
        form.ateco_section.data = organization.ateco_section or ""
        form.interaction_id.data = str(interaction_id or "")
    if form.validate_on_submit():
        try:
            opening = create_opening(
                organization,
                form.to_data(),
                by=current_user,
                required_skill_ids=form.required_skill_ids.data or [],
                desirable_skill_ids=form.desirable_skill_ids.data or [],
            )
        except OpeningError:
            abort(400)
        flash(_("Opening “%(title)s” recorded.", title=opening.title), "success")
        return redirect(url_for(".detail", opening_id=opening.id))
    return render_template(
        "openings/form.html", form=form, opening=None, organization=organization, interaction=interaction
    )


@bp.route("/<int:opening_id>/edit", methods=["GET", "POST"])
def edit(opening_id: int) -> str | Response:
    opening = _load(opening_id)
    form = _form(opening)
    if form.validate_on_submit():
        try:
            update_opening(
                opening,
                form.to_data(),
                by=current_user,
                required_skill_ids=form.required_skill_ids.data or [],
                desirable_skill_ids=form.desirable_skill_ids.data or [],
            )
        except OpeningError:
            abort(400)
        flash(_("Opening saved."), "success")
        return redirect(url_for(".detail", opening_id=opening.id))
    return render_template(
        "openings/form.html",
        form=form,
        opening=opening,
        organization=opening.organization,
        interaction=opening.interaction,
    )


@bp.route("/<int:opening_id>/delete", methods=["POST"])
@role_required(Role.COORDINATOR)
def delete(opening_id: int) -> Response:
    opening = _load(opening_id)
    organization_id = opening.organization_id
    try:
        delete_opening(opening, by=current_user)
    except OpeningError:
        flash(_("Someone was hired through this opening: close it instead of deleting it."), "danger")
        return redirect(url_for(".detail", opening_id=opening_id))
    flash(_("Opening deleted."), "success")
    return redirect(url_for("organizations.detail", organization_id=organization_id))


# --- Matching, shortlist, pipeline ----------------------------------------------------------------


@bp.route("/<int:opening_id>/matches")
@candidate_access_required()
def matches(opening_id: int) -> str:
    opening = _load(opening_id)
    ranked = match_candidates(opening, by=current_user, top=request.args.get("top", 30, type=int))
    listed = {e.candidate_id for e in opening.entries}
    missing_ids = {
        i
        for m in ranked
        for r in m.reasons
        if r.code == "required_skills"
        for i in r.params.get("missing_ids", [])
    }
    return render_template(
        "openings/matches.html",
        opening=opening,
        matches=ranked,
        listed=listed,
        skill_names={i: s.name for i, s in skills_by_id(sorted(missing_ids)).items()},
        form=ShortlistForm(),
    )


@bp.route("/<int:opening_id>/shortlist", methods=["POST"])
@candidate_access_required()
def add_to_shortlist(opening_id: int) -> Response:
    opening = _load(opening_id)
    form = ShortlistForm()
    if not form.validate_on_submit():
        abort(400)
    candidate = db.get_or_404(Candidate, int(form.candidate_id.data))
    try:
        shortlist(
            opening, candidate, by=current_user, score=int(form.score.data) if form.score.data else None
        )
    except OpeningError:
        flash(_("%(code)s is not available for openings.", code=candidate.code), "danger")
    else:
        flash(_("%(code)s added to the shortlist.", code=candidate.code), "success")
    return redirect(request.form.get("next") or url_for(".detail", opening_id=opening.id, _anchor="pipeline"))


def _entry(entry_id: int) -> PipelineEntry:
    entry = db.get_or_404(PipelineEntry, entry_id)
    if not can_manage_candidate(current_user, entry.candidate):
        abort(403)
    return entry


@bp.route("/pipeline/<int:entry_id>/stage", methods=["POST"])
@candidate_access_required()
def stage(entry_id: int) -> Response:
    entry = _entry(entry_id)
    form = StageForm()
    form.set_choices()
    if form.validate_on_submit():
        reason = NotHiredReason(form.not_hired_reason.data) if form.not_hired_reason.data else None
        try:
            move_stage(
                entry, PipelineStage(form.stage.data), by=current_user, reason=reason, note=form.note.data
            )
        except OpeningPermissionError:
            abort(403)
        except OpeningError:
            flash(_("That step is not possible from here (a reason is needed for “not hired”)."), "danger")
        else:
            flash(
                _(
                    "%(code)s: %(stage)s.",
                    code=entry.candidate.code,
                    stage=candidate_labels.CANDIDATE_LABELS[entry.stage],
                ),
                "success",
            )
    return redirect(url_for(".detail", opening_id=entry.opening_id, _anchor="pipeline"))


@bp.route("/pipeline/<int:entry_id>/profile")
@candidate_access_required()
def profile(entry_id: int) -> str:
    """The anonymised profile presented for this opening (printable; logged)."""
    entry = db.get_or_404(PipelineEntry, entry_id)
    if entry.candidate.is_erased:
        abort(404)
    log_presentation(entry, by=current_user, document="html")
    return render_template(
        "candidates/anonymised.html",
        profile=anonymised_profile(entry.candidate),
        weekday_labels=candidate_labels.WEEKDAY_LABELS,
        opening=entry.opening,
        entry=entry,
    )


@bp.route("/pipeline/<int:entry_id>/profile.pdf")
@candidate_access_required()
def profile_pdf(entry_id: int) -> Response:
    from crm.candidates.documents import anonymised_pdf
    from crm.candidates.views import _pdf_response

    entry = db.get_or_404(PipelineEntry, entry_id)
    if entry.candidate.is_erased:
        abort(404)
    log_presentation(entry, by=current_user, document="pdf")
    data = anonymised_pdf(anonymised_profile(entry.candidate), opening_title=entry.opening.title)
    return _pdf_response(data, f"{entry.candidate.code}.pdf")


@bp.route("/pipeline/<int:entry_id>/hire", methods=["GET", "POST"])
@candidate_access_required()
def hire(entry_id: int) -> str | Response:
    entry = _entry(entry_id)
    form = PlacementForm()
    if request.method == "GET":
        form.contract.data = entry.opening.contract.value
        form.hours_per_week.data = entry.opening.hours_per_week
    if form.validate_on_submit():
        try:
            record_placement(entry, form.data, by=current_user)
        except OpeningError:
            flash(_("Only a presented or interviewed candidate can be hired."), "danger")
        else:
            flash(
                _("Hire recorded: follow-ups at 1, 3, 6 and 12 months are on the operator's list."), "success"
            )
            return redirect(url_for(".detail", opening_id=entry.opening_id, _anchor="pipeline"))
    return render_template("openings/hire.html", entry=entry, form=form)


@bp.app_template_global("match_reason")
def _match_reason(reason: object, skill_names: dict[int, str] | None = None) -> str:
    from crm.matching import Reason
    from crm.openings.reasons import describe

    assert isinstance(reason, Reason)
    return describe(reason, skill_names)


# The organization page lists its openings (crm.organizations stays unaware of this module).
bp.add_app_template_global(openings_for_organization, "openings_for")
