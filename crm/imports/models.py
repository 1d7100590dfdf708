"""Import runs: which file was imported, by whom, how it was read, and what became of its rows."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db_types import UTCDateTime, utcnow
from crm.extensions import db
from crm.organizations.models import enum_column

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.organizations.models import Organization


class RowOutcome(enum.StrEnum):
    """What became of a row that was not simply imported (those are only counted)."""

    REJECTED = "rejected"
    DUPLICATE = "duplicate"  # a possible duplicate of an existing organization: not imported
    WARNING = "warning"  # imported or updated, without some values that could not be read
    RESOLVED = "resolved"  # a possible duplicate that a person later imported or merged


class ImportRun(db.Model):
    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: "web" or "cli".
    source: Mapped[str] = mapped_column(String(10), default="web")
    #: The name the file had on the user's computer (shown only, never used as a path).
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))
    sheet_name: Mapped[str | None] = mapped_column(String(100))
    encoding: Mapped[str | None] = mapped_column(String(30))
    delimiter: Mapped[str | None] = mapped_column(String(5))
    #: The file's column headers, and the field each was read into (None: ignored).
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    mapping: Mapped[list[str | None]] = mapped_column(JSON, default=list)

    total_rows: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    #: Rows kept with some value left out.
    warnings: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int | None]

    user: Mapped[User | None] = relationship()
    rows: Mapped[list[ImportRow]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ImportRow.line",
    )

    def summary(self) -> str:
        """``unchanged 240; imported 0, updated 0, duplicates 0, rejected 14``."""
        return summary_line(
            unchanged=self.unchanged,
            imported=self.imported,
            updated=self.updated,
            duplicates=self.duplicates,
            rejected=self.rejected,
        )


class ImportRow(db.Model):
    """A row that was rejected, flagged as a possible duplicate, or imported with warnings."""

    __tablename__ = "import_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"))
    #: The physical line of a CSV file (the header is line 1), the row number of a spreadsheet.
    line: Mapped[int]
    outcome: Mapped[RowOutcome] = mapped_column(enum_column(RowOutcome, 10))
    name: Mapped[str | None] = mapped_column(String(200))
    #: ``[[code, {params}], …]``: see ``crm.imports.messages``.
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The row's cells as they were in the file (rejected and duplicate rows: for the rejects file).
    cells: Mapped[list[str] | None] = mapped_column(JSON)
    #: Duplicate: the organization it may be; warning: the organization imported or updated.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )

    run: Mapped[ImportRun] = relationship(back_populates="rows")
    organization: Mapped[Organization | None] = relationship()

    __table_args__ = (Index("ix_import_row_run_outcome", "run_id", "outcome", "line"),)


def summary_line(*, unchanged: int, imported: int, updated: int, duplicates: int, rejected: int) -> str:
    return (
        f"unchanged {unchanged}; imported {imported}, updated {updated}, "
        f"duplicates {duplicates}, rejected {rejected}"
    )
