"""Outcome pages: the dashboard (operators read-only, coordinators), drill-downs to the records,
downloads; the ledger, its lines and exports, the assumptions, freezing and income support
(coordinators; the follower for a person's income support). Administrators see none of it: they
manage accounts, not the people the hub helps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from crm.auth.models import Role, User
from crm.candidates.models import Candidate
from crm.extensions import db
from crm.labels import choices as enum_choices
from crm.organizations.models import Organization, OrganizationKind
from crm.outcomes import calc, services
from crm.outcomes import tables as t
from crm.outcomes.assumptions import PARAMETERS, AssumptionError
from crm.outcomes.charts import column_chart, hbar_chart
from crm.outcomes.cli import freeze_command, report_command
from crm.outcomes.forms import AssumptionsForm, BenefitForm, FreezeForm
from crm.outcomes.labels import DIMENSION_LABELS, STATUS_LABELS, STEP_LABELS, scheme_label
from crm.outcomes.models import BenefitRecord, LedgerFreeze
from crm.permissions import can_manage_candidate, candidate_access_required
from crm.privacy.models import AccessAction
from crm.privacy.notes import N_, note
from crm.reference.ateco import sections
from crm.reference.places import comune_name

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
bp.cli.add_command(report_command)  # flask --app crm outcomes report …
bp.cli.add_command(freeze_command)  # flask --app crm outcomes freeze …

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _locale() -> str:
    return str(get_locale() or "it")


@bp.app_template_filter("euro")
def euro(value: Any, digits: int = 0) -> str:
    """€ 1.234 (Italian grouping); negative amounts keep their sign."""
    if value is None:
        return "—"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return "€ " + str(format_decimal(Decimal(value), pattern))


@bp.app_template_filter("pct")
def pct(value: float | None) -> str:
    return "—" if value is None else str(format_decimal(value * 100, "#,##0")) + " %"


# --- request arguments -----------------------------------------------------------------------------


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _period() -> tuple[date, date, str]:
    """The period asked for (``from``/``to`` or a ``period`` preset); the current quarter otherwise.
    A wrong date is reported and replaced, never a 500."""
    presets = services.preset_periods(services.today())
    key = request.args.get("period") or ""
    start, end = _parse_day(request.args.get("from")), _parse_day(request.args.get("to"))
    raw = request.args.get("from") or request.args.get("to")
    if start and end and start <= end and (end - start).days <= 3 * 366:
        return start, end, "custom"
    if raw and request.method == "GET":
        flash(
            _("The period was not valid (dates as YYYY-MM-DD, at most three years): showing the quarter."),
            "warning",
        )
    if key in presets:
        return *presets[key], key
    return *presets["quarter"], "quarter"


def _filters() -> calc.Filters:
    args = request.args
    kind = args.get("kind") or None
    sector = (args.get("sector") or "").upper() or None
    return calc.Filters(
        operator_id=args.get("operator", type=int),
        comune=args.get("comune") or None,
        sector=sector if sector and len(sector) == 1 else None,
        org_kind=kind if kind in OrganizationKind._value2member_map_ else None,
    )


def _period_args(start: date, end: date, f: calc.Filters | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
    if f is not None:
        args |= {
            "operator": f.operator_id,
            "comune": f.comune,
            "sector": f.sector,
            "kind": f.org_kind,
        }
    return {k: v for k, v in args.items() if v is not None}


def _staff() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_((Role.OPERATOR, Role.COORDINATOR))).order_by(User.full_name)
        )
    )


def _comuni() -> list[tuple[str, str]]:
    codes = db.session.scalars(
        select(Organization.comune_code).where(Organization.comune_code.is_not(None)).distinct()
    )
    return sorted(((c, comune_name(c)) for c in codes if c), key=lambda x: x[1])


def _download(data: bytes, name: str, fmt: str) -> Response:
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"},
    )


# --- the dashboard ---------------------------------------------------------------------------------


def _charts(board: services.Dashboard) -> dict[str, Any]:
    steps = [(str(STEP_LABELS[s.key]), s.count) for s in board.funnel]
    return {
        "funnel": hbar_chart(steps, title=_("Funnel"), highlight_from=5),
        "hires": column_chart(
            [(datetime.strftime(p.month, "%m/%y"), p.hires) for p in board.trend], title=_("Hires per month")
        ),
        "savings": column_chart(
            [(datetime.strftime(p.month, "%m/%y"), p.net) for p in board.trend],
            title=_("Net savings of the placements started each month (€)"),
        ),
        "sectors": hbar_chart(
            [(t.sector_label(r.key, _locale()), r.placements) for r in board.by_sector[:10]],
            title=_("Placements by sector"),
            highlight_from=0,
        ),
    }


@bp.route("/")
@candidate_access_required()
def index() -> str:
    start, end, preset = _period()
    f = _filters()
    board = services.dashboard(start, end, f)
    staff = _staff()
    tables = t.dashboard_tables(board, locale=_locale())
    dimension = request.args.get("group")
    groups = None
    if dimension in DIMENSION_LABELS:
        groups = t.group_table(str(DIMENSION_LABELS[dimension]), _group_values(dimension, start, end, staff))
    # Drill-down targets of the tables' rows: the ledger lines for coordinators, the placements
    # behind the hires for operators.
    target = "outcomes.ledger" if services.can_read_ledger(current_user) else "outcomes.step"
    extra = {} if target == "outcomes.ledger" else {"key": "hires"}
    sector_links = [
        url_for(target, **extra, **dict(_period_args(start, end, f), sector=r.key)) if r.key else None
        for r in board.by_sector
    ]
    trend_links = [
        url_for(
            target,
            **extra,
            **dict(_period_args(p.month, calc.add_months(p.month, 1) - timedelta(days=1), f)),
        )
        for p in board.trend
    ]
    return render_template(
        "outcomes/index.html",
        sector_links=sector_links,
        trend_links=trend_links,
        board=board,
        tables=tables,
        charts=_charts(board),
        start=start,
        end=end,
        preset=preset,
        presets=services.preset_periods(services.today()),
        filters=f,
        filter_text=t.filter_description(f, {u.id: u.full_name for u in staff}, _locale()),
        args=_period_args(start, end, f),
        staff=staff,
        comuni=_comuni(),
        sectors=sections(),
        kinds=enum_choices(OrganizationKind),
        dimension=dimension,
        dimensions=DIMENSION_LABELS,
        groups=groups,
        a=services.typed(board.assumptions),
        frozen=calc.ledger_totals(board.freeze.lines) if board.freeze else None,
        can_read_ledger=services.can_read_ledger(current_user),
        step_labels=STEP_LABELS,
        status_labels=STATUS_LABELS,
        closed=end < services.today(),
    )


def _group_values(dimension: str, start: date, end: date, staff: list[User]) -> list[tuple[str, Any]]:
    if dimension == "operator_id":
        values: list[tuple[Any, str]] = [(u.id, u.full_name) for u in staff]
    elif dimension == "comune":
        values = _comuni()
    elif dimension == "sector":
        values = [(s.letter, t.sector_label(s.letter, _locale())) for s in sections()]
    else:
        values = [(c.value, str(c.label)) for c in enum_choices(OrganizationKind)]
    rows = services.group_funnels(start, end, dimension, values)
    # Groups where nothing happened are left out.
    return [(name, steps) for name, steps in rows if any(s.count for s in steps)]


@bp.route("/step/<key>")
@candidate_access_required()
def step(key: str) -> str:
    if key not in STEP_LABELS:
        abort(404)
    start, end, _preset = _period()
    f = _filters()
    data = services.load_data(interactions_from=start, interactions_to=end)
    found = next(s for s in calc.funnel(data.funnel, start, end, f) if s.key == key)
    return render_template(
        "outcomes/step.html",
        step=found,
        label=STEP_LABELS[key],
        records=services.step_records(found),
        start=start,
        end=end,
        args=_period_args(start, end, f),
        can_read_ledger=services.can_read_ledger(current_user),
    )


@bp.route("/data/<name>.<fmt>")
@candidate_access_required()
def table_download(name: str, fmt: str) -> Response:
    """One dashboard table as CSV or XLSX, small counts suppressed."""
    if fmt not in MIMETYPES:
        abort(404)
    start, end, _preset = _period()
    f = _filters()
    board = services.dashboard(start, end, f)
    if name == "groups":
        dimension = request.args.get("group")
        if dimension not in DIMENSION_LABELS:
            abort(404)
        table = t.group_table(
            str(DIMENSION_LABELS[dimension]), _group_values(dimension, start, end, _staff())
        )
    else:
        found = t.dashboard_tables(board, locale=_locale()).get(name)
        if found is None:
            abort(404)
        table = found
    period = [_("Period"), start.isoformat(), end.isoformat()]
    note = [_("Counts from 1 to 4 are shown as <5.")]
    rows = table.exported_rows()
    filename = f"esiti-{name}-{start.isoformat()}-{end.isoformat()}"
    if fmt == "csv":
        return _download(t.to_csv([(period, [note]), (table.headers, rows)]), filename, fmt)
    return _download(
        t.to_xlsx([(table.title, table.headers, rows), (_("Period"), period, [note])]), filename, fmt
    )


# --- the ledger ------------------------------------------------------------------------------------


@bp.route("/ledger")
@candidate_access_required(coordinator=True)
def ledger() -> str:
    start, end, _preset = _period()
    f = _filters()
    board = services.dashboard(start, end, f)
    status = request.args.get("status")
    lines = [x for x in board.lines if status is None or x.status == status]
    services.log_ledger_access(
        lines, by=current_user, action=AccessAction.LIST, detail=N_("outcomes: ledger lines")
    )
    return render_template(
        "outcomes/ledger.html",
        board=board,
        lines=lines,
        totals=calc.ledger_totals(lines),
        status=status,
        status_labels=STATUS_LABELS,
        scheme_label=scheme_label,
        a=services.typed(board.assumptions),
        start=start,
        end=end,
        args=_period_args(start, end, f),
        freeze_form=FreezeForm(data={"period_from": start, "period_to": end}),
        closed=end < services.today(),
    )


@bp.route("/ledger.<fmt>")
@candidate_access_required(coordinator=True)
def ledger_export(fmt: str) -> Response:
    """The period's ledger lines with the assumptions used, for external evaluation."""
    if fmt not in MIMETYPES:
        abort(404)
    start, end, _preset = _period()
    board = services.dashboard(start, end, _filters())
    services.log_ledger_access(
        board.lines,
        by=current_user,
        action=AccessAction.EXPORT,
        detail=note(N_("outcomes: ledger export"), fmt.upper()),
    )
    return _ledger_file(board.lines, board.assumptions, start, end, fmt, frozen=None)


