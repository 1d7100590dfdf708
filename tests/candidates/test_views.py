"""Candidate pages: who sees names, what is logged, what never reaches an employer."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from crm.auth.models import Role
from crm.candidates.models import Candidate, CandidateStatus
from crm.candidates.services import add_assessment, update_sensitive_notes
from crm.extensions import db
from crm.privacy.models import AccessAction, AccessLog, FieldGroup
from tests.candidates.conftest import TAX_CODES

SCORES = dict(professional_skills=3, work_experience=3, motivation=4, autonomy=3, constraints=3, support=3)


def _logs(action=None):
    query = select(AccessLog).order_by(AccessLog.id)
    if action is not None:
        query = query.where(AccessLog.action == action)
    return db.session.scalars(query).all()


def _people(operator, make_user, make_candidate):
    other = make_user(Role.OPERATOR, full_name="Altro Operatore")
    mine = make_candidate(operator, first_name="Annalisa", last_name="Mineo", tax_code=TAX_CODES[0])
    theirs = make_candidate(other, first_name="Teodoro", last_name="Altrui", tax_code=TAX_CODES[1])
    return other, mine, theirs


def test_operator_sees_own_names_only_in_list(client, auth, operator, make_user, make_candidate):
    """The list names the operator's own people; others appear by code only."""
    _, mine, theirs = _people(operator, make_user, make_candidate)
    auth.login(operator)
    page = client.get("/candidates/").get_data(as_text=True)
    assert "Mineo" in page and mine.code in page
    assert theirs.code in page and "Altrui" not in page and "Teodoro" not in page
    listed = _logs(AccessAction.LIST)
    assert len(listed) == 1 and listed[0].candidate_codes == mine.code


