from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from crm import _include_in_migrations
from crm.extensions import db


def test_migrations_have_a_single_head(app):
    """Two developers' migrations never leave two heads behind."""
    migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(directory=migrate.directory)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_match_the_migrated_schema(app):
    """What ``flask db check`` checks: the models declare nothing the migrations did not create."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": _include_in_migrations},
        )
        assert compare_metadata(context, db.metadata) == []


def test_flask_db_check_command_passes(runner):
    """The command itself exits cleanly on the migrated database."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
