"""Batch geocoding as a background job (``geocoding.batch``), with progress per batch."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from crm.jobs.services import JobContext, JobOutcome


def geocode_batch_job(ctx: JobContext, *, missing_only: bool = True, offline: bool = False) -> JobOutcome:
    """Place the organizations that need it; committed every batch, so a stop loses little."""
    from crm.geocoding.services import build_geocoder, geocode_organizations, organizations_to_geocode

    ids = list(organizations_to_geocode(missing_only=missing_only))
    total = len(ids)
    if not total:
        return JobOutcome(message=_("Nothing to geocode: every organization already has a location."),
                          result_url=url_for("map.index"))
    # No geocoder URL configured: the bundled gazetteer only (comune and CAP centres).
    online = not offline and current_app.config.get("GEOCODER_URL")
    geocoder = build_geocoder(current_app.config) if online else None
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        ctx.progress(100 * done / total, _("%(done)d of %(total)d organizations", done=done, total=total))

    ctx.progress(0, _("%(done)d of %(total)d organizations", done=0, total=total))
    run = geocode_organizations(ids, geocoder=geocoder, progress=advance)
    message = ngettext("%(num)d organization geocoded.", "%(num)d organizations geocoded.", run.processed)
    if run.unplaced:
        message += " " + ngettext(
            "%(num)d could not be placed: its comune is missing or unknown.",
            "%(num)d could not be placed: their comune is missing or unknown.",
            run.unplaced,
        )
    result: dict[str, Any] = {"processed": run.processed, "unplaced": run.unplaced,
                              "by_precision": dict(run.by_precision)}
    return JobOutcome(message=message, result_url=url_for("map.index"), result=result)

