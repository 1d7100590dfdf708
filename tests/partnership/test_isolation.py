"""A referrer sees their own people only, and never the hub's notes about employers or its internal
notes — checked on every GET route of the URL map, with every id of interest in its parameters."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask

from crm.auth.models import Role
from crm.extensions import db
from crm.interactions.models import Interaction, InteractionKind, InteractionStatus
from crm.openings.models import ContractType, Opening, PipelineEntry, PipelineStage
from crm.openings.services import record_placement
from crm.partnership.services import add_action, add_note
from crm.privacy.models import AccessAction, AccessLog

SECRETS = {
    "employer_note": "NOTA-AZIENDA-RISERVATA",
    "interaction_note": "COLLOQUIO-TITOLARE-RISERVATO",
    "pipeline_note": "PIPELINE-NOTA-INTERNA",
    "hub_action": "AZIONE-INTERNA-HUB",
    "hub_note": "NOTA-INTERNA-HUB",
}


def _world(make_user, make_office, make_referrer, refer, make_plan, make_org) -> dict[str, Any]:
    operator = make_user(Role.OPERATOR)
    office = make_office(name="Servizio Sociale Q1")
    mine = make_referrer(office, full_name="Assistente Mia")
    colleague = make_referrer(office, full_name="Assistente Collega")
    elsewhere = make_referrer(make_office(name="Servizio Sociale Q5"), full_name="Assistente Altrove")
    own = refer(mine, first_name="Aurora", last_name="Propria")
    other = refer(colleague, first_name="Bruno", last_name="Altrui")
    far = refer(elsewhere, first_name="Carla", last_name="Lontana")
    for referral in (own, other, far):
        referral.candidate.operator_id = operator.id
    db.session.commit()
    plan = make_plan(own.candidate, operator)
    make_plan(other.candidate, operator)
    add_action(
        plan,
        {"description": "Portare il modulo ISEE", "owner_kind": "referrer", "due_on": date(2026, 4, 1)},
        by=operator,
    )
    add_action(
        plan,
        {
            "description": SECRETS["hub_action"],
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 1),
        },
        by=operator,
    )
    add_action(
        plan,
        {
            "description": "Bilancio di competenze condiviso",
            "owner_kind": "hub",
            "owner_user_id": operator.id,
            "due_on": date(2026, 4, 1),
            "shared": True,
        },
        by=operator,
    )
    add_note(own.candidate, SECRETS["hub_note"], by=operator)
    add_note(own.candidate, "Nota condivisa con i servizi", by=operator, shared=True)
    org = make_org(legal_name="Magazzini Riservati S.r.l.", notes=SECRETS["employer_note"])
    db.session.add(
        Interaction(
            organization_id=org.id,
            user_id=operator.id,
            kind=InteractionKind.VISIT,
            status=InteractionStatus.DONE,
            occurred_at=datetime(2026, 3, 5, 10, tzinfo=UTC),
            subject="Visita",
            body=SECRETS["interaction_note"],
        )
    )
    opening = Opening(organization=org, title="Magazziniere", contract=ContractType.FIXED_TERM)
    db.session.add(opening)
    db.session.flush()
    entry = PipelineEntry(
        opening_id=opening.id,
        candidate_id=own.candidate_id,
        stage=PipelineStage.INTERVIEW,
        note=SECRETS["pipeline_note"],
    )
    other_entry = PipelineEntry(
        opening_id=opening.id, candidate_id=other.candidate_id, stage=PipelineStage.PRESENTED
    )
    db.session.add_all([entry, other_entry])
    db.session.commit()
    from crm.db_types import utcnow

    entry.presented_at = other_entry.presented_at = utcnow()
    db.session.commit()
    record_placement(entry, {"start_date": date(2026, 4, 1)}, by=operator)
    return {"mine": mine, "own": own, "other": other, "far": far, "operator": operator}


def test_referrer_sees_no_one_else_on_any_route(
    app: Flask, client, auth, make_user, make_office, make_referrer, refer, make_plan, make_org
):
    """Every GET route, with every small id, as the referrer: their person shows up somewhere, the
    others and the hub's employer-side and internal notes never do."""
    world = _world(make_user, make_office, make_referrer, refer, make_plan, make_org)
    auth.login(world["mine"])
    forbidden = [
        "Bruno",
        "Altrui",
        "Carla",
        "Lontana",
        world["other"].candidate.code,
        world["far"].candidate.code,
        *SECRETS.values(),
    ]
    ids = range(1, 9)
    seen_own = False
    pages = 0
    for rule in app.url_map.iter_rules():
        if (
            "GET" not in (rule.methods or set())
            or rule.endpoint == "static"
            or rule.endpoint.endswith(".static")
        ):
            continue
        int_args = [
            a for a in rule.arguments if rule._converters[a].__class__.__name__.lower().startswith("int")
        ]
        if len(int_args) != len(rule.arguments):
            continue  # string arguments: no ids to try (tokens, file names)
        for values in itertools.product(ids, repeat=len(int_args)):
            url = rule.build(dict(zip(int_args, values, strict=True)), append_unknown=False)[1]
            response = client.get(url)
            if response.status_code != 200:
                continue
            pages += 1
            body = response.get_data(as_text=True)
            for text in forbidden:
                assert text not in body, (url, text)
            seen_own = seen_own or "Aurora" in body
    assert seen_own and pages >= 2
    # The case page shows what the referrer should see.
    body = client.get(f"/partnership/portal/cases/{world['own'].candidate_id}").get_data(as_text=True)
    for text in (
        "Portare il modulo ISEE",
        "Bilancio di competenze condiviso",
        "Nota condivisa con i servizi",
        "Magazziniere",
        "Magazzini Riservati",
    ):
        assert text in body, text


