from __future__ import annotations

import pytest

from crm import create_app
from crm.config import DEVELOPMENT_SECRET_KEY, ConfigurationError, normalise_database_url


def test_production_refuses_the_development_secret(tmp_path):
    """Starting in production with the development secret key is refused at start-up."""
    with pytest.raises(ConfigurationError, match="CRM_SECRET_KEY"):
        create_app(
            {
                "ENV_NAME": "production",
                "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            }
        )


def test_production_with_real_secrets_uses_secure_cookies(tmp_path):
    """A production app sends its session cookie over HTTPS only."""
    from crm.privacy.crypto import generate_key

    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "s" * 40,
            "ENCRYPTION_KEY": generate_key(),
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_production_refuses_a_missing_or_invalid_encryption_key(tmp_path, key):
    """Candidates' data cannot be encrypted with no key or a malformed one: start-up is refused."""
    config = {"ENV_NAME": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    if key:
        config["ENCRYPTION_KEY"] = key
    with pytest.raises(ConfigurationError, match="CRM_ENCRYPTION_KEY"):
        create_app(config)


def test_environment_variables_override_defaults(monkeypatch, tmp_path):
    """CRM_* variables configure the app (JSON values are parsed)."""
    monkeypatch.setenv("CRM_ITEMS_PER_PAGE", "50")
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app()
    assert app.config["ITEMS_PER_PAGE"] == 50
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(url, expected):
    """PostgreSQL URLs as hosts write them are driven by psycopg 3."""
    assert normalise_database_url(url) == expected


def test_default_database_is_embedded_sqlite(monkeypatch):
    """With no configuration the app needs no database server."""
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/crm.sqlite3")
