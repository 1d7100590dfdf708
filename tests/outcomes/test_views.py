"""Outcome pages: who sees what, drill-downs, downloads, editing assumptions, freezing, income support."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.outcomes.models import AssumptionSet, BenefitRecord, LedgerFreeze
from crm.privacy.models import AccessAction, AccessLog
from tests.outcomes.conftest import Q1


def test_dashboard_for_coordinators_and_operators_not_admins(
    client, auth, placements, coordinator, operator, admin
):
    """Coordinators and operators see the dashboard; administrators get 403; anonymous users log in."""
    assert client.get("/outcomes/").status_code == 302
    auth.login(admin)
    assert client.get("/outcomes/", query_string=Q1).status_code == 403
    auth.logout()
    auth.login(operator)
    page = client.get("/outcomes/", query_string=Q1)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Outcomes: the funnel" in html and "<svg" in html
    assert "Open the ledger lines" not in html  # the lines are the coordinators'
    assert client.get("/outcomes/ledger", query_string=Q1).status_code == 403
    auth.logout()
    auth.login(coordinator)
    html = client.get("/outcomes/", query_string=Q1).get_data(as_text=True)
    assert "€ 700" in html and "Open the ledger lines" in html


def test_dashboard_with_bad_dates_and_filters_does_not_fail(client, auth, placements, coordinator):
    """Wrong dates fall back to the quarter with a message; filters and grouping render."""
    auth.login(coordinator)
    page = client.get("/outcomes/?from=2026-02-30&to=xx")
    assert page.status_code == 200 and "The period was not valid" in page.get_data(as_text=True)
    page = client.get("/outcomes/", query_string={**Q1, "sector": "N", "kind": "company", "group": "sector"})
    assert page.status_code == 200 and "Funnel by" in page.get_data(as_text=True)


def test_drill_down_from_hires_to_the_placements(client, auth, placements, coordinator):
    """The hires figure opens the placements behind it, by pseudonymous code."""
    auth.login(coordinator)
    html = client.get("/outcomes/step/hires", query_string=Q1).get_data(as_text=True)
    for candidate in placements.candidates:
        assert candidate.code in html
    assert client.get("/outcomes/step/nonsense").status_code == 404
    line = client.get(f"/outcomes/placements/{placements.missing.id}").get_data(as_text=True)
    assert "missing" in line and "€ 900.00" in line


def test_ledger_page_and_export_are_logged(client, auth, placements, coordinator):
    """Ledger lines and their export write the access log; the XLSX carries the assumptions."""
    auth.login(coordinator)
    html = client.get("/outcomes/ledger", query_string=Q1).get_data(as_text=True)
    assert placements.candidates[0].code in html
    response = client.get("/outcomes/ledger.xlsx", query_string=Q1)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert {"Ledger", "Assumptions", "Summary"} <= set(book.sheetnames)
    keys = [row[0] for row in book["Assumptions"].iter_rows(min_row=2, values_only=True)]
    assert "programme_cost" in keys and "adi_monthly" in keys
    actions = set(db.session.scalars(select(AccessLog.action)))
    assert {AccessAction.LIST, AccessAction.EXPORT} <= actions
    csv_text = client.get("/outcomes/ledger.csv", query_string=Q1).data.decode("utf-8-sig")
    assert "700,00" in csv_text and placements.candidates[1].code in csv_text


def test_table_downloads_suppress_small_counts(client, auth, placements, operator):
    """Three hires are exported as <5."""
    auth.login(operator)
    csv_text = client.get("/outcomes/data/funnel.csv", query_string=Q1).data.decode("utf-8-sig")
    assert "Hires;<5" in csv_text
    xlsx = client.get("/outcomes/data/sectors.xlsx", query_string=Q1)
    assert xlsx.status_code == 200
    assert client.get("/outcomes/data/nothing.csv", query_string=Q1).status_code == 404
    assert client.get("/outcomes/data/funnel.pdf", query_string=Q1).status_code == 404


def test_editing_assumptions_makes_a_version_and_shows_the_difference(client, auth, placements, coordinator):
    """A bad value re-renders with its error; a good one saves version 2 and opens the comparison."""
    auth.login(coordinator)
    form = client.get("/outcomes/assumptions/edit")
    assert form.status_code == 200
    current = db.session.scalars(select(AssumptionSet)).one()
    data = {f"value_{k}": v for k, v in current.values.items() if not isinstance(v, bool)}
    data |= {f"source_{k}": v for k, v in current.sources.items()}
    bad = client.post("/outcomes/assumptions/edit", data={**data, "value_counted_share": "150", "note": "x"})
    assert bad.status_code == 200 and "Outside the allowed range" in bad.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(AssumptionSet)) == 1
    good = client.post(
        "/outcomes/assumptions/edit", data={**data, "value_programme_cost": "2500", "note": "Bilancio 2026"}
    )
    assert good.status_code == 302 and "/outcomes/assumptions/2/compare" in good.headers["Location"]
    page = client.get("/outcomes/assumptions/2/compare?against=1&from=2026-01-01&to=2026-03-31")
    html = page.get_data(as_text=True)
    assert "-1,500" in html


def test_freezing_from_the_page(client, auth, placements, coordinator):
    """The coordinator freezes Q1; freezing it again is refused with a message."""
    auth.login(coordinator)
    response = client.post("/outcomes/freezes", data={"period_from": "2026-01-01", "period_to": "2026-03-31"})
    assert response.status_code == 302
    freeze = db.session.scalars(select(LedgerFreeze)).one()
    assert len(freeze.lines) == 3
    page = client.get(f"/outcomes/freezes/{freeze.id}").get_data(as_text=True)
    assert "Frozen ledger" in page
    again = client.post(
        "/outcomes/freezes",
        data={"period_from": "2026-01-01", "period_to": "2026-03-31"},
        follow_redirects=True,
    )
    assert "already frozen" in again.get_data(as_text=True)
    wrong = client.post("/outcomes/freezes", data={"period_from": "2026-03-01", "period_to": "2026-01-01"})
    assert wrong.status_code == 400
    dashboard = client.get("/outcomes/", query_string=Q1).get_data(as_text=True)
    assert "frozen" in dashboard


def test_income_support_by_the_follower_only(client, auth, placements, operator, make_user):
    """The following operator records income support; another operator is refused."""
    candidate = placements.candidates[0]
    auth.login(operator)
    page = client.get(f"/outcomes/benefits/{candidate.id}")
    assert page.status_code == 200 and "€ 500.00" in page.get_data(as_text=True)
    bad = client.post(
        f"/outcomes/benefits/{candidate.id}",
        data={"scheme": "municipal", "started_on": "2026-01-01", "entitled_until": "2025-01-01"},
    )
    assert bad.status_code == 400
    ok = client.post(
        f"/outcomes/benefits/{candidate.id}",
        data={"scheme": "municipal", "monthly_amount": "250", "started_on": "2025-06-01"},
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(BenefitRecord)) == 4
    lookup = client.get("/outcomes/benefits", query_string={"code": candidate.code.lower()})
    assert lookup.status_code == 302
    auth.logout()
    auth.login(make_user(Role.OPERATOR))
    assert client.get(f"/outcomes/benefits/{candidate.id}").status_code == 403


def test_printable_report(client, auth, placements, coordinator):
    """The report has the figures, the methodology and the sources, with print CSS."""
    auth.login(coordinator)
    html = client.get("/outcomes/report", query_string=Q1).get_data(as_text=True)
    assert "Methodology" in html and "D.L. 48/2023" in html and "outcomes.css" in html
    assert date(2026, 1, 1).year == 2026


def test_pages_with_no_data(client, auth, coordinator):
    """Every page renders on an empty database."""
    auth.login(coordinator)
    for path in (
        "/outcomes/",
        "/outcomes/ledger",
        "/outcomes/report",
        "/outcomes/assumptions",
        "/outcomes/freezes",
        "/outcomes/benefits",
        "/outcomes/step/hires",
        "/outcomes/assumptions/1/compare",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/outcomes/placements/999").status_code == 404
    assert client.get("/outcomes/freezes/999").status_code == 404


def test_report_as_pdf(client, auth, placements, coordinator, operator):
    """The PDF has the figures and the methodology; operators cannot download it."""
    auth.login(coordinator)
    response = client.get("/outcomes/report.pdf", query_string=Q1)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert b"Methodology" in response.data and b"Hires" in response.data
    auth.logout()
    auth.login(operator)
    assert client.get("/outcomes/report.pdf", query_string=Q1).status_code == 403


def test_table_rows_drill_down_to_the_ledger(client, auth, placements, coordinator, operator):
    """Sector and month rows open the ledger (coordinators) or the hires (operators) behind them."""
    auth.login(coordinator)
    html = client.get("/outcomes/", query_string=Q1).get_data(as_text=True)
    assert "/outcomes/ledger?from=2026-01-01&amp;to=2026-03-31&amp;sector=N" in html
    assert "/outcomes/ledger?from=2026-02-01&amp;to=2026-02-28" in html
    lines = client.get("/outcomes/ledger?from=2026-02-01&to=2026-02-28").get_data(as_text=True)
    assert placements.candidates[1].code in lines and placements.candidates[0].code not in lines
    auth.logout()
    auth.login(operator)
    html = client.get("/outcomes/", query_string=Q1).get_data(as_text=True)
    assert "/outcomes/step/hires?from=2026-01-01&amp;to=2026-03-31&amp;sector=N" in html
