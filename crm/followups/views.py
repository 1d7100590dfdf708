"""Follow-ups: "My follow-ups", and adding, changing, completing and reopening tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.auth.models import User
from crm.extensions import db
from crm.followups.forms import BoardFilterForm, FollowUpForm
from crm.followups.models import FollowUp
from crm.followups.services import (
    FollowUpError,
    FollowUpPermissionError,
    assignable_users,
    complete_follow_up,
    create_follow_up,
    delete_follow_up,
    follow_ups_board,
    local_today,
    recently_done,
    reopen_follow_up,
    update_follow_up,
)
from crm.organizations.models import Organization
from crm.permissions import can_edit_follow_up, can_see_candidates

bp = Blueprint("followups", __name__, url_prefix="/follow-ups")

EVERYONE = "all"


@bp.app_context_processor
def _permission_helpers() -> dict[str, Any]:
    """Follow-up lists are included in other pages: they ask the same rule as these views."""
    return {"can_edit_follow_up": can_edit_follow_up, "local_today": local_today}


def _back(default: str) -> Response:
    """Return to the page the action came from (``next``), if it is a page of this site."""
    target = request.form.get("next") or request.args.get("next")
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return redirect(target)
    return redirect(default)


def _after_save(follow_up: FollowUp) -> Response:
    if follow_up.organization_id is not None:
        return redirect(
            url_for("organizations.detail", organization_id=follow_up.organization_id)
            + "#follow-ups"
        )
    return redirect(url_for("followups.index"))


def _load_editable(follow_up_id: int) -> FollowUp:
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    if not can_edit_follow_up(current_user, follow_up):
        abort(403)
    return follow_up


@bp.route("/")
def index() -> str:
    form = BoardFilterForm(request.args)
    assignee_id: int | None = current_user.id
    whose: User | None = current_user
    if current_user.is_coordinator:
        staff = assignable_users(current_user)
        form.set_choices(current_user, staff, everyone=EVERYONE)
        chosen = request.args.get("assignee", "")
        if chosen == EVERYONE:
            assignee_id, whose = None, None
        elif chosen.isdigit():
            whose = db.session.get(User, int(chosen))
            if whose is None:
                abort(404)
            assignee_id = whose.id
    form.assignee.data = str(assignee_id) if assignee_id is not None else EVERYONE
    board = follow_ups_board(assignee_id)
    done = recently_done(assignee_id)
    # Plan actions and reviews (crm.partnership) live with their plan; they are listed here, not copied.
    from crm.partnership.services import PLAN_ITEMS_AHEAD_DAYS, plan_items_due

    # Their links open candidates' plans: only for the roles that work with candidates (not admins).
    plan_items = (
        plan_items_due(assignee_id, until=board.today + timedelta(days=PLAN_ITEMS_AHEAD_DAYS))
        if can_see_candidates(current_user)
        else []
    )
    return render_template(
        "followups/index.html",
        board=board,
        done=done,
        form=form,
        whose=whose,
        plan_items=plan_items,
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/new/<int:organization_id>", methods=["GET", "POST"])
def create(organization_id: int | None = None) -> str | Response:
    if organization_id is None:
        organization_id = request.args.get("organization_id", type=int)
    organization = db.get_or_404(Organization, organization_id) if organization_id else None
    form = FollowUpForm()
    form.set_choices(
        assignable_users(current_user), organization.contacts if organization else []
    )
    if request.method == "GET":
        form.assignee_id.data = current_user.id
        form.due_date.data = local_today()
        form.contact_id.data = request.args.get("contact_id", type=int)
    if form.validate_on_submit():
        try:
            follow_up = create_follow_up(
                form.model_data(), by=current_user, organization=organization
            )
        except FollowUpPermissionError:
            form.assignee_id.errors.append(_("You can only assign follow-ups to yourself."))
        except FollowUpError:
            form.assignee_id.errors.append(_("Choose an active staff member and a listed contact."))
        else:
            flash(_("Follow-up “%(title)s” added.", title=follow_up.title), "success")
            return _after_save(follow_up)
    return render_template(
        "followups/form.html", form=form, organization=organization, follow_up=None
    )


@bp.route("/<int:follow_up_id>/edit", methods=["GET", "POST"])
def edit(follow_up_id: int) -> str | Response:
    follow_up = _load_editable(follow_up_id)
    organization = follow_up.organization
    form = FollowUpForm(obj=follow_up)
    form.set_choices(
        assignable_users(current_user, include=[follow_up.assignee_id]),
        organization.contacts if organization else [],
    )
    if form.validate_on_submit():
        try:
            update_follow_up(follow_up, form.model_data(), by=current_user)
        except FollowUpPermissionError:
            form.assignee_id.errors.append(_("You can only assign follow-ups to yourself."))
        except FollowUpError:
            form.assignee_id.errors.append(_("Choose an active staff member and a listed contact."))
        else:
            flash(_("Follow-up saved."), "success")
            return _after_save(follow_up)
    return render_template(
        "followups/form.html", form=form, organization=organization, follow_up=follow_up
    )


@bp.route("/<int:follow_up_id>/complete", methods=["POST"])
def complete(follow_up_id: int) -> Response:
    follow_up = _load_editable(follow_up_id)
    complete_follow_up(follow_up, by=current_user)
    flash(_("Done: “%(title)s”.", title=follow_up.title), "success")
    return _back(url_for("followups.index"))


@bp.route("/<int:follow_up_id>/reopen", methods=["POST"])
def reopen(follow_up_id: int) -> Response:
    follow_up = _load_editable(follow_up_id)
    reopen_follow_up(follow_up, by=current_user)
    flash(_("Reopened: “%(title)s”.", title=follow_up.title), "info")
    return _back(url_for("followups.index"))


@bp.route("/<int:follow_up_id>/delete", methods=["POST"])
def delete(follow_up_id: int) -> Response:
    follow_up = _load_editable(follow_up_id)
    title = follow_up.title
    delete_follow_up(follow_up, by=current_user)
    flash(_("Follow-up “%(title)s” deleted.", title=title), "success")
    return _back(url_for("followups.index"))
