"""duplicate decisions: pairs of organizations judged not to be duplicates

Revision ID: d4e5f6a7b8c9
Revises: c3f1a2b4d5e6
Create Date: 2026-11-25 09:35:01

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c3f1a2b4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
