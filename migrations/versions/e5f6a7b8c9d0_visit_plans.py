"""visit plans: planned routes per operator and day, and the visits they created

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-11-25 09:55:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'solving', 'solved', 'failed', 'accepted', 'cancelled', name='planstatus', native_enum=False, length=20), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=150), nullable=True),
    sa.Column('time_limit', sa.Integer(), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('problem', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('excluded', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('solve_seconds', sa.Double(), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('started_at', crm.db_types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', crm.db_types.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', crm.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_visit_plan_accepted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_visit_plan_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plan'))
    )
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_visit_plan_first_day', ['first_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plan_status'), ['status'], unique=False)

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_interaction_visit_plan_id'), ['visit_plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_interaction_visit_plan_id_visit_plan'), 'visit_plan', ['visit_plan_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_interaction_visit_plan_id_visit_plan'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_interaction_visit_plan_id'))
        batch_op.drop_column('visit_plan_id')

    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plan_status'))
        batch_op.drop_index('ix_visit_plan_first_day')
        batch_op.drop_index(batch_op.f('ix_visit_plan_created_at'))

    op.drop_table('visit_plan')
