"""Interactions: log one on an organization, correct or delete it, and browse all activity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from crm.auth.models import User
from crm.extensions import db
from crm.followups.services import FollowUpError, FollowUpPermissionError, assignable_users, local_now
from crm.interactions.forms import ActivityFilterForm, InteractionForm, NewInteractionForm
from crm.interactions.models import Interaction
from crm.interactions.services import (
    ActivityFilters,
    InteractionError,
    InteractionPermissionError,
    activity_query,
    delete_interaction,
    follow_ups_of,
    log_interaction,
    to_local,
    update_interaction,
)
from crm.organizations.models import Organization
from crm.permissions import can_edit_interaction

bp = Blueprint("interactions", __name__, url_prefix="/interactions")


@bp.app_context_processor
def _permission_helpers() -> dict[str, Any]:
    """The timeline is included in the organization page: it asks the same rule as these views."""
    return {"can_edit_interaction": can_edit_interaction}


def _timeline(organization_id: int) -> Response:
    return redirect(
        url_for("organizations.detail", organization_id=organization_id) + "#interactions"
    )


def _staff_choices(include: int | None = None) -> list[Any]:
    # Coordinators log on behalf of any active colleague; operators only as themselves.
    return assignable_users(current_user, include=[include])


@bp.route("/")
def index() -> str:
    form = ActivityFilterForm(request.args)
    # Everyone who ever logged something, former colleagues included.
    form.set_choices(db.session.scalars(select(User).order_by(User.full_name)))
    form.validate()  # bad values become field errors and are ignored below
    filters = ActivityFilters(
        kind=None if form.kind.errors else form.kind.data,
        user_id=None if form.user.errors else form.user.data,
        outcome=None if form.outcome.errors else form.outcome.data,
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data,
    )
    pagination = db.paginate(
        activity_query(filters), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False
    )
    return render_template("interactions/index.html", form=form, pagination=pagination)


@bp.route("/new/<int:organization_id>", methods=["GET", "POST"])
def create(organization_id: int) -> str | Response:
    organization = db.get_or_404(Organization, organization_id)
    form = NewInteractionForm()
    form.set_choices(_staff_choices(), organization.contacts)
    if request.method == "GET":
        form.set_when(local_now())
        form.user_id.data = current_user.id
        form.follow_up_assignee_id.data = current_user.id
        form.contact_id.data = request.args.get("contact_id", type=int)
    if form.validate_on_submit():
        try:
            log_interaction(
                organization,
                form.model_data(),
                by=current_user,
                follow_up=form.follow_up_data(),
            )
        except (InteractionPermissionError, FollowUpPermissionError):
            abort(403)  # the form only offers allowed names: this request was forged
        except (InteractionError, FollowUpError):
            form.user_id.errors.append(_("Choose an active staff member and a listed contact."))
        else:
            if form.wants_follow_up:
                flash(_("Interaction logged, with its follow-up."), "success")
            else:
                flash(_("Interaction logged."), "success")
            return _timeline(organization.id)
    return render_template(
        "interactions/form.html", form=form, organization=organization, interaction=None
    )


@bp.route("/<int:interaction_id>/edit", methods=["GET", "POST"])
def edit(interaction_id: int) -> str | Response:
    interaction = db.get_or_404(Interaction, interaction_id)
    if not can_edit_interaction(current_user, interaction):
        abort(403)
    organization = interaction.organization
    form = InteractionForm(obj=interaction)
    form.set_choices(_staff_choices(include=interaction.user_id), organization.contacts)
    if request.method == "GET":
        form.set_when(to_local(interaction.occurred_at))
    if form.validate_on_submit():
        try:
            update_interaction(interaction, form.model_data(), by=current_user)
        except InteractionPermissionError:
            abort(403)
        except InteractionError:
            form.user_id.errors.append(_("Choose an active staff member and a listed contact."))
        else:
            flash(_("Interaction saved."), "success")
            return _timeline(organization.id)
    return render_template(
        "interactions/form.html",
        form=form,
        organization=organization,
        interaction=interaction,
        follow_ups=follow_ups_of(interaction),
    )


@bp.route("/<int:interaction_id>/delete", methods=["POST"])
def delete(interaction_id: int) -> Response:
    interaction = db.get_or_404(Interaction, interaction_id)
    if not can_edit_interaction(current_user, interaction):
        abort(403)
    organization_id = interaction.organization_id
    delete_interaction(interaction, by=current_user)
    flash(_("Interaction deleted."), "success")
    return _timeline(organization_id)