def _ledger_file(
    lines: list[Any], assumption_row: Any, start: date, end: date, fmt: str, *, frozen: Any
) -> Response:
    table = t.ledger_table(lines)
    totals = calc.ledger_totals(lines)
    summary_headers = [_("Period"), _("From"), _("To")]
    summary_rows = [
        [_("Ledger"), start, end],
        [
            _("Frozen on"),
            frozen.created_at
            if frozen
            else _("not frozen: computed on %(day)s", day=services.today().isoformat()),
            "",
        ],
        [_("Lines"), totals.lines, ""],
        [_("Net savings (€)"), totals.net, ""],
        [_("Net savings, discounted (€)"), totals.net_present, ""],
        [_("Average per placement (€)"), totals.average_net, ""],
        [_("Assumptions version"), assumption_row.version, ""],
    ]
    assumptions = t.assumptions_table(assumption_row, PARAMETERS)
    filename = f"registro-risparmi-{start.isoformat()}-{end.isoformat()}"
    if fmt == "csv":
        return _download(
            t.to_csv(
                [
                    (summary_headers, summary_rows),
                    (table.headers, table.rows),
                    (assumptions.headers, assumptions.rows),
                ]
            ),
            filename,
            fmt,
        )
    return _download(
        t.to_xlsx(
            [
                (_("Ledger"), table.headers, table.rows),
                (_("Assumptions"), assumptions.headers, assumptions.rows),
                (_("Summary"), summary_headers, summary_rows),
            ]
        ),
        filename,
        fmt,
    )


