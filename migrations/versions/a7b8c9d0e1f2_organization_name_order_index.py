"""organization list order: an index on the folded name, so deep pages of the default sort are fast

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e6
Create Date: 2026-11-25 10:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    # An expression index (SQLite 3.9+ and PostgreSQL): the list sorts by lower(legal_name), id.
    op.execute("CREATE INDEX ix_organization_name_order ON organization (lower(legal_name), id)")


def downgrade():
    op.execute("DROP INDEX ix_organization_name_order")
