"""field mode: visit outcomes logged from the phone

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-11-25 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'd0e1f2a3b4c5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrived_at', crm.db_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('left_at', crm.db_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('visit_result', sa.Enum('met', 'interested', 'opening_found', 'agreement', 'call_back', 'postponed', 'not_met', 'not_interested', name='visitresult', native_enum=False, length=30), nullable=True))

    op.create_table('field_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_field_submission_interaction_id_interaction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_field_submission_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_submission')),
    sa.UniqueConstraint('key', name=op.f('uq_field_submission_key'))
    )
    with op.batch_alter_table('field_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_submission_interaction_id'), ['interaction_id'], unique=False)


def downgrade():
    with op.batch_alter_table('field_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_submission_interaction_id'))

    op.drop_table('field_submission')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_column('visit_result')
        batch_op.drop_column('left_at')
        batch_op.drop_column('arrived_at')
