"""Organizations built directly through the model: only the rows a test needs."""

from __future__ import annotations

from typing import Any

import pytest

from crm.extensions import db
from crm.organizations.models import Organization, OrganizationKind, OrganizationStatus


@pytest.fixture
def make_org() -> Any:
    counter = {"n": 0}

    def _make(owner: Any = None, **fields: Any) -> Organization:
        counter["n"] += 1
        org = Organization(
            legal_name=fields.pop("legal_name", f"Azienda Prova {counter['n']} S.r.l."),
            kind=fields.pop("kind", OrganizationKind.COMPANY),
            status=fields.pop("status", OrganizationStatus.PROSPECT),
            owner_id=owner.id if owner is not None else fields.pop("owner_id", None),
            **fields,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return _make
