"""Background jobs: one row per long piece of work, so any web process can show its progress."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class BackgroundJob(db.Model):
    __tablename__ = "background_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The registered kind (``imports.organizations``, ``geocoding.batch``...), see :mod:`crm.jobs.registry`.
    kind: Mapped[str] = mapped_column(String(50), index=True)
    #: A short description for lists ("organizations.csv"), never personal data.
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, 10), default=JobStatus.QUEUED, index=True
    )
    #: ``thread``, ``rq`` or ``inline``: where the job was sent.
    backend: Mapped[str] = mapped_column(String(10), default="thread")
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(String(500))
    #: Where the result is shown (a path of this site), set by the job when it succeeds.
    result_url: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    #: A small structured result (counts, the id of what was made) for the page that started the job.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The job's arguments (ids, a file token, a mapping): JSON, never personal data.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ``host:pid`` of the process running it (to notice a job whose process died).
    worker: Mapped[str | None] = mapped_column(String(100))

    user: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status.finished

    def to_dict(self) -> dict[str, Any]:
        """The state a polling page needs."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status.value,
            "progress": self.progress,
            "message": self.message or "",
            "result_url": self.result_url,
            "error": self.error,
            "finished": self.finished,
        }
