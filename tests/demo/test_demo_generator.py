"""The pure demo generator: realistic, valid and reproducible rows, checked without a database."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta

import phonenumbers
import pytest
from stdnum.it import iva

from crm.demo.generator import DEMO_ACCOUNTS, DemoData, apportion, generate, vat_number
from crm.followups.models import FollowUpStatus
from crm.interactions.models import InteractionStatus
from crm.organizations.models import GeoPrecision, OrganizationKind, OrganizationStatus
from crm.reference.ateco import normalise_code, section_of
from crm.reference.places import cap_matches_comune, comune_by_code, comuni, fold

TODAY = date(2026, 3, 11)  # a Wednesday
# The Città Metropolitana di Firenze with a margin for the jitter around its outermost comuni.
LAT_RANGE, LON_RANGE = (43.45, 44.25), (10.65, 11.80)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(seed=2025, scale=400, today=TODAY)


def digest(data: DemoData) -> str:
    h = hashlib.sha256()
    for name in (
        "offices",
        "users",
        "tags",
        "organizations",
        "organization_tags",
        "contacts",
        "interactions",
        "follow_ups",
    ):
        for row in getattr(data, name):
            h.update(repr(sorted(row.items())).encode())
    return h.hexdigest()


def test_apportion_splits_exactly_and_proportionally():
    """Largest-remainder apportionment hands out exactly the total."""
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(400, [c.population for c in comuni()])) == 400


def test_default_counts_and_kinds(demo: DemoData):
    """400 organizations, about 60 social cooperatives (more type B), some ETS and public bodies."""
    kinds = Counter(o["kind"] for o in demo.organizations)
    assert len(demo.organizations) == 400
    coops = kinds[OrganizationKind.COOP_A] + kinds[OrganizationKind.COOP_B]
    assert 55 <= coops <= 65
    assert kinds[OrganizationKind.COOP_B] > kinds[OrganizationKind.COOP_A]
    assert 5 <= kinds[OrganizationKind.THIRD_SECTOR] <= 25
    assert 2 <= kinds[OrganizationKind.PUBLIC_BODY] <= 12
    assert kinds[OrganizationKind.COMPANY] > 300
    assert len(demo.offices) == 1 and len(demo.users) == 8  # 5 hub staff, 3 social workers


def test_every_comune_is_used_and_firenze_dominates(demo: DemoData):
    """All 41 comuni appear at default scale, weighted by population."""
    per_comune = Counter(o["comune_code"] for o in demo.organizations)
    assert set(per_comune) == {c.istat_code for c in comuni()}
    firenze = next(c for c in comuni() if c.name == "Firenze")
    assert per_comune[firenze.istat_code] == max(per_comune.values())
    assert 120 <= per_comune[firenze.istat_code] <= 170


def test_sector_mix_uses_valid_ateco_2025_codes(demo: DemoData):
    """Each code is a valid ATECO 2025 code with its own section; trade, food and manufacturing lead."""
    for org in demo.organizations:
        assert normalise_code(org["ateco_code"]) == org["ateco_code"]
        assert org["ateco_section"] == section_of(org["ateco_code"])
    sections = Counter(
        o["ateco_section"] for o in demo.organizations if o["kind"] is OrganizationKind.COMPANY
    )
    top = {s for s, _ in sections.most_common(4)}
    assert {"G", "I", "C"} <= top
    assert sections["K"] + sections["J"] < sections["G"]


def test_partite_iva_are_valid_unique_and_from_florence(demo: DemoData):
    """Every Partita IVA passes the check digit, carries Florence's office code and is unique."""
    vats = [o["vat_number"] for o in demo.organizations if o["vat_number"]]
    assert len(vats) == len(set(vats)) >= 380
    for vat in vats:
        assert iva.is_valid(vat) and vat[7:10] == "048"
    for org in demo.organizations:
        assert iva.is_valid(org["tax_code"])
        if org["kind"] in (OrganizationKind.COMPANY, OrganizationKind.COOP_A, OrganizationKind.COOP_B):
            assert org["tax_code"] == org["vat_number"]
    assert vat_number(612345).startswith("0612345048") and iva.is_valid(vat_number(612345))


