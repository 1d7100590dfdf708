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
    op.create_table('import_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('sheet_name', sa.String(length=100), nullable=True),
    sa.Column('encoding', sa.String(length=30), nullable=True),
    sa.Column('delimiter', sa.String(length=5), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_run_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_run_user_id'), ['user_id'], unique=False)

    op.create_table('import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('rejected', 'duplicate', 'warning', name='rowoutcome', native_enum=False, length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_import_row_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['import_run.id'], name=op.f('fk_import_row_run_id_import_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_row'))
    )
    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.create_index('ix_import_row_run_outcome', ['run_id', 'outcome', 'line'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_row_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_row_organization_id'))
        batch_op.drop_index('ix_import_row_run_outcome')

    op.drop_table('import_row')
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_run_created_at'))

    op.drop_table('import_run')
