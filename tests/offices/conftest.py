"""Fixtures: English-speaking staff (so tests read the messages) and a fallback for unbuilt endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from crm.auth.models import Role, User


@pytest.fixture(autouse=True)
def _placeholder_urls(app: Flask) -> Iterator[None]:
    """Menu links to endpoints other modules have not built yet get a dummy URL (a fallback only)."""

    def handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        return f"/__missing__/{endpoint}"

    app.url_build_error_handlers.append(handler)
    yield
    app.url_build_error_handlers.remove(handler)


@pytest.fixture
def staff(make_user: Any) -> Any:
    """``staff(Role.X)``: a user whose interface is English."""

    def _make(role: Role = Role.OPERATOR, **fields: Any) -> User:
        fields.setdefault("locale", "en")
        return make_user(role, **fields)

    return _make