def test_every_phone_number_is_valid_e164(demo: DemoData):
    """Landlines (055, 0571) and mobiles are stored in E.164 and valid for phonenumbers."""
    numbers = [demo.offices[0]["phone"]] + [u["phone"] for u in demo.users]
    for org in demo.organizations:
        numbers += [org["phone"], org["phone2"]]
    for contact in demo.contacts:
        numbers += [contact["phone"], contact["mobile"]]
    numbers = [n for n in numbers if n]
    assert len(numbers) > 1000
    for number in numbers:
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number


def test_caps_belong_to_their_comune_and_points_lie_in_the_metro_area(demo: DemoData):
    """Each CAP is one of its comune's; coordinates stay in the area, near their comune."""
    precisions = Counter()
    for org in demo.organizations:
        comune = comune_by_code(org["comune_code"])
        assert comune is not None
        assert cap_matches_comune(org["cap"], comune), (org["cap"], comune.name)
        assert LAT_RANGE[0] < org["latitude"] < LAT_RANGE[1]
        assert LON_RANGE[0] < org["longitude"] < LON_RANGE[1]
        assert abs(org["latitude"] - comune.latitude) < 0.08
        assert abs(org["longitude"] - comune.longitude) < 0.1
        precisions[org["geo_precision"]] += 1
    assert precisions[GeoPrecision.STREET] > precisions[GeoPrecision.COMUNE] > 0
    office = demo.offices[0]
    assert office["cap"] == "50122" and cap_matches_comune("50122", comune_by_code(office["comune_code"]))


def test_names_and_addresses_look_italian_and_domains_are_fictional(demo: DemoData):
    """Legal forms, street addresses with numbers, e-mails only at .example domains."""
    legal = " ".join(o["legal_name"] for o in demo.organizations)
    for form in ("S.r.l.", "S.n.c.", "Soc. Coop. Sociale", "Soc. Coop."):
        assert form in legal
    for org in demo.organizations:
        street, _, number = org["address"].rpartition(", ")
        assert street.split()[0] in ("Via", "Viale", "Piazza") and number[0].isdigit()
        for address in (org["email"], org["pec"]):
            assert address is None or address.endswith(".example")
        assert org["website"] is None or org["website"].endswith(".example")
    assert all(c["email"] is None or c["email"].endswith(".example") for c in demo.contacts)
    assert len({o["email"] for o in demo.organizations}) == len(demo.organizations)


def test_employees_are_skewed_and_law_68_follows_the_head_count(demo: DemoData):
    """Most companies are micro or small; Legge 68 applies from 15 employees."""
    companies = [o for o in demo.organizations if o["kind"] is OrganizationKind.COMPANY]
    small = sum(1 for o in companies if o["employees"] < 50)
    assert small / len(companies) > 0.8
    assert any(o["employees"] >= 250 for o in demo.organizations)
    for org in companies:
        assert org["law68_subject"] is (org["employees"] >= 15)
        assert (org["law68_protected_employed"] is None) is (not org["law68_subject"])


