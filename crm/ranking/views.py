"""Ranking pages: the ranked list, "why this score?", boosts, weights (versioned), learning report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from werkzeug.wrappers import Response

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.services import local_today
from crm.organizations.models import Organization, OrganizationStatus
from crm.permissions import role_required
from crm.ranking import learning, scoring
from crm.ranking.forms import BoostForm, LearningForm, SettingsForm
from crm.ranking.services import (
    BoostError,
    RankingSettingsError,
    boost_for,
    build_ranking,
    cached_ranking,
    current_settings,
    filtered_ids,
    previous_ranking,
    ranked_rows,
    reference_choices,
    remove_boost,
    reset_settings,
    resolve_reference,
    save_settings,
    score_organizations,
    set_boost,
    settings_history,
)

bp = Blueprint("ranking", __name__, url_prefix="/ranking")

MAX_PER_PAGE = 100
#: The most organizations "plan the top N" sends to the planning screen (its own limit applies too).
MAX_PLAN_TOP = 100


def _locale() -> str:
    return str(get_locale() or "it")


class _RowsPagination(Pagination):
    """Flask-SQLAlchemy's pagination over rows computed by a function (offset, limit) → rows."""

    def _query_items(self) -> list[Any]:
        return list(self._query_args["rows"](self._query_offset, self.per_page))

    def _query_count(self) -> int:
        return int(self._query_args["total"])


def _ranking_for_request() -> tuple[Any, Any, Any, list[str], Any]:
    """The ranking, the list's filters, the reference point, invalid filter names, and the rows."""
    from crm.organizations.views import parse_list_filters

    filter_form, filters, invalid = parse_list_filters(request.args)
    reference = resolve_reference(request.args.get("from"), current_user)
    ranking = build_ranking(current_settings(), reference)
    indices = ranking.ordered(filtered_ids(filters))
    return ranking, filter_form, filters, invalid, (reference, indices)


@bp.route("/")
def index() -> str:
    ranking, filter_form, filters, invalid, (reference, indices) = _ranking_for_request()
    per_page = request.args.get("per_page", current_app.config["ITEMS_PER_PAGE"], type=int)
    previous = previous_ranking(ranking) if request.args.get("moves", "1") != "0" else None

    def rows(offset: int, limit: int) -> list[Any]:
        chosen = indices[offset : offset + limit]
        ranks = list(range(offset + 1, offset + 1 + len(chosen)))
        return ranked_rows(ranking, [int(i) for i in chosen], ranks=ranks, previous=previous)

    pagination = _RowsPagination(
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=min(max(per_page, 1), MAX_PER_PAGE),
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        rows=rows,
        total=len(indices),
    )
    return render_template(
        "ranking/index.html",
        pagination=pagination,
        rows=pagination.items,
        ranking=ranking,
        filter_form=filter_form,
        filters=filters,
        invalid_filters=invalid,
        reference=reference,
        reference_choices=reference_choices(),
        max_plan_top=MAX_PLAN_TOP,
        previous=previous,
        factor_labels=scoring.FACTOR_LABELS,
    )


@bp.route("/plan")
@role_required(Role.COORDINATOR)
def plan() -> Response:
    """Send the first N organizations of the ranked list (same filters) to the planning screen."""
    ranking, _form, _filters, _invalid, (_reference, indices) = _ranking_for_request()
    top = request.args.get("top", 10, type=int) or 10
    top = min(max(top, 1), MAX_PLAN_TOP)
    ids = [int(ranking.ids[i]) for i in indices[:top]]
    if not ids:
        flash(_("No organization to plan: the ranked list is empty."), "warning")
        return redirect(url_for(".index", **_list_args()))
    return redirect(url_for("visits.plan", organization_id=ids, ranked="1"))


def _list_args() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k not in ("top", "page")}


@bp.route("/organizations/<int:organization_id>")
def explain(organization_id: int) -> str:
    """Why this score? The whole breakdown, the boost and its form."""
    organization = db.get_or_404(Organization, organization_id)
    reference = resolve_reference(request.args.get("from"), current_user)
    boost = boost_for(organization.id)
    breakdown = _breakdown(organization, reference)
    form = BoostForm()
    if boost is not None:
        form.points.data, form.reason.data, form.expires_on.data = (
            boost.points,
            boost.reason,
            boost.expires_on,
        )
    else:
        form.expires_on.data = local_today() + timedelta(days=30)
    return render_template(
        "ranking/explain.html",
        organization=organization,
        breakdown=breakdown,
        boost=boost,
        form=form,
        reference=reference,
        reference_choices=reference_choices(),
        today=local_today(),
    )


def _breakdown(organization: Organization, reference: Any = None) -> dict[str, Any] | None:
    """Score, rank and reasons of one organization (None when it is never ranked)."""
    if organization.status is OrganizationStatus.DO_NOT_CONTACT:
        return None
    reference = reference or resolve_reference(None, current_user)
    settings = current_settings()
    # The whole ranking, when this process already holds it, has the same figures for the
    # organization (a test checks it) and costs nothing; otherwise score it alone.
    ranking = cached_ranking(settings, reference)
    i = None if ranking is None else ranking.index_of(organization.id)
    if ranking is None or i is None:
        ranking = score_organizations([organization.id], settings, reference=reference)
        i = ranking.index_of(organization.id)
    if i is None:
        return None
    boost = boost_for(organization.id)
    reasons = ranking.reasons(i, boost)
    weights = scoring.normalised_weights(ranking.settings.weights)
    factors = {
        f: {"value": float(ranking.table.values[i, k]), "max": float(weights[k])}
        for k, f in enumerate(scoring.FACTORS)
    }
    return {
        "score": float(ranking.score[i]),
        "reasons": reasons,
        "factors": factors,
        "settings": ranking.settings,
        "reference": reference,
    }


