"""outreach ranking: score weights (versioned) and manual boosts

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-11-25 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ranking_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ranking_settings_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_settings'))
    )
    op.create_table('ranking_boost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ranking_boost_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_ranking_boost_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_boost')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_ranking_boost_organization_id'))
    )
    with op.batch_alter_table('ranking_boost', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_boost_expires_on'), ['expires_on'], unique=False)


def downgrade():
    with op.batch_alter_table('ranking_boost', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_boost_expires_on'))

    op.drop_table('ranking_boost')
    op.drop_table('ranking_settings')
