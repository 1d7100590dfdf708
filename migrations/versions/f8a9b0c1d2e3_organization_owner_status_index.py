"""index on organization (owner_id, status) in place of owner_id alone: the home page's counts

Revision ID: f8a9b0c1d2e3
Revises: e7f8a9b0c1d2
Create Date: 2026-11-25 15:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f8a9b0c1d2e3'
down_revision = 'e7f8a9b0c1d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index('ix_organization_owner_status', ['owner_id', 'status'], unique=False)
        batch_op.drop_index('ix_organization_owner_id')


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index('ix_organization_owner_id', ['owner_id'], unique=False)
        batch_op.drop_index('ix_organization_owner_status')