@bp.app_template_global("ranking_breakdown")
def ranking_breakdown(organization: Organization) -> dict[str, Any] | None:
    """For the panel on the organization page (templates/ranking/_panel.html)."""
    return _breakdown(organization)


@bp.app_template_global("factor_label")
def factor_label(name: str) -> str:
    return str(scoring.FACTOR_LABELS.get(name, name))


@bp.route("/organizations/<int:organization_id>/boost", methods=["POST"])
@role_required(Role.COORDINATOR)
def boost(organization_id: int) -> str | Response:
    organization = db.get_or_404(Organization, organization_id)
    form = BoostForm()
    if form.validate_on_submit():
        try:
            set_boost(
                organization,
                points=int(form.points.data),
                reason=form.reason.data or "",
                expires_on=form.expires_on.data,
                by=current_user,
            )
        except BoostError as exc:
            form.points.errors = [*form.points.errors, str(exc)]
        else:
            flash(
                _("Boost saved: the score of “%(name)s” changes now.", name=organization.display_name),
                "success",
            )
            return redirect(url_for(".explain", organization_id=organization.id))
    reference = resolve_reference(None, current_user)
    return render_template(
        "ranking/explain.html",
        organization=organization,
        breakdown=_breakdown(organization, reference),
        boost=boost_for(organization.id),
        form=form,
        reference=reference,
        reference_choices=reference_choices(),
        today=local_today(),
    )


@bp.route("/organizations/<int:organization_id>/boost/delete", methods=["POST"])
@role_required(Role.COORDINATOR)
def delete_boost(organization_id: int) -> Response:
    organization = db.get_or_404(Organization, organization_id)
    if remove_boost(organization):
        flash(_("Boost removed."), "success")
    return redirect(url_for(".explain", organization_id=organization.id))


# --- Settings -----------------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def settings() -> str | Response:
    effective = current_settings()
    form = SettingsForm()
    form.set_choices(_locale())
    if request.method == "GET":
        form.fill(effective.weights, effective.params)
    elif form.validate_on_submit():
        try:
            row = save_settings(form.weights(), form.params(), by=current_user, note=form.note.data)
        except RankingSettingsError as exc:
            form.distance.errors = [*form.distance.errors, str(exc)]
        else:
            flash(_("Version %(n)d of the weights saved: the ranking uses it now.", n=row.id), "success")
            return redirect(url_for(".index"))
    return render_template(
        "ranking/settings.html",
        form=form,
        effective=effective,
        history=settings_history(),
        factor_labels=scoring.FACTOR_LABELS,
        factors=scoring.FACTORS,
        defaults=scoring.DEFAULT_WEIGHTS,
    )


@bp.route("/settings/reset", methods=["POST"])
@role_required(Role.COORDINATOR)
def reset() -> Response:
    row = reset_settings(by=current_user)
    flash(_("The default weights are back, as version %(n)d.", n=row.id), "success")
    return redirect(url_for(".settings"))


@bp.route("/settings/apply", methods=["POST"])
@role_required(Role.COORDINATOR)
def apply_suggestion() -> str | Response:
    """Apply suggested weights (posted back as shown) as a new version; parameters unchanged."""
    effective = current_settings()
    weights = {f: request.form.get(f, type=int) for f in scoring.FACTORS}
    if any(v is None or not 0 <= v <= 100 for v in weights.values()):
        flash(_("The suggested weights were not valid: nothing was changed."), "danger")
        return redirect(url_for(".learning"))
    horizon = request.form.get("horizon", type=int) or 180
    try:
        row = save_settings(
            weights,
            effective.params,
            by=current_user,
            note=_("Suggested from the outcome history (%(days)d days)", days=horizon),
        )
    except RankingSettingsError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".learning"))
    flash(_("Version %(n)d of the weights saved: the ranking uses it now.", n=row.id), "success")
    return redirect(url_for(".index"))


# --- Learning from outcomes ---------------------------------------------------------------------------


@bp.route("/learning", endpoint="learning")
@role_required(Role.COORDINATOR)
def learning_report() -> str:
    form = LearningForm(request.args)
    horizon = form.horizon.data if form.validate() else 180
    effective = current_settings()
    reference = resolve_reference(None, current_user)
    history = learning.contact_history(effective, reference, horizon)
    report = learning.report(history, effective.weights)
    suggestion = None
    if request.args.get("suggest"):
        if learning.enough_history(history):
            suggestion = learning.suggest_weights(history, effective.weights)
        else:
            report.notes.append(
                ngettext(
                    "Not enough history to suggest weights: at least %(num)d contact with %(min)d "
                    "successes and %(min)d failures is needed.",
                    "Not enough history to suggest weights: at least %(num)d contacts with %(min)d "
                    "successes and %(min)d failures are needed.",
                    learning.MIN_CONTACTS,
                    min=learning.MIN_CLASS,
                )
            )
    return render_template(
        "ranking/learning.html",
        form=form,
        horizon=horizon,
        report=report,
        suggestion=suggestion,
        effective=effective,
        factor_labels=scoring.FACTOR_LABELS,
        factors=scoring.FACTORS,
    )
