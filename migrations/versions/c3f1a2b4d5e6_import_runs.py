"""import runs: partner files imported, with their outcome per row

Revision ID: c3f1a2b4d5e6
Revises: 582ebe553114
Create Date: 2026-11-25 09:35:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'c3f1a2b4d5e6'
down_revision = '582ebe553114'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
