"""``flask --app crm outcomes report --from YYYY-MM-DD --to YYYY-MM-DD [--format text|csv|json]`` and
``flask --app crm outcomes freeze --from YYYY-MM-DD --to YYYY-MM-DD --by EMAIL [--note TEXT]``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

import click
from flask.cli import with_appcontext


def _date(ctx: Any, param: Any, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise click.BadParameter("expected YYYY-MM-DD") from exc


def report_data(start: date, end: date, **filters: Any) -> dict[str, Any]:
    """The period's funnel, outputs, outcomes and savings as plain JSON-ready data."""
    from crm.outcomes import calc, services
    from crm.outcomes.labels import STEP_LABELS

    board = services.dashboard(start, end, calc.Filters(**filters))
    freeze = board.freeze
    a = services.typed(board.assumptions)
    live = board.totals
    if freeze is not None:
        frozen = calc.ledger_totals(freeze.lines)
        total, version = frozen.net_present, freeze.assumption_set.version
        shown = frozen
    else:
        total, version, shown = live.net_present, board.assumptions.version, live
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "as_of": board.as_of.isoformat(),
        "filters": {k: v for k, v in filters.items() if v is not None},
        "funnel": [
            {
                "step": s.key,
                "label": str(STEP_LABELS[s.key]),
                "count": s.count,
                "rate": None if s.rate is None else round(s.rate, 4),
            }
            for s in board.funnel
        ],
        "outputs": {
            "calls": board.outputs.calls,
            "emails": board.outputs.emails,
            "visits": board.outputs.visits,
            "meetings": board.outputs.meetings,
            "km": board.outputs.km,
        },
        "outcomes": {
            "hires": next(s.count for s in board.funnel if s.key == "hires"),
            "hours_worked": board.hours_worked,
            "retention": [
                {
                    "months": r.months,
                    "due": r.due,
                    "confirmed": r.confirmed,
                    "ended": r.ended,
                    "missing": r.missing,
                    "pending": r.pending,
                    "rate": None if r.rate is None else round(r.rate, 4),
                }
                for r in board.retention
            ],
            "days_to_first_presentation_median": board.to_presentation.median_days,
            "days_to_hire_median": board.to_hire.median_days,
        },
        "savings": {
            "total": str(total),
            "currency": "EUR",
            "assumptions_version": version,
            "frozen": freeze is not None,
            "live_total": str(live.net_present),
            "live_assumptions_version": board.assumptions.version,
            "undiscounted_total": str(shown.net),
            "benefit_saved": str(shown.benefit_saved),
            "taxes": str(shown.taxes),
            "programme_cost": str(shown.programme_cost),
            "lines": shown.lines,
            "average_per_placement": None if shown.average_net is None else str(shown.average_net),
            "per_person_year": None if shown.net_per_person_year is None else str(shown.net_per_person_year),
            "benchmark_per_person_year": str(a.benchmark_per_year),
        },
    }


@click.group("outcomes")
def outcomes_cli() -> None:
    """Outcomes and the public-savings ledger."""