@bp.route("/placements/<int:placement_id>")
@candidate_access_required(coordinator=True)
def placement(placement_id: int) -> str:
    """One ledger line down to its follow-ups and income support, with the computation spelt out."""
    row = services.placement_detail(placement_id)
    fact = services.placement_fact(placement_id)
    if row is None or fact is None:
        abort(404)
    assumption_row = services.current_assumption_set()
    a = services.typed(assumption_row)
    as_of = services.today()
    line = calc.ledger_line(fact, a, as_of=as_of)
    job = calc.employment(fact, as_of=as_of, horizon_months=a.horizon_months, grace_days=a.grace_days)
    benefits = services.read_benefits(row.entry.candidate, by=current_user)
    return render_template(
        "outcomes/placement.html",
        placement=row,
        fact=fact,
        line=line,
        job=job,
        a=a,
        assumption_row=assumption_row,
        benefits=benefits,
        status_labels=STATUS_LABELS,
        scheme_label=scheme_label,
        as_of=as_of,
    )


# --- assumptions -----------------------------------------------------------------------------------


@bp.route("/assumptions")
@candidate_access_required(coordinator=True)
def assumptions() -> str:
    current = services.current_assumption_set()
    return render_template(
        "outcomes/assumptions.html",
        current=current,
        history=services.assumption_history(),
        parameters=PARAMETERS,
    )


