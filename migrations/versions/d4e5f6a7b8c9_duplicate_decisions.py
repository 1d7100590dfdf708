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
    op.create_table('duplicate_dismissal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_low_id', sa.Integer(), nullable=False),
    sa.Column('organization_high_id', sa.Integer(), nullable=False),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('organization_low_id < organization_high_id', name=op.f('ck_duplicate_dismissal_ordered_pair')),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['user.id'], name=op.f('fk_duplicate_dismissal_dismissed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_high_id'], ['organization.id'], name=op.f('fk_duplicate_dismissal_organization_high_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_low_id'], ['organization.id'], name=op.f('fk_duplicate_dismissal_organization_low_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_dismissal')),
    sa.UniqueConstraint('organization_low_id', 'organization_high_id', name='uq_duplicate_dismissal_pair')
    )
    with op.batch_alter_table('duplicate_dismissal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_dismissal_organization_high_id'), ['organization_high_id'], unique=False)


def downgrade():
    with op.batch_alter_table('duplicate_dismissal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_dismissal_organization_high_id'))

    op.drop_table('duplicate_dismissal')
