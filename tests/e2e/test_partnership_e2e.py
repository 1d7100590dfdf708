"""Browser test: a social worker refers a person from a phone, with CSRF on, in Italian."""

from __future__ import annotations

from crm.auth.models import Role
from crm.extensions import db
from crm.partnership.models import Referral, Referrer, ReferringOffice


def test_social_worker_refers_a_person_on_a_phone(live_server, phone_page, make_user, password):
    """Log in, open the referral form, send it, land on the person's page; nothing wider than the phone."""
    referrer = make_user(Role.REFERRER)
    db.session.add(Referrer(user=referrer, office=ReferringOffice(name="Servizio Sociale Q2")))
    db.session.commit()
    phone = phone_page
    phone.goto(live_server.url + "/login")
    phone.get_by_label("E-mail").fill(referrer.email)
    phone.get_by_label("Password").fill(password)
    phone.locator("form button[type=submit]").click()
    phone.wait_for_url(live_server.url + "/partnership/portal/")
    phone.goto(live_server.url + "/partnership/portal/refer")
    phone.get_by_label("Nome", exact=True).fill("Lucia")
    phone.get_by_label("Cognome").fill("Mobile")
    phone.get_by_label("Perché segnali questa persona").fill("Cerca un lavoro al mattino.")
    phone.get_by_label("La persona ha firmato il consenso", exact=False).check()
    phone.get_by_label("Consenso firmato il").fill("2026-03-01")
    phone.get_by_label("Documento di consenso").fill("Prot. 99")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Invia la segnalazione").click()
    phone.wait_for_url("**/partnership/portal/cases/*")
    assert "Lucia Mobile" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.expire_all()
    assert db.session.scalars(db.select(Referral)).one().referrer_id == referrer.id
