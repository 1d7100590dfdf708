"""Ranking pages: the list, why this score, boosts, weights, learning report, plan visits."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from crm.extensions import db
from crm.followups.services import local_today
from crm.organizations.models import OrganizationStatus
from crm.ranking import scoring
from crm.ranking.models import RankingBoost, RankingSettings
from crm.ranking.services import current_settings
from tests.ranking.conftest import EMPOLI


def _weights_form(**changes):
    data = {f: str(w) for f, w in scoring.DEFAULT_WEIGHTS.items()}
    data |= {
        "sectors": list(scoring.DEFAULT_SECTORS),
        "max_distance_km": "40",
        "cooldown_days": "180",
        "warm_days": "365",
        "recent_opening_days": "180",
        "note": "",
    }
    data.update(changes)
    return data


def test_ranked_list_shows_scores_and_reasons(client, auth, op, org):
    """Any staff member sees the list with the score, its top reasons and a link to the breakdown."""
    top = org(
        legal_name="Grande Magazzino S.p.A.", employees=120, law68_subject=True, law68_protected_employed=1
    )
    org(legal_name="Bottega Piccola", employees=3)
    org(legal_name="Non Chiamare S.r.l.", status=OrganizationStatus.DO_NOT_CONTACT)
    auth.login(op)
    page = client.get("/ranking/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index("Grande Magazzino") < html.index("Bottega Piccola")
    assert "Non Chiamare" not in html
    assert "Uncovered Law 68 quota: 8 positions (required: 9, declared: 1)" in html
    assert f"/ranking/organizations/{top.id}" in html
    assert "2 organizations ranked" in html and "Default weights" in html
    assert 'name="organization_id"' not in html  # planning is for coordinators


def test_ranked_list_uses_the_organization_filters(client, auth, op, org):
    """The list's filters (here the comune) and pagination apply to the ranking."""
    org(legal_name="Empolese S.r.l.", comune_code=EMPOLI)
    org(legal_name="Fiorentina S.r.l.")
    auth.login(op)
    html = client.get(f"/ranking/?comune={EMPOLI}").get_data(as_text=True)
    assert "Empolese" in html and "Fiorentina" not in html
    assert "1 organization ranked" in html
    assert client.get("/ranking/?page=99&per_page=1").status_code == 200
    assert "not valid" in client.get("/ranking/?status=nonsense").get_data(as_text=True)


def test_explain_page_and_organization_panel(client, auth, op, org):
    """Why this score? lists every factor; the organization page shows the score panel."""
    o = org(employees=40, law68_subject=True, law68_protected_employed=0, ateco_section="C")
    auth.login(op)
    html = client.get(f"/ranking/organizations/{o.id}").get_data(as_text=True)
    for label in scoring.FACTOR_LABELS.values():
        assert str(label) in html
    assert "Uncovered Law 68 quota: 2 positions" in html
    assert "Save the boost" not in html  # coordinators only
    detail = client.get(f"/organizations/{o.id}").get_data(as_text=True)
    assert "Outreach score" in detail and "Why this score?" in detail
    dnc = org(status=OrganizationStatus.DO_NOT_CONTACT)
    assert "Not ranked" in client.get(f"/organizations/{dnc.id}").get_data(as_text=True)
    assert client.get("/ranking/organizations/999999").status_code == 404


def test_organization_panel_reads_the_ranking_this_process_already_holds(client, auth, op, org, monkeypatch):
    """After the list was built, the page's panel takes its figures from it instead of scoring the
    organization again; after a change to the data it scores it afresh, with the new figures."""
    import crm.ranking.views as views

    o = org(employees=40, law68_subject=True, law68_protected_employed=0, ateco_section="C")
    auth.login(op)
    client.get("/ranking/")  # builds and caches the whole ranking
    scored_alone, panels = [], []
    real_score, real_breakdown = views.score_organizations, views._breakdown
    monkeypatch.setattr(
        views, "score_organizations", lambda *a, **k: scored_alone.append(a) or real_score(*a, **k)
    )
    monkeypatch.setattr(
        views, "_breakdown", lambda *a, **k: panels.append(real_breakdown(*a, **k)) or panels[-1]
    )

    def law68_reason() -> str:
        return next(r.text for r in panels[-1]["reasons"] if r.factor == "law68")

    assert client.get(f"/organizations/{o.id}").status_code == 200
    assert scored_alone == [] and "Uncovered Law 68 quota: 2 positions" in law68_reason()
    o.employees = 100
    db.session.commit()
    assert client.get(f"/organizations/{o.id}").status_code == 200
    assert len(scored_alone) == 1 and "Uncovered Law 68 quota: 8 positions" in law68_reason()


def test_coordinator_sets_and_removes_a_boost(client, auth, coord, org):
    """A boost with reason and expiry changes the score; bad input re-renders with the error."""
    o = org(employees=5)
    auth.login(coord)
    until = (local_today() + timedelta(days=10)).isoformat()
    bad = client.post(
        f"/ranking/organizations/{o.id}/boost", data={"points": "0", "reason": "x", "expires_on": until}
    )
    assert bad.status_code == 200 and "remove the boost instead" in bad.get_data(as_text=True)
    past = (local_today() - timedelta(days=1)).isoformat()
    old = client.post(
        f"/ranking/organizations/{o.id}/boost", data={"points": "5", "reason": "x", "expires_on": past}
    )
    assert "in the past" in old.get_data(as_text=True)
    assert db.session.query(RankingBoost).count() == 0
    ok = client.post(
        f"/ranking/organizations/{o.id}/boost",
        data={"points": "20", "reason": "Segnalata dal Comune", "expires_on": until},
        follow_redirects=True,
    )
    html = ok.get_data(as_text=True)
    assert "Boost saved" in html and "Manual boost +20: Segnalata dal Comune" in html
    removed = client.post(f"/ranking/organizations/{o.id}/boost/delete", follow_redirects=True)
    assert "Boost removed." in removed.get_data(as_text=True)
    assert db.session.query(RankingBoost).count() == 0