def test_referrer_reads_are_in_the_access_log(client, auth, make_referrer, refer):
    """The list and each case page opened by a referrer are logged with the referrer's name."""
    referrer = make_referrer()
    referral = refer(referrer)
    auth.login(referrer)
    assert client.get("/partnership/portal/").status_code == 200
    assert client.get(f"/partnership/portal/cases/{referral.candidate_id}").status_code == 200
    entries = db.session.scalars(db.select(AccessLog).where(AccessLog.user_id == referrer.id)).all()
    actions = [e.action for e in entries]
    assert AccessAction.LIST in actions and AccessAction.VIEW in actions
    assert all(referral.candidate.code in e.candidate_codes for e in entries)


def test_referrer_cannot_act_on_other_cases(
    client, auth, make_user, make_referrer, refer, make_plan, make_office
):
    """Posting to another referrer's case or action answers 404 and changes nothing."""
    operator = make_user(Role.OPERATOR)
    office = make_office()
    mine, colleague = make_referrer(office), make_referrer(office)
    other = refer(colleague)
    other.candidate.operator_id = operator.id
    db.session.commit()
    plan = make_plan(other.candidate, operator)
    action = add_action(
        plan, {"description": "Sua", "owner_kind": "referrer", "due_on": date(2026, 4, 1)}, by=operator
    )
    auth.login(mine)
    assert (
        client.post(f"/partnership/portal/actions/{action.id}/status", data={"status": "done"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/partnership/portal/cases/{other.candidate_id}/notes", data={"body": "ciao"}
        ).status_code
        == 404
    )
    assert client.get(f"/partnership/portal/cases/{other.candidate_id}").status_code == 404
    db.session.refresh(action)
    assert action.status.value == "todo"


def test_transfer_moves_the_case_and_is_logged(client, auth, coordinator, make_office, make_referrer, refer):
    """After a coordinator transfers a case, the old referrer loses it and the new one sees it."""
    from crm.partnership.models import Referrer

    office = make_office()
    old, new = make_referrer(office), make_referrer(office)
    referral = refer(old)
    target = db.session.scalars(db.select(Referrer).where(Referrer.user_id == new.id)).one()
    auth.login(coordinator)
    response = client.post(
        f"/partnership/candidates/{referral.candidate_id}/referrer",
        data={"referrer_id": str(target.id), "reason": "Cambio assistente sociale"},
    )
    assert response.status_code == 302
    log = db.session.scalars(
        db.select(AccessLog).where(AccessLog.reason == "Cambio assistente sociale")
    ).one()
    assert log.action is AccessAction.CHANGE and (log.detail or "").startswith("referrer changed — ")
    auth.logout()
    auth.login(old)
    assert client.get(f"/partnership/portal/cases/{referral.candidate_id}").status_code == 404
    auth.logout()
    auth.login(new)
    assert client.get(f"/partnership/portal/cases/{referral.candidate_id}").status_code == 200


def test_moving_office_hides_the_old_cases(client, auth, coordinator, make_office, make_referrer, refer):
    """Access is tied to the office: a referrer moved to another office no longer sees the old cases."""
    from crm.partnership.models import Referrer
    from crm.partnership.services import update_referrer

    referrer = make_referrer()
    referral = refer(referrer)
    profile = db.session.scalars(db.select(Referrer).where(Referrer.user_id == referrer.id)).one()
    update_referrer(profile, {"office_id": make_office().id}, by=coordinator)
    auth.login(referrer)
    assert client.get(f"/partnership/portal/cases/{referral.candidate_id}").status_code == 404