@bp.route("/assumptions/edit", methods=["GET", "POST"])
@candidate_access_required(coordinator=True)
def edit_assumptions() -> str | WerkzeugResponse:
    current = services.current_assumption_set()
    form = AssumptionsForm.build(
        current.values, current.sources, formdata=request.form if request.method == "POST" else None
    )
    if form.validate_on_submit():
        try:
            row = services.save_assumptions(
                form.values(), form.sources(), note=form.note.data, by=current_user
            )
        except AssumptionError as exc:
            form[f"value_{exc.key}"].errors.append(_("Enter a valid value."))
        except services.OutcomeError:
            flash(_("Nothing changed: no new version was saved."), "info")
            return redirect(url_for("outcomes.assumptions"))
        else:
            flash(_("Assumptions saved as version %(version)s.", version=row.version), "success")
            return redirect(url_for("outcomes.compare", version=row.version, against=current.version))
    return render_template("outcomes/assumptions_form.html", form=form, current=current)


@bp.route("/assumptions/<int:version>/compare")
@candidate_access_required(coordinator=True)
def compare(version: int) -> str:
    """The ledger of a period with this version against another (the previous one by default)."""
    after = services.assumption_set(version)
    before = services.assumption_set(request.args.get("against", version - 1, type=int))
    if after is None:
        abort(404)
    if before is None:
        flash(_("There is no earlier version to compare with."), "info")
        before = after
    start, end, _preset = (
        _period()
        if request.args.get("from")
        else (*services.preset_periods(services.today())["last_12_months"], "last_12_months")
    )
    old, new, diffs = services.recompute_with(start, end, before, after)
    services.log_ledger_access(
        new, by=current_user, action=AccessAction.LIST, detail=N_("outcomes: assumptions comparison")
    )
    changed = [p for p in PARAMETERS if before.values.get(p.key) != after.values.get(p.key)]
    return render_template(
        "outcomes/compare.html",
        before=before,
        after=after,
        changed=changed,
        old_totals=calc.ledger_totals(old),
        new_totals=calc.ledger_totals(new),
        diffs=[d for d in diffs if d.delta != 0],
        unchanged=sum(1 for d in diffs if d.delta == 0),
        start=start,
        end=end,
        versions=services.assumption_history(),
    )


# --- freezing --------------------------------------------------------------------------------------


@bp.route("/freezes")
@candidate_access_required(coordinator=True)
def freezes() -> str:
    return render_template("outcomes/freezes.html", freezes=services.freezes(), form=FreezeForm())


@bp.route("/freezes", methods=["POST"])
@candidate_access_required(coordinator=True)
def freeze() -> str | WerkzeugResponse:
    form = FreezeForm()
    if not form.validate_on_submit():
        return render_template("outcomes/freezes.html", freezes=services.freezes(), form=form), 400  # type: ignore[return-value]
    try:
        row = services.freeze_ledger(
            form.period_from.data, form.period_to.data, by=current_user, note=form.note.data
        )
    except services.OutcomeError as exc:
        messages = {
            "only a closed period can be frozen": _("Only a period that has ended can be frozen."),
            "this period is already frozen": _("This period is already frozen."),
            "the period ends before it starts": _("The period ends before it starts."),
        }
        flash(messages.get(str(exc), _("The ledger could not be frozen.")), "danger")
        return redirect(url_for("outcomes.freezes"))
    flash(
        _(
            "Ledger frozen: %(n)s lines stored with assumptions version %(version)s.",
            n=len(row.lines),
            version=row.assumption_set.version,
        ),
        "success",
    )
    return redirect(url_for("outcomes.frozen", freeze_id=row.id))


def _load_freeze(freeze_id: int) -> LedgerFreeze:
    return db.get_or_404(LedgerFreeze, freeze_id)


@bp.route("/freezes/<int:freeze_id>")
@candidate_access_required(coordinator=True)
def frozen(freeze_id: int) -> str:
    row = _load_freeze(freeze_id)
    board = services.dashboard(row.period_from, row.period_to)
    diffs = calc.compare_ledgers(row.lines, board.lines)
    services.log_ledger_access(
        row.lines, by=current_user, action=AccessAction.LIST, detail=N_("outcomes: frozen ledger")
    )
    return render_template(
        "outcomes/frozen.html",
        freeze=row,
        totals=calc.ledger_totals(row.lines),
        live=board.totals,
        live_version=board.assumptions.version,
        diffs=[d for d in diffs if d.delta != 0],
        status_labels=STATUS_LABELS,
        scheme_label=scheme_label,
    )


