"""One module per resource; BLUEPRINTS lists them in the order the documentation shows them."""

from __future__ import annotations

from crm.api.resources import (
    candidates,
    contacts,
    followups,
    interactions,
    jobs,
    me,
    openings,
    organizations,
    visits,
)

BLUEPRINTS = (
    me.blp,
    organizations.blp,
    contacts.blp,
    interactions.blp,
    followups.blp,
    visits.plans_blp,
    visits.visits_blp,
    candidates.blp,
    openings.blp,
    jobs.blp,
)
