"""Contacts, interactions and follow-ups through the API: filters, pagination, writes through the
screens' forms and services, permission rules, the audit trail, bounded queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crm.audit.models import ChangeLog
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import create_follow_up
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.interactions.services import log_interaction

from .conftest import count_queries


def _contact(org, by, **fields):
    data = {"first_name": "Maria", "last_name": "Bianchi", "is_primary": False}
    data.update(fields)
    return create_contact(org, data, by=by)


# --- Contacts -------------------------------------------------------------------------------------


def test_contacts_list_filters_by_organization_and_words(client, op, make_org, headers):
    a = make_org(owner=op)
    b = make_org(owner=op)
    _contact(a, op, last_name="Rossi", role="Titolare")
    _contact(a, op, last_name="Verdi", role="HR")
    _contact(b, op, last_name="Neri")
    h = headers(op, "read")
    body = client.get(f"/api/v1/contacts?organization_id={a.id}", headers=h).get_json()
    assert [c["last_name"] for c in body["items"]] == ["Rossi", "Verdi"] and body["total"] == 2
    body = client.get("/api/v1/contacts?q=titolare", headers=h).get_json()
    assert [c["last_name"] for c in body["items"]] == ["Rossi"]
    one = client.get(f"/api/v1/contacts/{body['items'][0]['id']}", headers=h).get_json()
    assert one["organization"]["id"] == a.id and one["role"] == "Titolare"


def test_contact_create_and_update_through_the_form(client, op, make_org, headers):
    org = make_org(owner=op, legal_name="Officina Verdi")
    h = headers(op)
    response = client.post(
        "/api/v1/contacts",
        json={
            "organization_id": org.id,
            "first_name": "Gino",
            "last_name": "Verdi",
            "phone": "055 22 33 44",
            "is_primary": True,
        },
        headers=h,
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["phone"] == "+3905522334 4".replace(" ", "") and created["is_primary"] is True
    # The organization is found by its contact's name (search text refreshed by the service).
    found = client.get("/api/v1/organizations?q=gino", headers=h).get_json()
    assert [o["id"] for o in found["items"]] == [org.id]
    response = client.patch(
        f"/api/v1/contacts/{created['id']}", json={"role": "Titolare", "email": "bad"}, headers=h
    )
    assert response.status_code == 422 and "email" in response.get_json()["errors"]
    response = client.patch(f"/api/v1/contacts/{created['id']}", json={"role": "Titolare"}, headers=h)
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "Titolare" and body["last_name"] == "Verdi" and body["is_primary"] is True
    assert (
        db.session.scalars(db.select(ChangeLog).where(ChangeLog.entity_type == "contact")).first().user_id
        == op.id
    )


def test_contact_writes_need_edit_rights(client, op, coord, make_org, headers):
    org = make_org(owner=coord)
    contact = _contact(org, coord)
    h = headers(op)
    assert (
        client.post(
            "/api/v1/contacts",
            json={"organization_id": org.id, "first_name": "A", "last_name": "B"},
            headers=h,
        ).status_code
        == 403
    )
    assert client.patch(f"/api/v1/contacts/{contact.id}", json={"role": "x"}, headers=h).status_code == 403
    assert client.get(f"/api/v1/contacts/{contact.id}", headers=h).status_code == 200


def test_contact_create_for_missing_organization_is_404(client, op, headers):
    response = client.post(
        "/api/v1/contacts",
        json={"organization_id": 424242, "first_name": "A", "last_name": "B"},
        headers=headers(op),
    )
    assert response.status_code == 404


def test_contact_list_query_count_is_bounded(client, op, make_org, headers, fresh):
    h = headers(op, "read")
    orgs = [make_org(owner=op) for _ in range(6)]
    org_ids = [o.id for o in orgs]

    def queries(per_org: int) -> int:
        from crm.organizations.models import Organization

        for org_id in org_ids:
            org = db.session.get(Organization, org_id)
            while len(org.contacts) < per_org:
                _contact(org, org.owner, last_name=f"N{len(org.contacts)}")
        client.get("/api/v1/me", headers=h)
        fresh()
        with count_queries() as statements:
            assert client.get("/api/v1/contacts?per_page=100", headers=h).status_code == 200
        return len(statements)

    assert queries(1) == queries(5)


# --- Interactions ---------------------------------------------------------------------------------


def test_interaction_log_and_correct(client, op, make_org, headers):
    org = make_org(owner=op)
    contact = _contact(org, op)
    h = headers(op)
    when = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    response = client.post(
        "/api/v1/interactions",
        json={
            "organization_id": org.id,
            "kind": "call",
            "subject": "Prima chiamata",
            "occurred_at": when.isoformat(),
            "contact_id": contact.id,
            "outcome": "positive",
        },
        headers=h,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user"]["id"] == op.id and body["contact"]["id"] == contact.id
    assert datetime.fromisoformat(body["occurred_at"]) == when
    # The organization's last contact date follows, as from the screen.
    org_body = client.get(f"/api/v1/organizations/{org.id}", headers=h).get_json()
    assert datetime.fromisoformat(org_body["last_interaction_at"]) == when
    response = client.patch(f"/api/v1/interactions/{body['id']}", json={"subject": "Chiamata"}, headers=h)
    assert response.status_code == 200 and response.get_json()["subject"] == "Chiamata"
    assert response.get_json()["outcome"] == "positive"


def test_interaction_validation_like_the_screen(client, op, coord, make_org, headers):
    org = make_org(owner=op)
    other = make_org()
    foreign = _contact(other, coord)
    h = headers(op)
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    response = client.post(
        "/api/v1/interactions",
        json={"organization_id": org.id, "kind": "visit", "subject": "Domani", "occurred_at": future},
        headers=h,
    )
    assert response.status_code == 422 and "status" in response.get_json()["errors"]
    response = client.post(
        "/api/v1/interactions",
        json={
            "organization_id": org.id,
            "kind": "visit",
            "status": "planned",
            "subject": "Domani",
            "occurred_at": future,
        },
        headers=h,
    )
    assert response.status_code == 201
    response = client.post(
        "/api/v1/interactions",
        json={"organization_id": org.id, "kind": "call", "subject": "x", "contact_id": foreign.id},
        headers=h,
    )
    assert response.status_code == 422 and "contact_id" in response.get_json()["errors"]
    response = client.post(
        "/api/v1/interactions",
        json={"organization_id": org.id, "kind": "call", "subject": "x", "user_id": coord.id},
        headers=h,
    )
    assert response.status_code == 422 and "user_id" in response.get_json()["errors"]


def test_interaction_edit_rules(client, op, coord, make_org, headers):
    org = make_org(owner=op)
    theirs = log_interaction(org, {"kind": InteractionKind.CALL, "subject": "c"}, by=coord)
    assert (
        client.patch(
            f"/api/v1/interactions/{theirs.id}", json={"subject": "z"}, headers=headers(op)
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/interactions/{theirs.id}", json={"subject": "z"}, headers=headers(coord)
        ).status_code
        == 200
    )


def test_interaction_list_filters(client, op, coord, make_org, headers):
    org = make_org(owner=op)
    other = make_org()
    log_interaction(
        org,
        {"kind": InteractionKind.CALL, "subject": "a", "occurred_at": datetime(2026, 1, 10, 9, tzinfo=UTC)},
        by=op,
    )
    log_interaction(
        org,
        {"kind": InteractionKind.EMAIL, "subject": "b", "occurred_at": datetime(2026, 2, 10, 9, tzinfo=UTC)},
        by=coord,
    )
    log_interaction(
        other,
        {"kind": InteractionKind.CALL, "subject": "c", "occurred_at": datetime(2026, 3, 10, 9, tzinfo=UTC)},
        by=op,
    )
    h = headers(op, "read")

    def subjects(query: str) -> list[str]:
        response = client.get("/api/v1/interactions?" + query, headers=h)
        assert response.status_code == 200, response.get_json()
        return [i["subject"] for i in response.get_json()["items"]]

    assert subjects("") == ["c", "b", "a"]
    assert subjects("kind=call") == ["c", "a"]
    assert subjects(f"user_id={coord.id}") == ["b"]
    assert subjects(f"organization_id={org.id}") == ["b", "a"]
    assert subjects("date_from=2026-02-01&date_to=2026-02-28") == ["b"]


def test_interaction_list_query_count_is_bounded(client, op, coord, make_org, headers, fresh):
    h = headers(op, "read")
    orgs = [make_org(owner=op).id for _ in range(3)]
    ids = [op.id, coord.id]
    from crm.auth.models import User
    from crm.organizations.models import Organization

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(Interaction.id)))
        while n < total:
            org = db.session.get(Organization, orgs[n % 3])
            author = db.session.get(User, ids[n % 2])
            contact = _contact(org, db.session.get(User, ids[1]), last_name=f"C{n}")
            log_interaction(
                org, {"kind": InteractionKind.CALL, "subject": f"s{n}", "contact_id": contact.id}, by=author
            )
            n += 1
        client.get("/api/v1/me", headers=h)
        fresh()
        with count_queries() as statements:
            assert client.get("/api/v1/interactions?per_page=100", headers=h).status_code == 200
        return len(statements)

    assert queries(3) == queries(12)


# --- Follow-ups -----------------------------------------------------------------------------------


def test_follow_up_create_update_and_complete(client, op, make_org, headers):
    org = make_org(owner=op)
    h = headers(op)
    response = client.post(
        "/api/v1/follow-ups",
        json={"title": "Richiamare", "due_date": "2026-12-01", "organization_id": org.id},
        headers=h,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (
        body["assignee"]["id"] == op.id and body["organization"]["id"] == org.id and body["status"] == "open"
    )
    response = client.patch(
        f"/api/v1/follow-ups/{body['id']}", json={"due_date": "2026-12-05", "status": "done"}, headers=h
    )
    assert response.status_code == 200
    done = response.get_json()
    assert done["due_date"] == "2026-12-05" and done["status"] == "done" and done["completed_at"]
    response = client.patch(f"/api/v1/follow-ups/{body['id']}", json={"status": "open"}, headers=h)
    assert response.get_json()["status"] == "open" and response.get_json()["completed_at"] is None


def test_follow_up_validation_and_assignment_rules(client, op, coord, headers):
    h = headers(op)
    response = client.post("/api/v1/follow-ups", json={"title": "", "due_date": "2026-12-01"}, headers=h)
    assert response.status_code == 422 and "title" in response.get_json()["errors"]
    response = client.post(
        "/api/v1/follow-ups",
        json={"title": "x", "due_date": "2026-12-01", "assignee_id": coord.id},
        headers=h,
    )
    assert response.status_code == 422 and "assignee_id" in response.get_json()["errors"]
    response = client.post(
        "/api/v1/follow-ups",
        json={"title": "x", "due_date": "2026-12-01", "assignee_id": op.id},
        headers=headers(coord),
    )
    assert response.status_code == 201 and response.get_json()["assignee"]["id"] == op.id


def test_follow_up_list_rules_follow_the_board(client, op, coord, make_org, headers):
    org = make_org()
    mine = create_follow_up({"title": "mine", "due_date": date(2026, 5, 2), "assignee_id": op.id}, by=op)
    create_follow_up({"title": "theirs", "due_date": date(2026, 5, 1), "assignee_id": coord.id}, by=coord)
    create_follow_up(
        {"title": "org", "due_date": date(2026, 5, 3), "assignee_id": coord.id}, by=coord, organization=org
    )
    h = headers(op, "read")

    def titles(query: str, hh=h) -> list[str]:
        response = client.get("/api/v1/follow-ups?" + query, headers=hh)
        assert response.status_code == 200, response.get_json()
        return [f["title"] for f in response.get_json()["items"]]

    assert titles("") == ["mine"]
    assert titles(f"organization_id={org.id}") == ["org"]
    assert client.get(f"/api/v1/follow-ups?assignee={coord.id}", headers=h).status_code == 403
    assert client.get("/api/v1/follow-ups?assignee=everyone", headers=h).status_code == 403
    assert titles("assignee=everyone", headers(coord, "read")) == ["theirs", "mine", "org"]
    mine.status = FollowUpStatus.DONE
    db.session.commit()
    assert titles("status=done") == ["mine"]
    personal = db.session.scalars(db.select(FollowUp).where(FollowUp.title == "theirs")).one()
    assert client.get(f"/api/v1/follow-ups/{personal.id}", headers=h).status_code == 403


def test_follow_up_list_query_count_is_bounded(client, op, make_org, headers, fresh):
    h = headers(op, "read")
    org_id = make_org(owner=op).id
    op_id = op.id
    from crm.auth.models import User
    from crm.organizations.models import Organization

    def queries(total: int) -> int:
        n = db.session.scalar(db.select(db.func.count(FollowUp.id)))
        while n < total:
            user = db.session.get(User, op_id)
            org = db.session.get(Organization, org_id)
            contact = _contact(org, user, last_name=f"F{n}")
            create_follow_up(
                {
                    "title": f"t{n}",
                    "due_date": date(2026, 6, 1),
                    "assignee_id": user.id,
                    "contact_id": contact.id,
                },
                by=user,
                organization=org,
            )
            n += 1
        client.get("/api/v1/me", headers=h)
        fresh()
        with count_queries() as statements:
            assert client.get("/api/v1/follow-ups?per_page=100", headers=h).status_code == 200
        return len(statements)

    assert queries(2) == queries(9)


def test_planned_visit_is_listed_in_visits(client, op, coord, make_org, headers):
    """/visits lists the person's visits in time order; operators their own only."""
    org = make_org(owner=op)
    log_interaction(
        org,
        {
            "kind": InteractionKind.VISIT,
            "status": InteractionStatus.PLANNED,
            "subject": "v2",
            "occurred_at": datetime(2026, 4, 2, 9, tzinfo=UTC),
        },
        by=op,
    )
    log_interaction(
        org,
        {
            "kind": InteractionKind.VISIT,
            "status": InteractionStatus.DONE,
            "subject": "v1",
            "occurred_at": datetime(2026, 4, 1, 9, tzinfo=UTC),
        },
        by=op,
    )
    log_interaction(
        org,
        {"kind": InteractionKind.CALL, "subject": "call", "occurred_at": datetime(2026, 4, 1, 8, tzinfo=UTC)},
        by=op,
    )
    log_interaction(
        org,
        {
            "kind": InteractionKind.VISIT,
            "subject": "coord's",
            "occurred_at": datetime(2026, 4, 1, 8, tzinfo=UTC),
        },
        by=coord,
    )
    h = headers(op, "read")
    body = client.get("/api/v1/visits", headers=h).get_json()
    assert [v["subject"] for v in body["items"]] == ["v1", "v2"]
    body = client.get(
        "/api/v1/visits?status=planned&date_from=2026-04-02&date_to=2026-04-02", headers=h
    ).get_json()
    assert [v["subject"] for v in body["items"]] == ["v2"]
    assert client.get(f"/api/v1/visits?user_id={coord.id}", headers=h).status_code == 403
    body = client.get(f"/api/v1/visits?user_id={op.id}", headers=headers(coord, "read")).get_json()
    assert len(body["items"]) == 2


