"""The organization list: search, filters, sorting, pagination, bad query arguments, bounded queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event, update

from crm.auth.models import Role
from crm.contacts.models import Contact
from crm.extensions import db
from crm.organizations.models import Organization
from crm.organizations.services import (
    NO_OWNER,
    OrganizationFilters,
    refresh_search_text,
    search_organizations,
)

from .helpers import EMPOLI, FIRENZE, org_count, valid_vat


def _names(page: str) -> list[str]:
    """The organization names in the list, in order."""
    return re.findall(r'<a class="fw-semibold" href="/organizations/\d+">([^<]+)</a>', page)


def _listed(client, query: str = "") -> list[str]:
    response = client.get("/organizations/" + query)
    assert response.status_code == 200
    return _names(response.get_data(as_text=True))


@pytest.fixture
def sample(make_org, op, coord):
    """Five organizations that differ in every filtered column."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    orgs = {
        "uni": make_org(
            legal_name="Università Popolare di Empoli", kind="third_sector", status="contacted",
            comune_code=EMPOLI, ateco_code="85.59.20", employees=4, tags=["formazione"], owner_id=op.id,
        ),
        "bar": make_org(
            legal_name="Bar Centrale S.n.c.", vat_number=valid_vat(21), status="prospect",
            comune_code=FIRENZE, ateco_code="56.30.00", employees=12, tags=["Ristorazione"], owner_id=None,
        ),
        "coop": make_org(
            legal_name="Coop. Sociale Arcobaleno", kind="coop_b", status="active_partner",
            comune_code=FIRENZE, ateco_code="81.21.00", employees=80, tags=["pulizie", "formazione"],
            owner_id=coord.id,
        ),
        "comune": make_org(
            legal_name="Azienda Servizi Comunali", kind="public_body", status="dormant",
            comune_code=EMPOLI, employees=300, owner_id=coord.id,
        ),
        "shop": make_org(
            legal_name="Zeta Calzature", status="do_not_contact", notes="Chiede di non essere richiamata",
            owner_id=op.id,
        ),
    }
    contact = Contact(organization_id=orgs["bar"].id, first_name="Lorenzo", last_name="Bencivenni")
    db.session.add(contact)
    db.session.flush()
    refresh_search_text(orgs["bar"])
    # Derived dates, written like the interactions module does (straight to the column), and
    # distinct update times in the order the organizations were created.
    last = {"coop": now - timedelta(days=1), "uni": now - timedelta(days=10)}
    for minutes, (key, org) in enumerate(orgs.items()):
        db.session.execute(
            update(Organization)
            .where(Organization.id == org.id)
            .values(last_interaction_at=last.get(key), updated_at=now + timedelta(minutes=minutes))
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return orgs


ALL = [
    "Azienda Servizi Comunali", "Bar Centrale S.n.c.", "Coop. Sociale Arcobaleno",
    "Università Popolare di Empoli", "Zeta Calzature",
]


def test_list_shows_everything_with_a_count(client, login, op, sample):
    """Without filters every organization is listed by name, with the number found."""
    login(op)
    page = client.get("/organizations/").get_data(as_text=True)
    assert _names(page) == ALL
    assert "5 organizations found" in page
    assert 'name="q"' in page and 'aria-label="Search"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("universita", ["Università Popolare di Empoli"]),  # no accents typed
        ("UNIVERSITÀ empoli", ["Università Popolare di Empoli"]),
        (valid_vat(21), ["Bar Centrale S.n.c."]),
        ("bencivenni", ["Bar Centrale S.n.c."]),  # a contact's surname
        ("richiamata", ["Zeta Calzature"]),  # a word of the notes
        ("centr", ["Bar Centrale S.n.c."]),
        ("nothing-like-this", []),
        ("100%_", []),
    ],
)
def test_full_text_search(client, login, op, sample, query, expected):
    """The search box finds by name fragment (accents optional), IVA, contact surname and notes."""
    login(op)
    assert _listed(client, "?" + f"q={query}") == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=coop_b", ["Coop. Sociale Arcobaleno"]),
        ("status=dormant", ["Azienda Servizi Comunali"]),
        (f"comune={EMPOLI}", ["Azienda Servizi Comunali", "Università Popolare di Empoli"]),
        ("section=O", ["Coop. Sociale Arcobaleno"]),  # 81.21 is in section O in ATECO 2025
        ("tag=formazione", ["Coop. Sociale Arcobaleno", "Università Popolare di Empoli"]),
        ("tag=Ristorazione", ["Bar Centrale S.n.c."]),
        ("size=micro", ["Università Popolare di Empoli"]),
        ("size=small", ["Bar Centrale S.n.c."]),
        ("size=medium", ["Coop. Sociale Arcobaleno"]),
        ("size=large", ["Azienda Servizi Comunali"]),
        ("owner=none", ["Bar Centrale S.n.c."]),
        (f"comune={FIRENZE}&tag=formazione", ["Coop. Sociale Arcobaleno"]),
    ],
)
def test_each_filter(client, login, op, sample, query, expected):
    """Every filter narrows the list; filters combine."""
    login(op)
    assert _listed(client, "?" + query) == expected


