"""A large team export as a background job (``exports.visits``), see :mod:`crm.exports.bulk`."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from crm.auth.models import User
from crm.exports import bulk
from crm.exports.services import ExportError, can_export_for
from crm.extensions import db
from crm.jobs.services import JobContext, JobError, JobOutcome


def team_export_job(ctx: JobContext, *, staff_ids: list[int], first: str, days: int, fmt: str) -> JobOutcome:
    """Export the visits of ``staff_ids`` from ``first`` for ``days`` days as ``fmt`` files in a ZIP."""
    by = db.session.get(User, ctx.user_id) if ctx.user_id is not None else None
    if by is None or not by.active:
        raise JobError(_("The person who asked for this export no longer has access."))
    users = list(db.session.scalars(select(User).where(User.id.in_(staff_ids)).order_by(User.full_name)))
    # Rights are checked again here: they may have changed since the job was queued.
    users = [u for u in users if can_export_for(by, u)]
    if not users:
        raise JobError(_("None of the chosen people can be exported."))

    def advance(done: int, total: int) -> None:
        ctx.progress(95 * done / total, _("%(done)d of %(total)d people exported", done=done, total=total))

    ctx.progress(0, _("%(done)d of %(total)d people exported", done=0, total=len(users)))
    try:
        export = bulk.team_zip(users, date.fromisoformat(first), int(days), fmt, progress=advance)
    except (ExportError, ValueError) as exc:
        raise JobError(_("The export could not be made: %(reason)s", reason=str(exc))) from None
    bulk.purge_old_results()
    stored = bulk.save_result(ctx.job_id, export.content)
    return JobOutcome(
        message=ngettext(
            "Export ready: %(num)d person, %(size)s kB.",
            "Export ready: %(num)d people, %(size)s kB.",
            len(users),
            size=max(1, round(len(export.content) / 1024)),
        ),
        result_url=url_for("exports.job_download", job_id=ctx.job_id),
        result={
            "file": stored,
            "filename": export.filename,
            "people": len(users),
            "bytes": len(export.content),
        },
    )