def test_operators_cannot_change_weights_or_boosts(client, auth, op, org):
    """Settings, boosts, the learning report and planning are for coordinators."""
    o = org()
    auth.login(op)
    assert client.get("/ranking/settings").status_code == 403
    assert client.post("/ranking/settings", data=_weights_form()).status_code == 403
    assert client.post(f"/ranking/organizations/{o.id}/boost", data={}).status_code == 403
    assert client.get("/ranking/learning").status_code == 403
    assert client.get("/ranking/plan?top=3").status_code == 403


def test_saving_weights_makes_a_version_and_moves_the_list(client, auth, coord, org):
    """Save → new version with author, the list says which version and shows who moved."""
    near = org(legal_name="Vicina", employees=5, latitude=43.775, longitude=11.258)
    org(legal_name="Lontana Grande", employees=400, latitude=43.72, longitude=10.95)
    auth.login(coord)
    before = client.get("/ranking/").get_data(as_text=True)
    assert before.index("Lontana Grande") < before.index("Vicina")
    response = client.post(
        "/ranking/settings", data=_weights_form(distance="100", size="0", law68="0", note="Vicini")
    )
    assert response.status_code == 302
    row = db.session.query(RankingSettings).one()
    assert row.created_by_id == coord.id and row.note == "Vicini" and row.weights["distance"] == 100
    after = client.get("/ranking/").get_data(as_text=True)
    assert after.index("Vicina") < after.index("Lontana Grande")
    assert f"Weights version {row.id}" in after and "▲1" in after
    history = client.get("/ranking/settings").get_data(as_text=True)
    assert "Vicini" in history and "Carlo Coordinatore" in history
    assert near.id


def test_settings_errors_keep_the_input(client, auth, coord):
    """Weights out of range or all zero re-render the form with the error; nothing is saved."""
    auth.login(coord)
    page = client.post("/ranking/settings", data=_weights_form(law68="150"))
    assert page.status_code == 200 and 'value="150"' in page.get_data(as_text=True)
    zeros = client.post("/ranking/settings", data=_weights_form(**{f: "0" for f in scoring.FACTORS}))
    assert "At least one weight must be above zero." in zeros.get_data(as_text=True)
    assert db.session.query(RankingSettings).count() == 0


def test_reset_to_defaults(client, auth, coord):
    """Reset adds the default weights as a new version."""
    auth.login(coord)
    client.post("/ranking/settings", data=_weights_form(size="90"))
    response = client.post("/ranking/settings/reset", follow_redirects=True)
    assert "The default weights are back, as version 2." in response.get_data(as_text=True)
    assert current_settings().weights == scoring.DEFAULT_WEIGHTS


def test_plan_top_n_opens_the_planning_screen(client, auth, coord, org):
    """Plan the first N: the planning screen opens with them as stops, priorities from the score."""
    first = org(legal_name="Prima S.p.A.", employees=300, law68_subject=True, law68_protected_employed=0)
    second = org(legal_name="Seconda S.r.l.", employees=40)
    org(legal_name="Terza", employees=1)
    auth.login(coord)
    response = client.get("/ranking/plan?top=2")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.location).query)
    assert query["organization_id"] == [str(first.id), str(second.id)] and query["ranked"] == ["1"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Prima S.p.A." in page and "Seconda S.r.l." in page and "Terza" not in page
    assert "The priorities are the organizations&#39; outreach scores." in page or "outreach scores" in page


def test_plan_ticked_rows_and_empty_list(client, auth, coord, org):
    """Ticked rows go to the planning screen; an empty ranked list says so."""
    a = org(legal_name="Spuntata", employees=10)
    auth.login(coord)
    html = client.get("/ranking/").get_data(as_text=True)
    assert 'name="organization_id"' in html and 'action="/visits/plan"' in html
    page = client.get(f"/visits/plan?ranked=1&organization_id={a.id}").get_data(as_text=True)
    assert "Spuntata" in page
    empty = client.get(f"/ranking/plan?comune={EMPOLI}", follow_redirects=True)
    assert "the ranked list is empty" in empty.get_data(as_text=True)


def test_learning_report_and_suggestion_without_history(client, auth, coord, org):
    """The report works on an empty history and explains why no weights are suggested."""
    org()
    auth.login(coord)
    page = client.get("/ranking/learning?horizon=90&suggest=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "0 past contacts" in html and "Not enough history to suggest weights" in html
    assert client.get("/ranking/learning?horizon=7").status_code == 200  # invalid: default horizon


def test_apply_suggested_weights(client, auth, coord):
    """Applying suggested weights makes a new version with a note; invalid ones change nothing."""
    auth.login(coord)
    data = {
        "law68": "10",
        "sector": "0",
        "openings": "40",
        "relationship": "50",
        "size": "0",
        "distance": "0",
        "horizon": "180",
    }
    response = client.post("/ranking/settings/apply", data=data, follow_redirects=True)
    assert "Version 1 of the weights saved" in response.get_data(as_text=True)
    row = db.session.query(RankingSettings).one()
    assert row.weights["relationship"] == 50 and "outcome history" in row.note
    bad = client.post("/ranking/settings/apply", data=dict(data, law68="500"), follow_redirects=True)
    assert "not valid" in bad.get_data(as_text=True)
    assert db.session.query(RankingSettings).count() == 1