def test_opening_hours_are_day_keyed_windows(demo: DemoData):
    """Opening hours use the model's {"mon": [["09:00", "13:00"], …]} shape."""
    with_hours = [o["opening_hours"] for o in demo.organizations if o["opening_hours"]]
    assert len(with_hours) > 300
    for hours in with_hours:
        assert set(hours) <= {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
        for windows in hours.values():
            for start, end in windows:
                assert len(start) == len(end) == 5 and start < end


def test_contacts_per_organization_and_search_text(demo: DemoData):
    """1–4 contacts each, exactly one primary; the search text finds them by surname."""
    per_org = Counter(c["organization_id"] for c in demo.contacts)
    assert set(per_org) == {o["id"] for o in demo.organizations}
    assert set(per_org.values()) <= {1, 2, 3, 4}
    primaries = Counter(c["organization_id"] for c in demo.contacts if c["is_primary"])
    assert set(primaries.values()) == {1}
    orgs = {o["id"]: o for o in demo.organizations}
    for contact in demo.contacts[:200]:
        assert fold(contact["last_name"]) in orgs[contact["organization_id"]]["search_text"]


def test_statuses_match_the_history(demo: DemoData):
    """Prospects have no interactions; the others do, and last_interaction_at is the latest done one."""
    done: dict[int, list] = {}
    for x in demo.interactions:
        if x["status"] is InteractionStatus.DONE:
            done.setdefault(x["organization_id"], []).append(x["occurred_at"])
    statuses = Counter(o["status"] for o in demo.organizations)
    assert statuses.most_common(1)[0][0] is OrganizationStatus.PROSPECT
    assert all(statuses[s] > 0 for s in OrganizationStatus)
    for org in demo.organizations:
        if org["status"] is OrganizationStatus.PROSPECT:
            assert org["id"] not in done and org["last_interaction_at"] is None
        else:
            assert org["last_interaction_at"] == max(done[org["id"]])
        assert org["created_at"] <= (org["last_interaction_at"] or org["created_at"])


def test_history_spans_18_months_by_operators(demo: DemoData):
    """Done interactions lie in the last 18 months; planned visits lie ahead; operators log most."""
    operator_ids = {a.id for a in DEMO_ACCOUNTS if a.role.value == "operator"}
    first = TODAY - timedelta(days=560)
    for x in demo.interactions:
        day = x["occurred_at"].date()
        if x["status"] is InteractionStatus.PLANNED:
            assert day > TODAY
        else:
            assert first <= day < TODAY
        assert x["occurred_at"].tzinfo is not None
    by_user = Counter(x["user_id"] for x in demo.interactions)
    assert sum(by_user[u] for u in operator_ids) / len(demo.interactions) > 0.85
    assert min(x["occurred_at"].date() for x in demo.interactions) < TODAY - timedelta(days=450)


def test_follow_ups_mix_overdue_today_this_week_and_done(demo: DemoData):
    """Open follow-ups include overdue ones, ones due today and this week; done ones have a completion."""
    open_due = [f["due_date"] for f in demo.follow_ups if f["status"] is FollowUpStatus.OPEN]
    assert any(d < TODAY for d in open_due)
    assert any(d == TODAY for d in open_due)
    assert any(TODAY < d <= TODAY + timedelta(days=6) for d in open_due)
    done = [f for f in demo.follow_ups if f["status"] is FollowUpStatus.DONE]
    assert done and all(f["completed_at"] is not None and f["due_date"] < TODAY for f in done)


def test_same_seed_and_day_give_identical_data_other_seed_differs():
    """Generation is reproducible; another seed or another day gives other data."""
    a = generate(seed=7, scale=120, today=TODAY)
    b = generate(seed=7, scale=120, today=TODAY)
    assert digest(a) == digest(b)
    assert digest(generate(seed=8, scale=120, today=TODAY)) != digest(a)
    assert digest(generate(seed=7, scale=120, today=TODAY + timedelta(days=1))) != digest(a)


def test_scale_grows_contacts_and_history_proportionally():
    """``scale`` sets the number of organizations; contacts and interactions grow with it."""
    small = generate(seed=1, scale=100, today=TODAY)
    large = generate(seed=1, scale=1000, today=TODAY)
    assert len(large.organizations) == 1000
    assert 5 < len(large.contacts) / len(small.contacts) < 15
    assert 5 < len(large.interactions) / len(small.interactions) < 15
    assert len(generate(seed=1, scale=3, today=TODAY).organizations) == 3