@outcomes_cli.command("report")
@click.option("--from", "start", required=True, callback=_date, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=_date, help="Last day, YYYY-MM-DD.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True
)
@click.option(
    "--operator", "operator_id", type=int, default=None, help="Only this operator's work (user id)."
)
@click.option("--comune", default=None, help="ISTAT code of the organizations' comune.")
@click.option("--sector", default=None, help="ATECO section letter.")
@click.option("--kind", "org_kind", default=None, help="Organization kind (company, coop_b…).")
@with_appcontext
def report_command(
    start: date,
    end: date,
    fmt: str,
    operator_id: int | None,
    comune: str | None,
    sector: str | None,
    org_kind: str | None,
) -> None:
    """Print the funnel and the savings for the period (aggregates only: no person is named)."""
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    from flask_babel import force_locale

    with force_locale("en"):  # the terminal speaks English, like the other commands
        data = report_data(
            start,
            end,
            operator_id=operator_id,
            comune=comune,
            sector=(sector or "").upper() or None,
            org_kind=org_kind,
        )
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(["section", "key", "value"])
        for step in data["funnel"]:
            writer.writerow(["funnel", step["step"], step["count"]])
        for key, value in data["outputs"].items():
            writer.writerow(["outputs", key, value])
        writer.writerow(["outcomes", "hours_worked", data["outcomes"]["hours_worked"]])
        for r in data["outcomes"]["retention"]:
            writer.writerow(["retention", f"{r['months']}_months_confirmed", r["confirmed"]])
            writer.writerow(["retention", f"{r['months']}_months_due", r["due"]])
        for key, value in data["savings"].items():
            writer.writerow(["savings", key, value])
        click.echo(buffer.getvalue(), nl=False)
        return
    s = data["savings"]
    click.echo(f"Outcomes {data['period']['from']} – {data['period']['to']} (as of {data['as_of']})")
    click.echo("Funnel:")
    for step in data["funnel"]:
        rate = "" if step["rate"] is None else f"  ({step['rate']:.0%} of the previous step)"
        click.echo(f"  {step['label']:<32} {step['count']:>6}{rate}")
    o = data["outputs"]
    click.echo(
        f"Outputs: {o['calls']} calls, {o['emails']} e-mails, {o['visits']} visits, "
        f"{o['meetings']} meetings, "
        f"{o['km']} km"
    )
    click.echo(f"Hours worked (confirmed): {data['outcomes']['hours_worked']}")
    frozen = " (frozen)" if s["frozen"] else ""
    click.echo(
        f"Savings{frozen}: EUR {s['total']} over {s['lines']} placements, "
        f"assumptions version {s['assumptions_version']}"
    )
    if s["average_per_placement"] is not None:
        click.echo(
            f"  average per placement EUR {s['average_per_placement']}; per person-year EUR "
            f"{s['per_person_year']} (benchmark EUR {s['benchmark_per_person_year']})"
        )


@outcomes_cli.command("freeze")
@click.option("--from", "start", required=True, callback=_date, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=_date, help="Last day, YYYY-MM-DD.")
@click.option("--by", "by_email", required=True, metavar="EMAIL", help="The coordinator freezing it.")
@click.option("--note", default=None, help="Why it is frozen (e.g. the committee it is for), 300 characters.")
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Freeze even if the period shares days with a frozen one (e.g. the year after its quarters).",
)
@with_appcontext
def freeze_command(start: date, end: date, by_email: str, note: str | None, allow_overlap: bool) -> None:
    """Freeze the ledger of a period that has ended, as the page "Frozen ledgers" does: its lines are
    stored with the current assumptions and never recomputed.

    A period sharing days with a frozen one is refused unless --allow-overlap is given (the same
    placement would be reported in two frozen ledgers); the same period can never be frozen twice.
    """
    from sqlalchemy import func, select

    from crm.auth.models import User
    from crm.extensions import db
    from crm.outcomes import calc, services
    from crm.permissions import is_candidate_coordinator

    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    email = by_email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise click.BadParameter(f"no user with e-mail {by_email}", param_hint="--by")
    if not user.active:
        raise click.BadParameter(f"{by_email} is deactivated", param_hint="--by")
    if not is_candidate_coordinator(user):
        raise click.BadParameter(
            f"{by_email} is not a coordinator: only coordinators freeze the ledger", param_hint="--by"
        )
    today = services.today()
    if end >= today:
        raise click.BadParameter(
            f"only a period that has ended can be frozen (today is {today.isoformat()})", param_hint="--to"
        )
    overlapping = services.overlapping_freezes(start, end)
    same = [f for f in overlapping if f.period_from == start and f.period_to == end]
    if same:
        raise click.ClickException(
            f"{start.isoformat()} – {end.isoformat()} is already frozen (freeze #{same[0].id})."
        )
    if overlapping and not allow_overlap:
        periods = ", ".join(
            f"#{f.id} {f.period_from.isoformat()} – {f.period_to.isoformat()}" for f in overlapping
        )
        raise click.ClickException(
            f"{start.isoformat()} – {end.isoformat()} overlaps frozen period(s) {periods}; "
            "use --allow-overlap to freeze it anyway."
        )
    try:
        row = services.freeze_ledger(start, end, by=user, note=note, as_of=today)
    except services.OutcomeError as exc:  # someone froze it meanwhile, or another refusal
        raise click.ClickException(f"The ledger could not be frozen: {exc}.") from None
    totals = calc.ledger_totals(row.lines)
    click.echo(
        f"Ledger {start.isoformat()} – {end.isoformat()} frozen (freeze #{row.id}): {len(row.lines)} lines, "
        f"EUR {totals.net_present} net present value, assumptions version {row.assumption_set.version}."
    )
