"""The organization list's pages are kept per filters and data version, and never outlive a change."""

from __future__ import annotations

from sqlalchemy import event

from crm.extensions import db
from crm.organizations.models import Organization


def _ordered_id_queries(client, url: str) -> int:
    """How many times answering ``url`` ran the list's own search (the ids of a page, in order)."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        flat = " ".join(statement.split())
        if flat.startswith("SELECT organization.id FROM organization") and "ORDER BY" in flat:
            seen.append(flat)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_same_page_is_searched_once_and_after_any_change_again(client, auth, operator, make_org):
    for name in ("Alfa Servizi S.r.l.", "Beta Servizi S.r.l.", "Gamma Trasporti S.p.A."):
        make_org(legal_name=name, search_text=name.lower())
    auth.login(operator)
    url = "/organizations/?q=servizi"
    assert _ordered_id_queries(client, url) == 1
    assert _ordered_id_queries(client, url) == 0  # the cached page
    html = client.get(url).get_data(as_text=True)
    assert "Alfa Servizi" in html and "Beta Servizi" in html and "Gamma" not in html
    # A renamed organization moves at once: the change is a new data version.
    beta = db.session.scalar(db.select(Organization).filter_by(legal_name="Beta Servizi S.r.l."))
    beta.legal_name = "Aaa Servizi S.r.l."
    beta.search_text = "aaa servizi s.r.l."
    db.session.commit()
    assert _ordered_id_queries(client, url) == 1
    html = client.get(url).get_data(as_text=True)
    assert html.index("Aaa Servizi") < html.index("Alfa Servizi")


def test_an_organization_gone_since_the_page_was_kept_is_left_out(app, make_org, monkeypatch):
    """The page keeps ids; one that no longer exists is skipped, never an error."""
    from crm.organizations import services
    from crm.organizations.services import OrganizationFilters, OrganizationListPage

    alfa = make_org(legal_name="Alfa S.r.l.")
    monkeypatch.setattr(services.cache, "get", lambda key: [999_999, alfa.id] if "list" in key else 1)
    with app.test_request_context("/organizations/"):
        page = OrganizationListPage(OrganizationFilters(), page=1, per_page=50, max_per_page=100)
    assert [o.id for o in page.items] == [alfa.id] and page.total == 1


def test_the_data_version_follows_this_process_at_once_and_others_within_seconds(app, make_org, monkeypatch):
    """A commit here is seen by the next call; one made by another process (here on a connection
    of its own, outside the session) within VERSION_SECONDS, without asking on every call."""
    from sqlalchemy import text

    from crm.organizations import services

    alfa = make_org(legal_name="Alfa S.r.l.")
    first = services.organizations_version()
    alfa.legal_name = "Alfa Due S.r.l."
    db.session.commit()
    second = services.organizations_version()
    assert second != first
    with db.engine.begin() as other_process:
        other_process.execute(text("DELETE FROM organization WHERE id = :id"), {"id": alfa.id})
    asked = []
    real = services._query_organizations_version
    monkeypatch.setattr(services, "_query_organizations_version", lambda: asked.append(1) or real())
    assert services.organizations_version() == second and asked == []
    clock = services.time.monotonic() + services.VERSION_SECONDS + 0.1
    monkeypatch.setattr(services.time, "monotonic", lambda: clock)
    assert services.organizations_version() != second and asked == [1]
