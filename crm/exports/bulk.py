"""Team exports: several people's visits over a range of days as one ZIP (one file per person).

A small team export is built in the request; a large one (people x days above
``EXPORTS_JOB_PERSON_DAYS``) runs as a background job (:mod:`crm.exports.jobs`) that leaves the ZIP in
``instance/exports`` for the job's result page to download. Those files hold contacts' names and phone
numbers: they are kept :data:`KEEP_HOURS` hours, only their job's author and coordinators can download
them, and with RQ workers on another host the folder must be shared with them (as ``instance/imports``).
"""

from __future__ import annotations

import io
import os
import secrets
import time
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from flask import current_app

from crm.auth.models import User
from crm.exports.services import FORMATS, MAX_EXPORT_DAYS, ExportError, ExportFile, export_file

#: Above this many person-days (people x days) a team export runs as a background job.
DEFAULT_JOB_PERSON_DAYS = 14
#: Finished exports are deleted after this many hours.
KEEP_HOURS = 24
ZIP_MIMETYPE = "application/zip"


def job_threshold() -> int:
    return int(current_app.config.get("EXPORTS_JOB_PERSON_DAYS", DEFAULT_JOB_PERSON_DAYS))


def needs_job(people: int, days: int) -> bool:
    """True when exporting ``people`` people over ``days`` days is too long for a web request."""
    return people * days > job_threshold()


def zip_name(first: date, days: int, fmt: str) -> str:
    last = first + timedelta(days=days - 1)
    span = first.isoformat() if days == 1 else f"{first.isoformat()}_{last.isoformat()}"
    return f"visite-team-{span}-{fmt}.zip"


def team_zip(
    users: Sequence[User],
    first: date,
    days: int,
    fmt: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ExportFile:
    """One ZIP with each person's export (:func:`crm.exports.services.export_file`) of the range.

    :param progress: called with (people done, people) after each person.
    :raises ExportError: for an unknown format, a bad range or nobody to export.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not 1 <= days <= MAX_EXPORT_DAYS:
        raise ExportError(f"days must be between 1 and {MAX_EXPORT_DAYS}")
    if not users:
        raise ExportError("nobody to export")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, user in enumerate(users, start=1):
            export = export_file(user, first, days, fmt)
            archive.writestr(export.filename, export.content)
            if progress is not None:
                progress(n, len(users))
    return ExportFile(content=buffer.getvalue(), mimetype=ZIP_MIMETYPE, filename=zip_name(first, days, fmt))


def export_folder() -> Path:
    return Path(current_app.instance_path) / "exports"


def save_result(job_id: int, content: bytes) -> str:
    """Write a finished export for job ``job_id``; returns its stored name (random, not guessable)."""
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"job-{int(job_id)}-{secrets.token_urlsafe(12)}.zip"
    partial = folder / (name + ".part")
    partial.write_bytes(content)
    partial.replace(folder / name)  # never a half-written file for the download
    return name


def stored_result(name: str | None) -> Path | None:
    """The stored file ``name`` (a name we made), or None when it is gone or not one of ours."""
    if not name or "/" in name or "\\" in name or not name.startswith("job-") or not name.endswith(".zip"):
        return None
    path = export_folder() / name
    return path if path.is_file() else None


def purge_old_results(*, now: float | None = None, hours: int = KEEP_HOURS) -> int:
    """Delete exports older than ``hours``; returns how many were deleted."""
    folder = export_folder()
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - hours * 3600
    removed = 0
    for path in folder.iterdir():
        if path.name.startswith("job-") and path.stat().st_mtime < limit:
            try:
                os.remove(path)
                removed += 1
            except OSError:  # another process removed it first
                pass
    return removed
