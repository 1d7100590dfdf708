"""Field mode in Chromium at a phone's size: log a visit online, lose the connection, reload the page
from the service worker's copy, log another visit, get the connection back: both saved exactly once.
And the agenda's QR code, photographed from the screen, opens the mobile page."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from crm.audit.models import ChangeAction, ChangeLog
from crm.extensions import db
from crm.field.models import FieldSubmission
from crm.followups.services import local_timezone, local_today
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus, VisitResult
from crm.organizations.models import Organization, OrganizationKind, OrganizationStatus

_QUEUE_EMPTY = "() => JSON.parse(localStorage.getItem('florwork.field.{user}.queue') || '[]').length === 0"


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base_url + "/")


def _visit(user_id: int, name: str, hour: int) -> Interaction:
    org = Organization(
        legal_name=name,
        kind=OrganizationKind.COMPANY,
        status=OrganizationStatus.PROSPECT,
        address="Via dei Servi 12",
        cap="50122",
        comune_code="048017",
        latitude=43.775,
        longitude=11.257,
        phone="+39055123456",
    )
    db.session.add(org)
    db.session.flush()
    start = datetime.combine(local_today(), time(hour), local_timezone()).astimezone(UTC)
    visit = Interaction(
        organization_id=org.id,
        user_id=user_id,
        kind=InteractionKind.VISIT,
        status=InteractionStatus.PLANNED,
        occurred_at=start,
        subject="Presentazione tirocini",
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def _log(page, visit_id: int, result: str, notes: str) -> None:
    card = page.locator(f"#visit-{visit_id}")
    card.locator("summary").click()
    card.locator(f"label[for='v{visit_id}-result-{_index(result)}']").click()
    card.locator(f"#v{visit_id}-notes").fill(notes)
    card.locator("button[type=submit]").click()


def _index(result: str) -> int:
    return list(VisitResult).index(VisitResult(result))


def _updates(visit_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            ChangeLog.entity_type == "interaction",
            ChangeLog.entity_id == visit_id,
            ChangeLog.action == ChangeAction.UPDATE,
        )
    )


def test_log_online_then_offline_and_both_arrive_once(live_server, phone_page, operator, password):
    first = _visit(operator.id, "Pelletteria Bellandi S.r.l.", 9)
    second = _visit(operator.id, "Cooperativa Il Ponte", 11)
    first_id, second_id = first.id, second.id
    page = phone_page
    base = live_server.url
    _log_in(page, base, operator.email, password)
    page.goto(base + "/field/")
    page.locator(f"#visit-{first_id}").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    # Large tap targets: the navigation and call buttons are at least 44 px high.
    box = page.locator(f"#visit-{first_id} a[href^='geo:']").bounding_box()
    assert box and box["height"] >= 44
    assert page.locator(f"#visit-{first_id} a[href^='tel:']").count() >= 1

    # Online: the log is sent at once.
    _log(page, first_id, "interested", "Cercano due magazzinieri")
    page.locator(f"#visit-{first_id}.field-logged").wait_for()

    # The service worker has the page: offline, a reload still shows the day.
    page.wait_for_function(
        "() => caches.open('field-v1-pages').then(c => c.match(location.href)).then(r => !!r)", polling=200
    )
    page.reload()  # now controlled by the service worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    page.locator(f"#visit-{second_id}").wait_for()

    _log(page, second_id, "not_met", "Chiuso per ferie")
    page.locator(f"#visit-{second_id} .field-queued:not([hidden])").wait_for()
    status = page.locator("#field-status")
    assert not status.is_hidden()
    db.session.expire_all()
    assert db.session.get(Interaction, second_id).status is InteractionStatus.PLANNED

    # Back online: the queue empties by itself.
    page.context.set_offline(False)
    page.locator(f"#visit-{second_id}.field-logged").wait_for(timeout=30_000)
    page.wait_for_function(
        _QUEUE_EMPTY.format(user=operator.id)
    )

    db.session.expire_all()
    saved_first = db.session.get(Interaction, first_id)
    saved_second = db.session.get(Interaction, second_id)
    assert (
        saved_first.visit_result is VisitResult.INTERESTED and saved_first.body == "Cercano due magazzinieri"
    )
    assert saved_second.visit_result is VisitResult.NOT_MET and saved_second.body == "Chiuso per ferie"
    assert saved_first.status is saved_second.status is InteractionStatus.DONE
    assert db.session.scalar(select(func.count()).select_from(FieldSubmission)) == 2
    assert _updates(first_id) == 1 and _updates(second_id) == 1


def test_agenda_qr_code_opens_the_mobile_page(live_server, page, operator, password):
    base = live_server.url
    _log_in(page, base, operator.email, password)
    page.goto(base + "/visits/agenda")
    code = page.locator("#field-qr svg")
    code.wait_for()
    shot = Image.open(io.BytesIO(code.screenshot()))
    results = zxingcpp.read_barcodes(shot)
    assert [r.text for r in results] == [base + "/field/"]


def test_a_visit_changed_meanwhile_shows_both_versions(live_server, phone_page, operator, password):
    """The server answers 409; the page shows the saved version next to the user's, who chooses."""
    visit = _visit(operator.id, "Pelletteria Bellandi S.r.l.", 9)
    visit_id = visit.id
    page = phone_page
    _log_in(page, live_server.url, operator.email, password)
    page.goto(live_server.url + "/field/")
    page.locator(f"#visit-{visit_id}").wait_for()
    # A coordinator corrects the visit while the operator has the page open.
    visit.body = "Nota del coordinatore"
    db.session.commit()

    _log(page, visit_id, "met", "Nota dell'operatore")
    conflict = page.locator(f".field-conflict[data-visit-id='{visit_id}']")
    conflict.wait_for()
    assert "Nota dell'operatore" in conflict.locator(".field-conflict-yours").inner_text()
    assert "Nota del coordinatore" in conflict.locator(".field-conflict-theirs").inner_text()
    db.session.expire_all()
    assert db.session.get(Interaction, visit_id).body == "Nota del coordinatore"

    conflict.locator(".field-keep-mine").click()
    page.locator(f"#visit-{visit_id}.field-logged").wait_for()
    assert page.locator(".field-conflict").count() == 0
    db.session.expire_all()
    assert db.session.get(Interaction, visit_id).body == "Nota dell'operatore"


def test_two_offline_logs_of_one_visit_do_not_conflict_with_each_other(
    live_server, phone_page, operator, password
):
    """A correction written offline on top of one's own earlier log is applied after it, in order."""
    visit = _visit(operator.id, "Cooperativa Il Ponte", 10)
    visit_id = visit.id
    page = phone_page
    _log_in(page, live_server.url, operator.email, password)
    page.goto(live_server.url + "/field/")
    page.locator(f"#visit-{visit_id}").wait_for()
    page.context.set_offline(True)
    _log(page, visit_id, "met", "Prima nota")
    _log(page, visit_id, "call_back", "Nota corretta")
    page.context.set_offline(False)
    page.wait_for_function(
        _QUEUE_EMPTY.format(user=operator.id),
        timeout=30_000,
    )
    assert page.locator(".field-conflict").count() == 0
    db.session.expire_all()
    saved = db.session.get(Interaction, visit_id)
    assert saved.visit_result is VisitResult.CALL_BACK and saved.body == "Nota corretta"
    assert db.session.scalar(select(func.count()).select_from(FieldSubmission)) == 2