def test_contact_model_is_untouched_by_reads(client, op, make_org, headers):
    """Reading never writes: the contact's updated_at stays put."""
    org = make_org(owner=op)
    contact = _contact(org, op)
    before = contact.updated_at
    client.get(f"/api/v1/contacts/{contact.id}", headers=headers(op, "read"))
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).updated_at == before


def test_interaction_and_follow_up_details(client, op, make_org, headers):
    org = make_org(owner=op)
    interaction = log_interaction(org, {"kind": InteractionKind.MEETING, "subject": "Riunione"}, by=op)
    follow_up = create_follow_up(
        {"title": "Preventivo", "due_date": date(2026, 7, 1), "assignee_id": op.id}, by=op, organization=org
    )
    h = headers(op, "read")
    body = client.get(f"/api/v1/interactions/{interaction.id}", headers=h).get_json()
    assert (body["kind"], body["subject"], body["organization"]["id"]) == ("meeting", "Riunione", org.id)
    body = client.get(f"/api/v1/follow-ups/{follow_up.id}", headers=h).get_json()
    assert (body["title"], body["due_date"], body["assignee"]["id"]) == ("Preventivo", "2026-07-01", op.id)
    assert client.get("/api/v1/interactions/4242", headers=h).status_code == 404
    assert client.get("/api/v1/follow-ups/4242", headers=h).status_code == 404