@bp.route("/freezes/<int:freeze_id>.<fmt>")
@candidate_access_required(coordinator=True)
def frozen_export(freeze_id: int, fmt: str) -> Response:
    if fmt not in MIMETYPES:
        abort(404)
    row = _load_freeze(freeze_id)
    services.log_ledger_access(
        row.lines,
        by=current_user,
        action=AccessAction.EXPORT,
        detail=note(N_("outcomes: frozen ledger export"), fmt.upper()),
    )
    return _ledger_file(list(row.lines), row.assumption_set, row.period_from, row.period_to, fmt, frozen=row)


# --- income support --------------------------------------------------------------------------------


@bp.route("/benefits")
@candidate_access_required()
def benefits_lookup() -> str | WerkzeugResponse:
    """Find a person by pseudonymous code to record their income support."""
    code = (request.args.get("code") or "").strip().upper()
    if code:
        candidate = db.session.scalars(select(Candidate).where(Candidate.code == code)).first()
        if candidate is not None and can_manage_candidate(current_user, candidate):
            return redirect(url_for("outcomes.benefits", candidate_id=candidate.id))
        flash(_("No candidate you follow has the code %(code)s.", code=code), "warning")
    return render_template("outcomes/benefits_lookup.html", overview=services.benefit_overview(), code=code)


def _candidate(candidate_id: int) -> Candidate:
    candidate = db.get_or_404(Candidate, candidate_id)
    if not can_manage_candidate(current_user, candidate) or candidate.is_erased:
        abort(403)
    return candidate


@bp.route("/benefits/<int:candidate_id>", methods=["GET", "POST"])
@candidate_access_required()
def benefits(candidate_id: int) -> str | WerkzeugResponse:
    candidate = _candidate(candidate_id)
    form = BenefitForm()
    form.set_choices()
    if form.validate_on_submit():
        try:
            services.add_benefit(
                candidate,
                {
                    "scheme": form.scheme.data,
                    "monthly_amount": form.monthly_amount.data,
                    "started_on": form.started_on.data,
                    "entitled_until": form.entitled_until.data,
                    "note": form.note.data,
                },
                by=current_user,
            )
        except services.OutcomeError:
            form.entitled_until.errors.append(_("The entitlement cannot end before it starts."))
        else:
            flash(_("Income support recorded."), "success")
            return redirect(url_for("outcomes.benefits", candidate_id=candidate.id))
    status = 400 if request.method == "POST" else 200
    records = services.read_benefits(candidate, by=current_user)
    a = services.typed(services.current_assumption_set())
    return render_template(
        "outcomes/benefits.html",
        candidate=candidate,
        records=records,
        form=form,
        a=a,
        scheme_label=scheme_label,
    ), status  # type: ignore[return-value]


@bp.route("/benefits/record/<int:record_id>/delete", methods=["POST"])
@candidate_access_required()
def delete_benefit(record_id: int) -> WerkzeugResponse:
    record = db.get_or_404(BenefitRecord, record_id)
    candidate = _candidate(record.candidate_id)
    services.delete_benefit(record, by=current_user)
    flash(_("Income support removed."), "success")
    return redirect(url_for("outcomes.benefits", candidate_id=candidate.id))


# --- the printable report --------------------------------------------------------------------------


@bp.route("/report.pdf")
@candidate_access_required(coordinator=True)
def report_pdf() -> Response:
    """The same report as a PDF (fpdf2): aggregates only, small counts suppressed."""
    from crm.outcomes.pdf import report_pdf as build

    start, end, _preset = _period()
    board = services.dashboard(start, end)
    row = board.freeze.assumption_set if board.freeze else board.assumptions
    totals = calc.ledger_totals(board.freeze.lines) if board.freeze else board.totals
    data = build(
        board,
        t.dashboard_tables(board, locale=_locale()),
        services.typed(row),
        row,
        totals,
        euro=euro,
        pct=pct,
        today=services.today(),
    )
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="rapporto-esiti-{start}-{end}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/report")
@candidate_access_required(coordinator=True)
def report() -> str:
    """The governance meeting's report: figures, trend, methodology; small groups suppressed."""
    start, end, _preset = _period()
    board = services.dashboard(start, end)
    tables = t.dashboard_tables(board, locale=_locale())
    return render_template(
        "outcomes/report.html",
        board=board,
        tables=tables,
        charts=_charts(board),
        start=start,
        end=end,
        a=services.typed(board.assumptions),
        frozen=calc.ledger_totals(board.freeze.lines) if board.freeze else None,
        parameters=PARAMETERS,
        step_labels=STEP_LABELS,
        today=services.today(),
    )
