"""Fixtures for the import tests: English-speaking staff and small files written on the fly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from werkzeug.security import generate_password_hash

from crm.auth.models import Role, User
from crm.extensions import db
from tests.organizations.helpers import PASSWORD

_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

HEADER = ["Ragione sociale", "Partita IVA", "Comune", "CAP", "Dipendenti", "Telefono"]


@pytest.fixture(autouse=True)
def _placeholder_urls(app: Flask) -> Iterator[None]:
    """Menu entries of modules other engineers are still building get a dummy URL."""

    def handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        return f"/__missing__/{endpoint}"

    app.url_build_error_handlers.append(handler)
    yield
    app.url_build_error_handlers.remove(handler)


@pytest.fixture(autouse=True)
def _english(app: Flask) -> Iterator[None]:
    """Reasons read in English (outside requests the app speaks Italian)."""
    with force_locale("en"):
        yield


@pytest.fixture(autouse=True)
def _upload_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a per-test folder, not to the real instance folder."""
    folder = tmp_path / "instance"
    old = app.instance_path
    app.instance_path = str(folder)
    yield folder / "imports"
    app.instance_path = old


@pytest.fixture
def uploads(_upload_folder: Path) -> Path:
    return _upload_folder


def _staff(role: Role, email: str, name: str) -> User:
    user = User(role=role, email=email, full_name=name, locale="en", password_hash=_CHEAP_HASH)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def coord() -> User:
    return _staff(Role.COORDINATOR, "coord@imports.local", "Carla Coordinatrice")


@pytest.fixture
def op() -> User:
    return _staff(Role.OPERATOR, "op@imports.local", "Oreste Operatore")


@pytest.fixture
def login(client: FlaskClient) -> Any:
    def _login(user: User) -> FlaskClient:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return _login


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = HEADER,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    """A CSV file as Excel writes it (CRLF line ends)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, rows: Sequence[Sequence[Any]], **kwargs: Any) -> Path:
    path.write_bytes(csv_bytes(rows, **kwargs))
    return path
