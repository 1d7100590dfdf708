"""Configuration: defaults here, then an optional instance file, then ``CRM_*`` environment variables.

Every setting can be overridden from the environment, e.g. ``CRM_DATABASE_URL`` or ``CRM_SECRET_KEY``
(``app.config.from_prefixed_env("CRM")`` parses JSON values, so ``CRM_ITEMS_PER_PAGE=50`` is an int).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The secret used when none is configured. Good enough on a developer's laptop, refused in production.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105


class ConfigurationError(RuntimeError):
    """Raised at start-up when the configuration would make the app unsafe or unusable."""


def default_config(instance_path: str) -> dict[str, Any]:
    """Return the built-in defaults: safe for production except where the environment says otherwise."""
    return {
        "ENV_NAME": "development",
        "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "crm.sqlite3"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "BABEL_DEFAULT_LOCALE": "it",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
        "LANGUAGES": ["it", "en"],
        # Bootstrap and its icons come from the bootstrap-flask package, never from a CDN.
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Computed data that is expensive and keyed by a version of its inputs (the map's points):
        # an in-process cache by default; CRM_CACHE_TYPE=RedisCache and CRM_CACHE_REDIS_URL share it
        # between workers (Flask-Caching settings).
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": 600,
        "BOOTSTRAP_BOOTSWATCH_THEME": None,
        "ITEMS_PER_PAGE": 25,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # The hub's phone numbers are Italian unless they say otherwise.
        "DEFAULT_PHONE_REGION": "IT",
        "DEFAULT_VISIT_MINUTES": 45,
        # Geocoding: Nominatim's public server by default; a self-hosted or commercial one in production.
        "GEOCODER_URL": "https://nominatim.openstreetmap.org",
        "GEOCODER_USER_AGENT": "florwork-outreach/0.1",
        "GEOCODER_EMAIL": None,
        "GEOCODER_TIMEOUT": 10,
        "GEOCODER_MIN_DELAY_SECONDS": 1.0,
        # Map tiles: any XYZ tile server; the map still shows its points when tiles cannot load.
        "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "MAP_TILE_ATTRIBUTION": "&copy; OpenStreetMap contributors",
        "MAP_MAX_POINTS": 100_000,
        # Visit planning: the solver runs in a child process (OR-Tools holds the GIL while searching).
        "PLAN_SECONDS": 5,
        "PLAN_RUN_INLINE": False,
        "PLAN_WORKERS": 1,
        "PLAN_MAX_STOPS": 100,
        "PLAN_STALE_SECONDS": 120,
        "PLAN_SOLUTION_LIMIT": None,
        "PLAN_ROUTING_URL": None,
        # Background jobs: RQ on Redis when REDIS_URL is set, threads of the web process otherwise.
        "REDIS_URL": None,
        "JOBS_BACKEND": "auto",
        "JOBS_QUEUE": "crm",
        "JOBS_THREADS": 2,
        "JOBS_TIMEOUT": 6 * 3600,
        # Log-in protection: attempts per client address (Flask-Limiter syntax), and lock-out of an
        # account after LOGIN_MAX_FAILURES wrong passwords in a row, for LOGIN_LOCKOUT_MINUTES.
        # None: on, except when ENV_NAME is "testing" (test servers log in many times a minute).
        "RATELIMIT_ENABLED": None,
        "LOGIN_RATE_LIMIT": "10 per minute;100 per hour",
        "RATELIMIT_STORAGE_URI": None,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_MINUTES": 15,
        # Security headers: extra sources for the Content-Security-Policy (the map tile server is
        # added from MAP_TILE_URL), and HSTS in production.
        "CSP_EXTRA_IMG_SRC": [],
        "CSP_EXTRA_CONNECT_SRC": [],
        "HSTS_SECONDS": 31536000,
        # Logs: "text" (default) or "json" (one JSON object a line); personal data is redacted in both.
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
    }


def finalize_config(config: dict[str, Any]) -> None:
    """Derive dependent settings and refuse unsafe combinations.

    :raises ConfigurationError: in production with the development secret, a missing database URL
        or no ``CRM_ENCRYPTION_KEY``.
    """
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["DATABASE_URL"])
    if config.get("RATELIMIT_ENABLED") is None:
        config["RATELIMIT_ENABLED"] = config.get("ENV_NAME") != "testing"
    if config["ENV_NAME"] == "production":
        if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY:
            raise ConfigurationError(
                "CRM_SECRET_KEY must be set to a long random value in production "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if not config.get("ENCRYPTION_KEY"):
            raise ConfigurationError(
                "CRM_ENCRYPTION_KEY must be set in production: it encrypts candidates' identity and "
                "sensitive notes (flask --app crm candidates generate-key prints a new one)."
            )
        from crm.privacy.crypto import EncryptionKeyError, decode_key

        try:
            decode_key(str(config["ENCRYPTION_KEY"]))
        except EncryptionKeyError as exc:
            raise ConfigurationError(f"CRM_ENCRYPTION_KEY is invalid: {exc}.") from None
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config.setdefault("PREFERRED_URL_SCHEME", "https")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgres://`` and ``postgresql://`` URLs, as hosting providers write them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a file-based SQLite database so a fresh clone starts without set-up."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def environment_name() -> str:
    """The deployment name from ``CRM_ENV_NAME`` (``development``, ``production`` or ``testing``)."""
    return os.environ.get("CRM_ENV_NAME", "development")
