"""Job pages: the list, one job's progress page (polls a JSON endpoint), starting a batch geocoding."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from crm.auth.models import Role
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.services import check_alive, recent_jobs, submit_job
from crm.labels import label
from crm.permissions import can_see_job, role_required

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _load(job_id: int) -> BackgroundJob:
    job = db.get_or_404(BackgroundJob, job_id)
    if not can_see_job(current_user, job):
        abort(404)  # someone else's job: do not even confirm it exists
    return job


@bp.route("/")
def index() -> str:
    return render_template("jobs/index.html", jobs=recent_jobs(current_user), form=FlaskForm())


@bp.route("/<int:job_id>")
def detail(job_id: int) -> str:
    job = check_alive(_load(job_id))
    labels = {status.value: label(status) for status in JobStatus}
    return render_template("jobs/detail.html", job=job, status_labels=labels)


@bp.route("/<int:job_id>/status.json")
def status(job_id: int) -> Response:
    job = check_alive(_load(job_id))
    response = jsonify(job.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/geocode", methods=["POST"])
@role_required(Role.COORDINATOR)
def geocode() -> Any:
    """Place every organization that has no location yet, in the background."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    job = submit_job(
        "geocoding.batch",
        params={"missing_only": True},
        user=current_user,
        title=_("Organizations without a location"),
    )
    flash(_("Geocoding started: this page shows its progress."), "info")
    return redirect(url_for(".detail", job_id=job.id))


@bp.app_context_processor
def _job_helpers() -> dict[str, Any]:
    from crm.jobs.labels import kind_label

    return {"job_kind_label": kind_label}