def test_owner_filter(client, login, op, coord, sample):
    """The owner filter lists one person's organizations."""
    login(op)
    assert _listed(client, f"?owner={op.id}") == ["Università Popolare di Empoli", "Zeta Calzature"]
    assert _listed(client, f"?owner={coord.id}") == ["Azienda Servizi Comunali", "Coop. Sociale Arcobaleno"]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("sort=name&direction=desc", "Zeta Calzature"),
        ("sort=employees", "Università Popolare di Empoli"),
        ("sort=employees&direction=desc", "Azienda Servizi Comunali"),
        ("sort=comune", "Azienda Servizi Comunali"),  # Empoli before Firenze, alphabetically
        ("sort=status", "Bar Centrale S.n.c."),  # prospect first
        ("sort=status&direction=desc", "Zeta Calzature"),  # do not contact last
        ("sort=last_interaction", "Coop. Sociale Arcobaleno"),  # most recent first by default
        ("sort=updated", "Zeta Calzature"),  # newest first by default
    ],
)
def test_sorting(client, login, op, sample, query, expected_first):
    """Every sortable column orders the list; the tie-break is the name."""
    login(op)
    listed = _listed(client, "?" + query)
    assert listed[0] == expected_first
    assert sorted(listed) == ALL


def test_sorting_puts_empty_values_last(client, login, op, sample):
    """Organizations never contacted come after the contacted ones, in both directions."""
    login(op)
    for direction in ("asc", "desc"):
        listed = _listed(client, f"?sort=last_interaction&direction={direction}")
        assert set(listed[:2]) == {"Coop. Sociale Arcobaleno", "Università Popolare di Empoli"}


def test_sort_links_keep_the_filters(client, login, op, sample):
    """Column headers keep the search and filters and reset the page."""
    login(op)
    page = client.get("/organizations/?status=prospect&q=bar&page=1").get_data(as_text=True)
    link = re.search(r'href="([^"]*sort=employees[^"]*)"', page).group(1)
    assert "status=prospect" in link and "q=bar" in link and "page=" not in link


def test_pagination_keeps_filters(client, login, op, make_org):
    """With more rows than a page, pages link to each other keeping the filters."""
    for i in range(7):
        make_org(legal_name=f"Impresa {i:02d}", status="contacted")
    make_org(legal_name="Other", status="prospect")
    login(op)
    page = client.get("/organizations/?status=contacted&per_page=3").get_data(as_text=True)
    assert _names(page) == ["Impresa 00", "Impresa 01", "Impresa 02"]
    assert "7 organizations found" in page
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "status=contacted" in next_link and "per_page=3" in next_link
    assert _names(client.get(next_link).get_data(as_text=True)) == ["Impresa 03", "Impresa 04", "Impresa 05"]
    assert _listed(client, "?status=contacted&per_page=3&page=3") == ["Impresa 06"]


@pytest.mark.parametrize(
    "query",
    [
        "?status=bogus", "?kind=bank", "?comune=nowhere", "?section=ZZ", "?size=huge", "?tag=unknown",
        "?owner=abc", "?owner=99999", "?page=abc", "?page=-3", "?page=999", "?per_page=abc",
        "?per_page=0", "?per_page=100000", "?sort=bogus", "?direction=sideways", "?sort=name&direction=",
        "?q=" + "x" * 500, "?q=%25%25%25", "?status=prospect&status=bogus",
    ],
)
def test_invalid_query_arguments_never_fail(client, login, op, sample, query):
    """Nonsense in the query string is ignored (with a message for filters), never a 500."""
    login(op)
    response = client.get("/organizations/" + query)
    assert response.status_code == 200


def test_invalid_filter_is_ignored_with_a_message(client, login, op, sample):
    """?status=bogus lists everything and says the filter was ignored."""
    login(op)
    page = client.get("/organizations/?status=bogus&kind=coop_b").get_data(as_text=True)
    assert "were ignored: Status." in page
    assert _names(page) == ["Coop. Sociale Arcobaleno"]


def test_search_service_filters_combine(sample, op):
    """The service's SELECT can be used directly (e.g. by exports)."""
    stmt = search_organizations(OrganizationFilters(owner_id=NO_OWNER, q="bar"))
    assert [o.legal_name for o in db.session.scalars(stmt)] == ["Bar Centrale S.n.c."]


@contextmanager
def _count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _queries_for_list(client, make_org, user_ids, total: int) -> int:
    for n in range(org_count(), total):
        make_org(
            legal_name=f"Ditta {n:03d}", tags=[f"tag{n % 3}", "comune"], owner_id=user_ids[n % len(user_ids)],
            comune_code=FIRENZE,
        )
    # Start from an empty identity map, as a real request does (the tests share one app context, so
    # Flask-Login's cached user must go too).
    g.pop("_login_user", None)
    db.session.remove()
    with _count_queries() as statements:
        response = client.get("/organizations/?per_page=50")
    assert response.status_code == 200
    assert len(_names(response.get_data(as_text=True))) == total
    return len(statements)


def test_list_runs_a_bounded_number_of_queries(client, login, op, staff, make_org):
    """Listing 40 organizations costs as many SQL statements as listing 5 (no N+1)."""
    user_ids = [op.id, staff(Role.OPERATOR).id, staff(Role.COORDINATOR).id]
    login(op)
    few = _queries_for_list(client, make_org, user_ids, 5)
    many = _queries_for_list(client, make_org, user_ids, 40)
    assert few == many
    assert many <= 10
