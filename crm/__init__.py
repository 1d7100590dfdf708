"""Flor@Work Outreach: the Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from crm.config import default_config, ensure_sqlite_directory, environment_name, finalize_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``instance/config.py``, then ``CRM_*`` variables, then ``config``."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_mapping(default_config(app.instance_path))
    app.config["ENV_NAME"] = environment_name()
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CRM")
    if config:
        app.config.from_mapping(config)
    finalize_config(app.config)
    ensure_sqlite_directory(app.config["SQLALCHEMY_DATABASE_URI"])

    _init_extensions(app)
    _register_blueprints(app)

    from crm.cli import register_cli
    from crm.errors import register_error_handlers
    from crm.formatting import register_template_helpers
    from crm.permissions import install_login_wall

    install_login_wall(app)
    register_error_handlers(app)
    from crm.security import init_security

    init_security(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    import crm.models  # noqa: F401 - registers every model before the first query
    from crm.audit.services import install_audit_listener
    from crm.extensions import babel, bootstrap, cache, csrf, db, login_manager, migrate
    from crm.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_object=_include_in_migrations,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    bootstrap.init_app(app)
    cache.init_app(app)
    login_manager.init_app(app)
    install_audit_listener()

    from crm.auth.services import configure_login

    configure_login(login_manager)


#: Indexes created by hand in a migration (database-specific or on an expression), which autogenerate
#: must neither drop nor re-create.
DATABASE_SPECIFIC_INDEXES = frozenset(
    {
        "ix_organization_search_trgm",
        "ix_organization_name_order",
        "ix_organization_email_lower",
        "ix_organization_pec_lower",
    }
)


#: SQLite's full-text index of organizations: a virtual table and its shadow tables, made by hand in
#: a migration (SQLite only), unknown to the models.
SQLITE_SEARCH_TABLE = "organization_search"


def _include_in_migrations(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if type_ == "table" and name and name.startswith(SQLITE_SEARCH_TABLE):
        return False
    return not (type_ == "index" and name in DATABASE_SPECIFIC_INDEXES)


def _register_blueprints(app: Flask) -> None:
    from crm.auth.views import bp as auth_bp
    from crm.candidates.views import bp as candidates_bp
    from crm.contacts.views import bp as contacts_bp
    from crm.duplicates.views import bp as duplicates_bp
    from crm.exports.views import bp as exports_bp
    from crm.field.views import bp as field_bp
    from crm.followups.views import bp as followups_bp
    from crm.imports.views import bp as imports_bp
    from crm.interactions.views import bp as interactions_bp
    from crm.jobs.views import bp as jobs_bp
    from crm.main.views import bp as main_bp
    from crm.map.views import bp as map_bp
    from crm.offices.views import bp as offices_bp
    from crm.openings.views import bp as openings_bp
    from crm.organizations.views import bp as organizations_bp
    from crm.outcomes.views import bp as outcomes_bp
    from crm.partnership.views import bp as partnership_bp
    from crm.ranking.views import bp as ranking_bp
    from crm.users.views import bp as users_bp
    from crm.visits.views import bp as visits_bp

    for bp in (
        main_bp,
        auth_bp,
        organizations_bp,
        contacts_bp,
        interactions_bp,
        followups_bp,
        offices_bp,
        users_bp,
        imports_bp,
        duplicates_bp,
        map_bp,
        visits_bp,
        candidates_bp,
        openings_bp,
        exports_bp,
        field_bp,
        jobs_bp,
        partnership_bp,
        ranking_bp,
        outcomes_bp,
    ):
        app.register_blueprint(bp)

    from crm.vendor import register_vendor_assets

    register_vendor_assets(app)

    from crm.api.core import register_api
    from crm.api.tokens import bp as api_tokens_bp

    app.register_blueprint(api_tokens_bp)
    register_api(app)
