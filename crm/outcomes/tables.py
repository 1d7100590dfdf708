"""The dashboard's numbers as tables (shown under each chart) and their CSV/XLSX files.

Writers are pure. Exported aggregates suppress counts from 1 to 4 (and the money and rates of rows
about fewer than 5 people), so no one can be singled out from a download; the screen, used inside
the hub, shows the exact figures.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from crm.labels import label
from crm.outcomes import calc
from crm.outcomes.labels import STATUS_LABELS, STEP_LABELS, scheme_label
from crm.reference.ateco import section_title
from crm.reference.places import comune_name

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    #: columns holding counts of people or events (suppressed when small)
    count_columns: tuple[int, ...] = ()
    #: the column whose count is the row's number of people (small rows are blanked)
    basis_column: int | None = None
    #: drill-down links per row (same length as rows), or None
    links: list[str | None] = field(default_factory=list)

    def exported_rows(self) -> list[list[Any]]:
        out = []
        for row in self.rows:
            basis = row[self.basis_column] if self.basis_column is not None else None
            out.append(
                calc.suppress_row(row, self.count_columns, basis=basis if isinstance(basis, int) else None)
            )
        return out


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def sector_label(letter: str | None, locale: str) -> str:
    if not letter:
        return "—"
    return f"{letter} – {section_title(letter, locale) or ''}".strip(" –")


def dashboard_tables(board: Any, *, locale: str) -> dict[str, Table]:
    """Every table of the dashboard, by name (the names are the download URLs' names)."""
    tables: dict[str, Table] = {}
    tables["funnel"] = Table(
        "funnel",
        _("Funnel"),
        [_("Step"), _("Count"), _("Share of the previous step (%)")],
        [[str(STEP_LABELS[s.key]), s.count, _rate(s.rate)] for s in board.funnel],
        count_columns=(1,),
    )
    o = board.outputs
    tables["outputs"] = Table(
        "outputs",
        _("Output indicators"),
        [_("Indicator"), _("Value")],
        [
            [_("Calls"), o.calls],
            [_("E-mails"), o.emails],
            [_("Visits"), o.visits],
            [_("Meetings"), o.meetings],
            [_("Kilometres (accepted visit plans)"), o.km],
        ],
    )
    tables["retention"] = Table(
        "retention",
        _("Retention of the placements started in the period"),
        [_("Months"), _("Due"), _("Confirmed"), _("Ended"), _("Missing"), _("Not yet checked"), _("Rate %")],
        [
            [r.months, r.due, r.confirmed, r.ended, r.missing, r.pending, _rate(r.rate)]
            for r in board.retention
        ],
        count_columns=(1, 2, 3, 4, 5),
        basis_column=1,
    )
    tables["trend"] = Table(
        "trend",
        _("Monthly trend"),
        [_("Month"), _("Hires"), _("Visits"), _("Net savings (€)")],
        [[format_date(p.month, "MMM yyyy"), p.hires, p.visits, p.net] for p in board.trend],
        count_columns=(1, 2),
        basis_column=1,
    )
    group_headers = [
        _("Placements"),
        _("Due at 6 months"),
        _("Confirmed at 6 months"),
        _("Rate %"),
        _("Ended early"),
        _("Average months"),
        _("Net savings (€)"),
    ]

    def group_rows(rows: Sequence[calc.GroupRow], name: Any) -> list[list[Any]]:
        return [
            [
                name(r),
                r.placements,
                r.due_6,
                r.retained_6,
                _rate(r.rate_6),
                r.ended_early,
                r.average_months,
                r.net,
            ]
            for r in rows
        ]

    tables["organizations"] = Table(
        "organizations",
        _("Lasting placements by organization"),
        [_("Organization"), *group_headers],
        group_rows(board.by_organization, lambda r: r.label),
        count_columns=(1, 2, 3, 5),
        basis_column=1,
    )
    tables["sectors"] = Table(
        "sectors",
        _("Lasting placements by sector"),
        [_("Sector"), *group_headers],
        group_rows(board.by_sector, lambda r: sector_label(r.key, locale)),
        count_columns=(1, 2, 3, 5),
        basis_column=1,
    )
    return tables


def group_table(dimension_label: str, groups: Sequence[tuple[str, Sequence[calc.FunnelStep]]]) -> Table:
    return Table(
        "groups",
        _("Funnel by %(dimension)s", dimension=dimension_label),
        [dimension_label, *[str(STEP_LABELS[k]) for k in calc.FUNNEL_STEPS]],
        [[name, *[s.count for s in steps]] for name, steps in groups],
        count_columns=tuple(range(1, len(calc.FUNNEL_STEPS) + 1)),
    )


def ledger_table(lines: Sequence[Any]) -> Table:
    """Ledger lines (live or frozen): pseudonymous codes, never names."""
    rows = []
    for x in lines:
        schemes = x.schemes.split(",") if isinstance(x.schemes, str) else list(x.schemes)
        rows.append(
            [
                x.placement_id,
                x.candidate_code,
                x.organization,
                x.sector or "",
                x.start_date,
                x.employed_until,
                str(STATUS_LABELS.get(x.status, x.status)),
                x.months_employed,
                x.hours_worked,
                ", ".join(scheme_label(s) for s in schemes if s) or _("none recorded"),
                Decimal(x.monthly_benefit),
                x.benefit_months,
                Decimal(x.benefit_saved),
                Decimal(x.taxes),
                Decimal(x.programme_cost),
                Decimal(x.net),
                Decimal(x.net_present),
            ]
        )
    return Table(
        "ledger",
        _("Savings ledger"),
        [
            _("Placement"),
            _("Candidate code"),
            _("Organization"),
            _("Sector"),
            _("Job start"),
            _("Employed until"),
            _("Status"),
            _("Months employed"),
            _("Hours worked"),
            _("Benefits"),
            _("Monthly benefit (€)"),
            _("Benefit months"),
            _("Benefit no longer paid (€)"),
            _("Taxes and contributions (€)"),
            _("Programme cost (€)"),
            _("Net savings (€)"),
            _("Net savings, discounted (€)"),
        ],
        rows,
    )


def assumptions_table(row: Any, parameters: Sequence[Any]) -> Table:
    when = row.created_at
    author = row.created_by.full_name if getattr(row, "created_by", None) else _("system")
    return Table(
        "assumptions",
        _("Assumptions, version %(version)s", version=row.version),
        [_("Key"), _("Assumption"), _("Value"), _("Source"), _("Version"), _("Author"), _("Date")],
        [
            [
                p.key,
                str(p.label),
                row.values.get(p.key),
                row.sources.get(p.key, ""),
                row.version,
                author,
                when,
            ]
            for p in parameters
        ],
    )


# --- writers ---------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, (Decimal, float)):
        return f"{value}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value)
    # A text cell starting like a formula is neutralised (CSV injection).
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(sheets: Sequence[tuple[Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM (what Excel in Italy opens directly);
    several tables are separated by an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for n, (headers, rows) in enumerate(sheets):
        if n:
            writer.writerow([])
        writer.writerow([_cell_text(h) for h in headers])
        for row in rows:
            writer.writerow([_cell_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, dict | list):
        return str(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """One worksheet per table (names cut to Excel's 31 characters)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=("".join(c for c in title if c not in "[]:*?/\\") or "Sheet")[:31])
        sheet.append([str(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filter_description(f: calc.Filters, operators: dict[int, str], locale: str) -> list[str]:
    out = []
    if f.operator_id is not None:
        out.append(_("Operator: %(name)s", name=operators.get(f.operator_id, f"#{f.operator_id}")))
    if f.comune:
        out.append(_("Comune: %(name)s", name=comune_name(f.comune)))
    if f.sector:
        out.append(_("Sector: %(name)s", name=sector_label(f.sector, locale)))
    if f.org_kind:
        from crm.organizations.models import OrganizationKind

        with contextlib.suppress(ValueError):
            out.append(_("Organization kind: %(name)s", name=label(OrganizationKind(f.org_kind))))
    return out
