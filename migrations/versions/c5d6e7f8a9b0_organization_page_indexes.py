"""indexes for the organization page at 50,000 organizations: duplicate hint and open follow-ups

Revision ID: c5d6e7f8a9b0
Revises: b4c5d6e7f8a9
Create Date: 2026-11-25 12:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5d6e7f8a9b0'
down_revision = 'b4c5d6e7f8a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_organization_id')
        batch_op.create_index('ix_follow_up_organization_status_due', ['organization_id', 'status', 'due_date'], unique=False)
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index('ix_organization_phone', ['phone'], unique=False)
        batch_op.create_index('ix_organization_phone2', ['phone2'], unique=False)
    # Expression indexes (SQLite 3.9+ and PostgreSQL): the duplicate hint compares addresses
    # case-insensitively.
    op.execute("CREATE INDEX ix_organization_email_lower ON organization (lower(email))")
    op.execute("CREATE INDEX ix_organization_pec_lower ON organization (lower(pec))")


def downgrade():
    op.execute("DROP INDEX ix_organization_pec_lower")
    op.execute("DROP INDEX ix_organization_email_lower")
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_phone2')
        batch_op.drop_index('ix_organization_phone')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_organization_status_due')
        batch_op.create_index('ix_follow_up_organization_id', ['organization_id'], unique=False)
