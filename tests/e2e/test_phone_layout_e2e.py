"""Pages with wide tables stay inside a 390 px phone screen: the table scrolls, not the page."""

from __future__ import annotations

import pytest

from crm.contacts.models import Contact
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionKind, InteractionOutcome, InteractionStatus


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base_url + "/")


def test_wide_tables_and_long_emails_do_not_widen_the_page(live_server, phone_page, operator, make_org,
                                                           password):
    """The activity table's hidden "Actions" header and a long e-mail made the page scroll sideways."""
    org = make_org(operator, legal_name="Trasporti e Logistica Valdarno Superiore S.r.l.")
    db.session.add(Contact(organization_id=org.id, first_name="Filippo", last_name="Baldesi",
                           email="filippo.baldesi@accoglienzalameridianaodvfirenze.example"))
    db.session.add(Interaction(organization_id=org.id, user_id=operator.id, kind=InteractionKind.VISIT,
                               status=InteractionStatus.DONE, outcome=InteractionOutcome.POSITIVE,
                               subject="Presentazione del servizio di inserimento lavorativo"))
    db.session.commit()
    page = phone_page
    _log_in(page, live_server.url, operator.email, password)
    for url in ("/interactions/", f"/organizations/{org.id}"):
        page.goto(live_server.url + url)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, url


@pytest.fixture
def _stop_plan_runner(live_server):
    """Opening the planning page starts a warm solver process in the served app: stop it after."""
    yield
    runner = live_server._server.app.extensions.pop("visit_plan_runner", None)
    if runner is not None:
        runner.shutdown()


@pytest.mark.usefixtures("_stop_plan_runner")
def test_visit_planning_page_fits_a_phone(live_server, phone_page, coordinator, make_org, password):
    """The "Update the list" button sat in a third of the row and pushed the page wider than the screen."""
    make_org(coordinator, latitude=43.77, longitude=11.25, comune_code="048017")
    page = phone_page
    _log_in(page, live_server.url, coordinator.email, password)
    page.goto(live_server.url + "/visits/plan")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
