"""``/api/v1/jobs``: background jobs (a visit plan solved by a job worker, an import…), read-only,
under the job pages' rule: a job is its author's, and coordinators follow everyone's."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.api.core import api_abort, documents_errors, make_blueprint
from crm.api.fields import MAX_ID, Enum
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobStatus
from crm.jobs.services import check_alive
from crm.permissions import can_see_job

blp = make_blueprint("jobs", "/jobs", "Background jobs: state, progress and result.")

#: The job kind that solves a visit plan (``crm.visits.jobs.plan_job``).
PLAN_JOB_KIND = "visits.plan"


class JobOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "e.g. visits.plan"})
    status = Enum(JobStatus, required=True)
    progress = ma.fields.Integer(required=True, metadata={"description": "Percent done, 0–100."})
    message = ma.fields.String(required=True, allow_none=True)
    error = ma.fields.String(required=True, allow_none=True)
    finished = ma.fields.Boolean(required=True)
    plan_id = ma.fields.Method(
        "_plan_id",
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "The visit plan a planning job solves.",
        },
    )
    result = ma.fields.Dict(
        required=True, allow_none=True, metadata={"description": "A small result (counts, ids)."}
    )
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(required=True, allow_none=True)
    finished_at = ma.fields.DateTime(required=True, allow_none=True)

    def _plan_id(self, job: BackgroundJob) -> int | None:
        if job.kind != PLAN_JOB_KIND:
            return None
        # Known from the start (the job's argument), before the result repeats it.
        value = (job.result or {}).get("plan_id", (job.params or {}).get("plan_id"))
        return int(value) if value is not None else None


@blp.route("/<int:job_id>")
@blp.response(200, JobOut)
@documents_errors(blp, 404)
def get_job(job_id: int) -> BackgroundJob:
    """One background job: its state, progress and result (yours; coordinators see everyone's)."""
    job = db.session.get(BackgroundJob, job_id) if 0 < job_id <= MAX_ID else None
    # Someone else's job is "not found", as on the job page: its existence is not confirmed.
    if job is None or not can_see_job(current_user, job):
        api_abort(404, "not_found", _("No job with id %(id)d.", id=job_id))
    return check_alive(job)


def job_location(job: BackgroundJob) -> str:
    """The URL a client polls for ``job``."""
    return url_for("api_jobs.get_job", job_id=job.id)


def plan_job(plan_id: int, user_id: int) -> BackgroundJob | None:
    """The job that solves plan ``plan_id``, if the plan went to the job queue (RQ)."""
    recent = db.session.scalars(
        db.select(BackgroundJob)
        .where(BackgroundJob.kind == PLAN_JOB_KIND, BackgroundJob.user_id == user_id)
        .order_by(BackgroundJob.id.desc())
        .limit(20)
    )
    return next((job for job in recent if (job.params or {}).get("plan_id") == plan_id), None)
