"""outcomes: savings assumptions (versioned), benefits, frozen ledgers

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-11-25 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'd0e1f2a3b4c5'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assumption_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assumption_set_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assumption_set')),
    sa.UniqueConstraint('version', name=op.f('uq_assumption_set_version'))
    )
    op.create_table('benefit_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.Enum('adi', 'sfl', 'naspi', 'municipal', 'other', name='benefitscheme', native_enum=False, length=20), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('entitled_until', sa.Date(), nullable=True),
    sa.Column('details_encrypted', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_benefit_record_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_benefit_record_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_record'))
    )
    with op.batch_alter_table('benefit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_record_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('ledger_freeze',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('assumption_set_id', sa.Integer(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assumption_set_id'], ['assumption_set.id'], name=op.f('fk_ledger_freeze_assumption_set_id_assumption_set')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ledger_freeze_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_freeze')),
    sa.UniqueConstraint('period_from', 'period_to', name='uq_ledger_freeze_period')
    )
    with op.batch_alter_table('ledger_freeze', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_freeze_assumption_set_id'), ['assumption_set_id'], unique=False)

    op.create_table('frozen_ledger_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('freeze_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=True),
    sa.Column('candidate_code', sa.String(length=12), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=1), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('employed_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('months_employed', sa.Integer(), nullable=False),
    sa.Column('hours_worked', sa.Integer(), nullable=False),
    sa.Column('schemes', sa.String(length=100), nullable=False),
    sa.Column('monthly_benefit', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('benefit_months', sa.Integer(), nullable=False),
    sa.Column('benefit_saved', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('taxes', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('programme_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('net', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('net_present', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['freeze_id'], ['ledger_freeze.id'], name=op.f('fk_frozen_ledger_line_freeze_id_ledger_freeze'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_frozen_ledger_line_placement_id_placement'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frozen_ledger_line'))
    )
    with op.batch_alter_table('frozen_ledger_line', schema=None) as batch_op:
        batch_op.create_index('ix_frozen_ledger_line_freeze_position', ['freeze_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_frozen_ledger_line_placement_id'), ['placement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('frozen_ledger_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frozen_ledger_line_placement_id'))
        batch_op.drop_index('ix_frozen_ledger_line_freeze_position')

    op.drop_table('frozen_ledger_line')
    with op.batch_alter_table('ledger_freeze', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_freeze_assumption_set_id'))

    op.drop_table('ledger_freeze')
    with op.batch_alter_table('benefit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_record_candidate_id'))

    op.drop_table('benefit_record')
    op.drop_table('assumption_set')