def test_operator_cannot_see_another_operators_candidate(client, auth, operator, make_user, make_candidate):
    """Detail, edit, sensitive notes and export of someone else's candidate show no identity."""
    _, _, theirs = _people(operator, make_user, make_candidate)
    auth.login(operator)
    detail = client.get(f"/candidates/{theirs.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert theirs.code in text
    for secret in ("Teodoro", "Altrui", TAX_CODES[1], "+39 333", "persona", "Servizio Sociale"):
        assert secret not in text, secret
    assert client.get(f"/candidates/{theirs.id}/edit").status_code == 403
    assert client.get(f"/candidates/{theirs.id}/sensitive").status_code == 403
    assert client.post(f"/candidates/{theirs.id}/export", data={"reason": "x"}).status_code == 403
    assert client.get(f"/candidates/{theirs.id}/erase").status_code == 403
    assert _logs(AccessAction.VIEW) == []


def test_search_finds_names_among_own_people_only(client, auth, operator, make_user, make_candidate):
    """Searching another operator's candidate's name finds nothing; the query goes in the POST body."""
    _, mine, theirs = _people(operator, make_user, make_candidate)
    auth.login(operator)
    found = client.post("/candidates/search", data={"q": "mineo"}).get_data(as_text=True)
    assert mine.code in found and "Annalisa Mineo" in found
    hidden = client.post("/candidates/search", data={"q": "altrui"}).get_data(as_text=True)
    assert theirs.code not in hidden and "Altrui" not in hidden.replace('value="altrui"', "")
    by_code = client.post("/candidates/search", data={"q": theirs.code}).get_data(as_text=True)
    assert theirs.code in by_code and "Altrui" not in by_code


def test_coordinator_sees_everyone_and_each_view_is_logged(
    client, auth, coordinator, operator, make_candidate
):
    """A coordinator sees the identity on the detail page; the view is in the access log."""
    candidate = make_candidate(operator, first_name="Corrado", last_name="Visto")
    auth.login(coordinator)
    page = client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    assert "Corrado Visto" in page
    (view,) = _logs(AccessAction.VIEW)
    assert (view.user_id, view.candidate_id, view.field_group) == (
        coordinator.id,
        candidate.id,
        FieldGroup.IDENTITY,
    )


def test_admins_get_403_on_candidate_content(client, auth, admin, operator, make_candidate):
    """Administrators manage accounts, not candidates: every candidate page refuses them."""
    candidate = make_candidate(operator)
    auth.login(admin)
    for url in (
        "/candidates/",
        f"/candidates/{candidate.id}",
        f"/candidates/{candidate.id}/edit",
        f"/candidates/{candidate.id}/sensitive",
        f"/candidates/{candidate.id}/anonymised",
        f"/candidates/{candidate.id}/matches",
        "/candidates/new",
        "/candidates/access-log",
        "/candidates/skills",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/candidates/search", data={"q": "x"}).status_code == 403
    home = client.get("/organizations/").get_data(as_text=True)
    assert 'href="/candidates/"' not in home


def test_access_log_is_for_coordinators(client, auth, coordinator, operator, admin, make_candidate):
    """Coordinators read the access log; operators and admins get 403; it has no edit routes."""
    candidate = make_candidate(operator)
    auth.login(coordinator)
    client.get(f"/candidates/{candidate.id}")
    page = client.get("/candidates/access-log").get_data(as_text=True)
    assert candidate.code in page and coordinator.full_name in page
    auth.logout()
    for user in (operator, admin):
        auth.login(user)
        assert client.get("/candidates/access-log").status_code == 403
        auth.logout()
    rules = [r.rule for r in client.application.url_map.iter_rules() if "access" in r.rule]
    assert rules == ["/candidates/access-log"]


def test_sensitive_notes_are_shown_only_after_a_logged_reason(client, auth, operator, make_candidate):
    """GET asks for a reason; POST with one shows the notes and logs the reason."""
    candidate = make_candidate(operator)
    update_sensitive_notes(
        candidate, {"health": "Epilessia controllata"}, by=operator, reason="primo colloquio"
    )
    auth.login(operator)
    assert "Epilessia" not in client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    ask = client.get(f"/candidates/{candidate.id}/sensitive").get_data(as_text=True)
    assert "Epilessia" not in ask
    refused = client.post(f"/candidates/{candidate.id}/sensitive", data={"reason": ""}).get_data(as_text=True)
    assert "Epilessia" not in refused
    shown = client.post(f"/candidates/{candidate.id}/sensitive", data={"reason": "visita medica lavoro"})
    assert "Epilessia controllata" in shown.get_data(as_text=True)
    (entry,) = _logs(AccessAction.SHOW_SENSITIVE)
    assert entry.reason == "visita medica lavoro"


def test_sensitive_notes_edit_is_logged(client, auth, operator, make_candidate):
    """Changing sensitive notes needs a reason and writes a CHANGE entry."""
    candidate = make_candidate(operator)
    auth.login(operator)
    client.post(
        f"/candidates/{candidate.id}/sensitive/edit",
        data={"health": "", "disability": "Invalidità 46%", "legal": "", "reason": "certificato ricevuto"},
    )
    (entry,) = _logs(AccessAction.CHANGE)
    assert entry.field_group is FieldGroup.SENSITIVE and entry.reason == "certificato ricevuto"


def test_create_through_the_form_and_duplicate_referral(client, auth, operator, make_candidate):
    """The form registers a referral under a new code; the same codice fiscale is refused by code."""
    existing = make_candidate(operator, tax_code=TAX_CODES[0])
    auth.login(operator)
    data = {
        "first_name": "Nuova",
        "last_name": "Persona",
        "tax_code": TAX_CODES[2].lower(),
        "comune_code": "048014",
        "referred_on": "2026-04-02",
        "commute_mode": "public_transport",
        "max_commute_minutes": "40",
        "available_days": ["mon", "tue"],
        "shifts": ["morning"],
        "hours_per_week": "20",
        "languages_text": "Italiano\nInglese A2",
        "free_skills_text": "stiro, riordino",
    }
    response = client.post("/candidates/new", data=data)
    assert response.status_code == 302
    created = db.session.scalars(select(Candidate).where(Candidate.id != existing.id)).one()
    assert created.code == "C-2026-0002" and created.operator_id == operator.id
    assert created.languages == ["Italiano", "Inglese A2"] and created.free_skills == ["stiro", "riordino"]
    assert "Persona" not in response.headers["Location"] and str(created.id) in response.headers["Location"]
    duplicate = client.post("/candidates/new", data={**data, "tax_code": TAX_CODES[0]})
    assert duplicate.status_code == 200
    assert existing.code in duplicate.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 2
    bad = client.post("/candidates/new", data={**data, "tax_code": "RSSMRA85T10A562X"})
    assert "not valid" in bad.get_data(as_text=True)


def test_anonymised_profile_never_shows_identity_health_or_social_services(
    client, auth, operator, make_candidate
):
    """The employer's HTML page and PDF carry code, skills and readiness, and nothing identifying."""
    candidate = make_candidate(
        operator,
        first_name="Gianfranco",
        last_name="Segretissimo",
        tax_code=TAX_CODES[0],
        phone="+393471112233",
        email="gianfranco@example.org",
        comune_code="048018",
        referring_office="SIAST Quartiere 5",
        case_worker="Dott. Servizi",
        free_skills=["pulizia vetri"],
    )
    update_sensitive_notes(
        candidate, {"health": "Cardiopatia", "legal": "Affidamento"}, by=operator, reason="x"
    )
    add_assessment(candidate, SCORES, by=operator, notes={"constraints": "Terapia settimanale"})
    auth.login(operator)
    html = client.get(f"/candidates/{candidate.id}/anonymised").get_data(as_text=True)
    pdf = client.get(f"/candidates/{candidate.id}/anonymised.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    pdf_text = pdf.data.decode("latin-1")
    assert candidate.code in html and candidate.code in pdf_text
    assert "pulizia vetri" in html and "pulizia vetri" in pdf_text
    forbidden = (
        "Gianfranco",
        "Segretissimo",
        TAX_CODES[0],
        "3471112233",
        "347 111 2233",
        "gianfranco@",
        "Firenzuola",
        "SIAST",
        "Dott. Servizi",
        "Cardiopatia",
        "Affidamento",
        "Terapia",
    )
    for secret in forbidden:
        assert secret not in html, secret
        assert secret not in pdf_text, secret
    presented = _logs(AccessAction.PRESENT)
    assert [p.detail for p in presented] == ["anonymised profile — HTML", "anonymised profile — PDF"]


def test_gdpr_export_json_and_pdf_are_complete_and_logged(
    client, auth, coordinator, operator, make_candidate
):
    """The export holds identity, sensitive notes and assessments; each export is logged with its reason."""
    candidate = make_candidate(operator, first_name="Esportata", tax_code=TAX_CODES[1])
    update_sensitive_notes(candidate, {"health": "Asma"}, by=operator, reason="x")
    add_assessment(candidate, SCORES, by=operator, notes={"motivation": "Molto motivata"})
    auth.login(coordinator)
    refused = client.post(f"/candidates/{candidate.id}/export", data={"reason": ""})
    assert refused.status_code == 302 and _logs(AccessAction.EXPORT) == []
    response = client.post(
        f"/candidates/{candidate.id}/export", data={"reason": "richiesta art. 15", "format": "json"}
    )
    data = json.loads(response.data)
    assert data["identity"]["first_name"] == "Esportata" and data["identity"]["tax_code"] == TAX_CODES[1]
    assert data["sensitive_notes"]["health"] == "Asma"
    assert data["assessments"][0]["notes"]["motivation"] == "Molto motivata"
    assert response.headers["Cache-Control"] == "no-store"
    pdf = client.post(
        f"/candidates/{candidate.id}/export", data={"reason": "copia cartacea", "format": "pdf"}
    )
    assert pdf.data.startswith(b"%PDF") and b"Esportata" in pdf.data
    assert [(e.reason, e.detail) for e in _logs(AccessAction.EXPORT)] == [
        ("richiesta art. 15", "personal data export — JSON"),
        ("copia cartacea", "personal data export — PDF"),
    ]


def test_assessment_form_gives_the_band_and_keeps_the_history(client, auth, operator, make_candidate):
    """Two assessments show as a dated history; the band follows the documented rule."""
    candidate = make_candidate(operator)
    auth.login(operator)
    first = {f"score_{k}": "2" for k in SCORES} | {"assessed_on": "2026-03-02", "score_constraints": "1"}
    client.post(f"/candidates/{candidate.id}/assessments/new", data=first)
    second = {f"score_{k}": str(v) for k, v in SCORES.items()} | {
        "assessed_on": "2026-06-02",
        "note_motivation": "Ok",
    }
    client.post(f"/candidates/{candidate.id}/assessments/new", data=second)
    db.session.expire_all()
    bands = [(a.assessed_on, a.band.value) for a in candidate.assessments]
    assert bands == [(date(2026, 6, 2), "ready"), (date(2026, 3, 2), "needs_preparation")]
    page = client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    assert "Ok" in page and page.count("/24") == 2


def test_erase_keeps_pseudonymous_records_and_destroys_identity(
    client, auth, coordinator, operator, make_candidate
):
    """Erasing needs a coordinator, a reason and the code; identity, notes and history go, the code stays."""
    from crm.audit.models import ChangeLog

    candidate = make_candidate(operator, first_name="Cancellanda", tax_code=TAX_CODES[2])
    update_sensitive_notes(candidate, {"health": "x"}, by=operator, reason="x")
    add_assessment(candidate, SCORES, by=operator, notes={"support": "Famiglia presente"})
    auth.login(operator)
    assert (
        client.post(
            f"/candidates/{candidate.id}/erase", data={"reason": "r", "confirm_code": candidate.code}
        ).status_code
        == 403
    )
    auth.logout()
    auth.login(coordinator)
    wrong = client.post(
        f"/candidates/{candidate.id}/erase", data={"reason": "richiesta", "confirm_code": "C-1"}
    )
    assert wrong.status_code == 200
    client.post(
        f"/candidates/{candidate.id}/erase",
        data={"reason": "richiesta art. 17", "confirm_code": candidate.code},
    )
    db.session.expire_all()
    erased = db.session.get(Candidate, candidate.id)
    assert erased.status is CandidateStatus.ERASED and erased.code == candidate.code
    assert (
        erased.identity_encrypted is None
        and erased.sensitive_encrypted is None
        and erased.tax_code_hash is None
    )
    assert erased.referring_office is None and erased.assessments[0].notes_encrypted is None
    assert erased.assessments[0].band is not None
    history = db.session.scalars(
        select(ChangeLog).where(ChangeLog.entity_type.in_(["candidate", "assessment"]))
    ).all()
    assert history == []
    assert _logs(AccessAction.ERASE)[0].reason == "richiesta art. 17"
    page = client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    assert "Cancellanda" not in page and candidate.code in page


def test_retention_command_lists_then_erases(runner, operator, make_candidate):
    """``candidates retention`` lists profiles past review (codes only); with --erase it erases them."""
    old = make_candidate(
        operator, first_name="Scaduta", referred_on=date(2023, 1, 10), review_on=date(2025, 1, 10)
    )
    current = make_candidate(operator, review_on=date(2030, 1, 1))
    listed = runner.invoke(args=["candidates", "retention", "--today", "2026-05-01"])
    assert listed.exit_code == 0 and old.code in listed.output and current.code not in listed.output
    assert "Scaduta" not in listed.output
    db.session.expire_all()
    assert db.session.get(Candidate, old.id).status is CandidateStatus.ACTIVE
    erased = runner.invoke(args=["candidates", "retention", "--erase", "--today", "2026-05-01"])
    assert erased.exit_code == 0 and "Erased 1" in erased.output
    db.session.expire_all()
    assert db.session.get(Candidate, old.id).status is CandidateStatus.ERASED
    assert db.session.get(Candidate, current.id).identity_encrypted is not None


def test_no_names_in_application_logs(client, auth, coordinator, operator, make_candidate, caplog):
    """Nothing the app logs while showing, editing or exporting a candidate contains their name."""
    candidate = make_candidate(operator, first_name="Riservata", last_name="Nascosta")
    auth.login(coordinator)
    with caplog.at_level("DEBUG"):
        client.get(f"/candidates/{candidate.id}")
        client.get(f"/candidates/{candidate.id}/edit")
        client.post(f"/candidates/{candidate.id}/export", data={"reason": "r"})
    assert "Riservata" not in caplog.text and "Nascosta" not in caplog.text


def test_skill_list_is_extended_by_coordinators(client, auth, coordinator, operator):
    """Coordinators add skills; operators cannot."""
    auth.login(operator)
    assert client.post("/candidates/skills", data={"name": "Saldatura"}).status_code == 403
    auth.logout()
    auth.login(coordinator)
    client.post("/candidates/skills", data={"name": "Saldatura"})
    assert "Saldatura" in client.get("/candidates/skills").get_data(as_text=True)



def test_detail_shows_shift_names_not_codes(client, auth, operator, make_candidate):
    """Availability shows the translated shift ("pomeriggio"), never the stored code."""
    mine = make_candidate(operator, shifts=["afternoon"])
    auth.login(operator)
    page = client.get(f"/candidates/{mine.id}").get_data(as_text=True)
    assert "afternoon" not in page
    assert "Afternoon" in page or "pomeriggio" in page.lower()
