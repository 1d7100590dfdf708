"""SQLite: a full-text trigram index over the organizations' search text (PostgreSQL has pg_trgm)

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-11-25 12:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd6e7f8a9b0c1'
down_revision = 'c5d6e7f8a9b0'
branch_labels = None
depends_on = None

# An external-content FTS5 table: the index only, the text stays in organization.search_text.
# The triggers keep it in step with every write, including bulk inserts and core updates.
SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE organization_search USING fts5("
    "search_text, content='organization', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER organization_search_insert AFTER INSERT ON organization BEGIN "
    "INSERT INTO organization_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER organization_search_delete AFTER DELETE ON organization BEGIN "
    "INSERT INTO organization_search(organization_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER organization_search_update AFTER UPDATE OF search_text ON organization BEGIN "
    "INSERT INTO organization_search(organization_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO organization_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO organization_search(organization_search) VALUES ('rebuild')",
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS organization_search_{trigger}")
    op.execute("DROP TABLE IF EXISTS organization_search")
