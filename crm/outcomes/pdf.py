"""The governance report as a PDF (fpdf2 through :func:`crm.privacy.pdf.build_pdf`): the same figures
and methodology as the printable page, small counts suppressed in the breakdowns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.outcomes.assumptions import PARAMETERS
from crm.outcomes.labels import STEP_LABELS
from crm.privacy.pdf import build_pdf

# The methodology, as on the printable page (same messages, same translations).
_COUNTED = _l(
    "The funnel counts what happened in the period: organizations contacted (a call, e-mail, visit "
    "or meeting recorded as done), organizations visited, openings found, candidates presented to "
    "an employer, interviews, placements started, and the follow-ups due in the period at 3, 6 and "
    "12 months that confirmed the person still employed. Calls, visits and kilometres are activity "
    "(outputs) and are shown apart from the results (outcomes)."
)
_MONTHS = _l(
    "For each placement started in the period we count the whole months from the start, up to "
    "%(n)s. If the job ended, up to the end date; otherwise up to the last follow-up that "
    "confirmed the person still employed. A follow-up left unanswered more than %(days)s days "
    "after its due date is missing: the months after the last confirmation are not counted until "
    "it is recorded."
)
_SAVINGS = _l(
    "For each placement: the income support the person received when the job started (Assegno di "
    "Inclusione, Supporto per la Formazione e il Lavoro, NASpI, the comune's support), at the "
    "amount recorded or, failing that, at the assumed amount, times the share counted, for the "
    "months employed and no longer than the person would have been entitled; plus, if chosen, the "
    "taxes and contributions on the hours worked; minus the programme's cost per person. With a "
    "discount rate, each month is discounted to the start of the job."
)
_PRIVACY = _l(
    "Inside the hub people appear only by a pseudonymous code; this report shows aggregates only, "
    "and counts from 1 to 4 in breakdowns are shown as <5."
)
_LIMITS = _l(
    "These are estimates of public spending avoided, not measured cash flows: some people might "
    "have found work without the hub, and benefits depend on the household. The benchmark is an "
    "order of magnitude from studies of type-B social cooperatives, to be compared with care."
)


def _text(value: Any, euro: Any, pct: Any) -> str:
    from decimal import Decimal

    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return str(euro(value))
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _assumption_value(kind: str, value: Any, euro: Any) -> str:
    if kind == "bool":
        return _("yes") if value else _("no")
    if kind == "money":
        return str(euro(value, 2))
    if kind == "percent":
        return f"{value} %"
    return str(value)


def report_pdf(
    board: Any, tables: dict[str, Any], a: Any, row: Any, totals: Any, *, euro: Any, pct: Any, today: date
) -> bytes:
    start, end = board.start, board.end
    hires = next(s for s in board.funnel if s.key == "hires")
    r6 = board.retention[1]
    summary = [
        (_("Hires"), str(hires.count)),
        (_("Still employed at 6 months"), f"{pct(r6.rate)} ({r6.confirmed}/{r6.due})" if r6.due else "-"),
        (_("Hours worked"), str(board.hours_worked)),
        (_("Net savings"), euro(totals.net_present)),
        (_("Average per placement"), euro(totals.average_net)),
        (_("Per person and year of work"), euro(totals.net_per_person_year)),
        (_("Benchmark: type-B social cooperatives, per placed person per year"), euro(a.benchmark_per_year)),
    ]
    funnel = [
        (str(STEP_LABELS[s.key]), str(s.count) + ("" if s.rate is None else f"  ({pct(s.rate)})"))
        for s in board.funnel
    ]

    def table_rows(name: str, suppressed: bool) -> list[tuple[str, str]]:
        table = tables[name]
        rows: Sequence[Sequence[Any]] = table.exported_rows() if suppressed else table.rows
        return [
            (
                str(r[0]),
                "; ".join(
                    f"{h}: {_text(v, euro, pct)}" for h, v in zip(table.headers[1:], r[1:], strict=False)
                ),
            )
            for r in rows
        ]

    methodology = [
        (_("What is counted"), str(_COUNTED)),
        (_("Months employed"), str(_MONTHS) % {"n": a.horizon_months, "days": a.grace_days}),
        (_("Savings"), str(_SAVINGS)),
        (_("Privacy"), str(_PRIVACY)),
        (_("Limits"), str(_LIMITS)),
    ]
    assumptions = [
        (
            str(p.label),
            f"{_assumption_value(p.kind, row.values.get(p.key), euro)} - {row.sources.get(p.key, '')}",
        )
        for p in PARAMETERS
    ]
    sections = [
        (_("In short"), summary),
        (_("From contacts to lasting jobs"), funnel),
        (_("Activity (outputs)"), table_rows("outputs", False)),
        (
            _("Retention"),
            [
                (ngettext("%(num)s month", "%(num)s months", int(k)), v)
                for k, v in table_rows("retention", True)
            ],
        ),
        (_("Lasting placements by sector"), table_rows("sectors", True)),
        (_("Methodology"), methodology),
        (_("Assumptions and their sources"), assumptions),
    ]
    subtitle = "{} - {} · {}".format(
        format_date(start, "long"),
        format_date(end, "long"),
        _("Figures as of %(day)s; assumptions version %(v)s.", day=format_date(today, "long"), v=row.version),
    )
    return build_pdf(
        _("Outcomes and public savings"),
        sections,
        subtitle=subtitle,
        footer="Flor@Work · " + _("report for the governance meeting"),
    )
