"""The foundation's main path in a real browser: log in, search, create an organization (a wrong
Partita IVA is refused, then fixed), log a visit and see it on the timeline; once on a phone."""

from __future__ import annotations

import re

from crm.extensions import db
from crm.organizations.models import Organization, OrganizationKind, OrganizationStatus
from crm.reference.places import comune_by_name
from tests.organizations.helpers import valid_vat


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base_url + "/")


def _seed_organization(owner_id: int) -> Organization:
    empoli = comune_by_name("Empoli")
    org = Organization(
        legal_name="Calzaturificio Bellandi S.r.l.",
        kind=OrganizationKind.COMPANY,
        status=OrganizationStatus.PROSPECT,
        comune_code=empoli.istat_code,
        owner_id=owner_id,
        search_text="calzaturificio bellandi s.r.l.",
    )
    db.session.add(org)
    db.session.commit()
    return org


def test_operator_finds_creates_and_logs_a_visit(live_server, page, operator, password):
    """The path a new operator takes on the first day, in Chromium with CSRF on."""
    _seed_organization(operator.id)
    base = live_server.url
    _log_in(page, base, operator.email, password)

    # Search, accents and case ignored.
    page.goto(base + "/organizations/")
    page.fill("input[name=q]", "BELLANDI")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url(re.compile(r".*q=BELLANDI.*"))
    page.get_by_role("link", name="Calzaturificio Bellandi S.r.l.").first.wait_for()

    # Create one with a wrong Partita IVA: the field error shows and the input is kept.
    page.goto(base + "/organizations/new")
    page.fill("#legal_name", "Pelletteria Fiorentina S.r.l.")
    page.select_option("#kind", "company")
    page.fill("#vat_number", "12345678901")
    page.select_option("#comune_code", comune_by_name("Firenze").istat_code)
    page.fill("#cap", "50122")
    page.locator("form button[type=submit]").last.click()
    error = page.locator("#vat_number ~ .invalid-feedback")
    error.wait_for()
    assert "IVA" in error.inner_text()
    assert page.input_value("#legal_name") == "Pelletteria Fiorentina S.r.l."

    # Fix it and save.
    page.fill("#vat_number", valid_vat(1234567))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/organizations/\d+$"))
    assert "Pelletteria Fiorentina S.r.l." in page.locator("h1").inner_text()
    organization_url = page.url

    # Log a visit from the organization page and find it on the timeline.
    page.locator("a[href*='/interactions/new/']").first.click()
    page.select_option("#kind", "visit")
    page.fill("#subject", "Primo incontro con il titolare")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(re.escape(organization_url) + r".*"))
    assert "Primo incontro con il titolare" in page.locator("#interactions").inner_text()


def test_the_organization_list_works_on_a_phone(live_server, phone_page, operator, password):
    """On a phone-sized screen the menu collapses and the list is still searchable and readable."""
    _seed_organization(operator.id)
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    page.goto(base + "/organizations/?q=bellandi")
    page.get_by_role("link", name="Calzaturificio Bellandi S.r.l.").first.wait_for()
    # No horizontal scrolling of the whole page on a 390 px wide screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.locator("#mainNav .dropdown-toggle").first.click()
    page.locator("#mainNav a[href='/organizations/']").wait_for(state="visible")
