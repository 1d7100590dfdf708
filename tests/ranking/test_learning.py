"""Learning from outcomes: the contact history, the report per factor and the suggested weights."""

from __future__ import annotations

import numpy as np
import pytest

from crm.extensions import db
from crm.interactions.models import InteractionKind, InteractionOutcome
from crm.openings.models import ContractType, Opening, OpeningStatus
from crm.ranking import learning, scoring
from crm.ranking.services import current_settings, resolve_reference
from tests.ranking.conftest import days_ago


@pytest.fixture
def history_data(office, org, interaction):
    """Forty large companies whose contact led to an opening 50 days later, forty small ones where
    nothing followed, and a contact too recent to judge."""
    large, small = [], []
    for _ in range(40):
        o = org(employees=300, law68_subject=True, law68_protected_employed=0)
        interaction(o, 300, InteractionOutcome.POSITIVE)
        db.session.add(
            Opening(
                organization_id=o.id,
                title="Magazziniere",
                contract=ContractType.PERMANENT,
                status=OpeningStatus.FILLED,
                created_at=days_ago(250),
            )
        )
        large.append(o)
    for _ in range(40):
        o = org(employees=3)
        interaction(o, 300, InteractionOutcome.NEUTRAL)
        small.append(o)
    recent = org(employees=300)
    interaction(recent, 20, kind=InteractionKind.VISIT)
    interaction(recent, 25, kind=InteractionKind.NOTE)
    db.session.commit()
    return large, small, recent


def _history(horizon=180):
    return learning.contact_history(current_settings(), resolve_reference(None), horizon)


def test_history_counts_contacts_and_successes(history_data):
    """Every contact older than the horizon, success when an opening followed within it."""
    large, _small, recent = history_data
    history = _history()
    assert len(history) == 80 and history.successes == 40
    assert recent.id not in history.organization_ids.tolist()
    successes = set(history.organization_ids[history.success].tolist())
    assert successes == {o.id for o in large}
    # The opening came after the contact: it must not feed the openings factor of that contact.
    assert np.all(history.values[:, scoring.FACTORS.index("openings")] == 0)
    # Before the contact the organizations had never been contacted.
    assert np.allclose(history.values[:, scoring.FACTORS.index("relationship")], 0.7)


def test_short_horizon_sees_no_success(history_data):
    """With a horizon shorter than the time to the opening, nothing succeeded."""
    assert _history(horizon=30).successes == 0


def test_report_per_factor(history_data):
    """Success rate by factor band: the size factor separates the outcomes perfectly here."""
    history = _history()
    report = learning.report(history, current_settings().weights)
    assert report.contacts == 80 and report.successes == 40 and report.rate == 0.5
    size = next(f for f in report.factors if f.factor == "size")
    assert size.auc == pytest.approx(1.0)
    high = size.bands[-1]
    assert high.contacts == 40 and high.rate == 1.0
    assert sum(b.contacts for b in report.score_bands) == 80
    assert report.auc == pytest.approx(1.0)


def test_suggested_weights_favour_what_worked(history_data):
    """The regularised regression puts the weight on the factors that told successes apart."""
    history = _history()
    assert learning.enough_history(history)
    suggestion = learning.suggest_weights(history, current_settings().weights)
    assert sum(suggestion.weights.values()) == 100
    assert suggestion.weights["size"] + suggestion.weights["law68"] > 80
    assert suggestion.coefficients["size"] > 0
    assert suggestion.auc_suggested == pytest.approx(1.0)


def test_not_enough_history(office, org, interaction):
    """A handful of contacts: no suggestion."""
    o = org()
    interaction(o, 300)
    history = _history()
    assert not learning.enough_history(history)
    with pytest.raises(ValueError):
        learning.suggest_weights(history, current_settings().weights)


def test_coefficients_to_weights():
    """Negative coefficients become 0; the rest add up to exactly 100."""
    weights = learning.coefficients_to_weights(
        {"law68": 1.0, "sector": -2.0, "openings": 1.0, "relationship": 1.0, "size": 0.0, "distance": 0.0}
    )
    assert weights == {"law68": 34, "sector": 0, "openings": 33, "relationship": 33, "size": 0, "distance": 0}
    assert learning.coefficients_to_weights({f: -1.0 for f in scoring.FACTORS}) == {
        f: 0 for f in scoring.FACTORS
    }


def test_learning_page_suggests_and_applies(client, auth, coord, history_data):
    """The page shows the suggestion beside the current weights and an apply button."""
    auth.login(coord)
    html = client.get("/ranking/learning?horizon=180&suggest=1").get_data(as_text=True)
    assert "80 past contacts" in html and "40 followed by an opening or a placement" in html
    assert "Suggested weights" in html and "Apply the suggested weights" in html
