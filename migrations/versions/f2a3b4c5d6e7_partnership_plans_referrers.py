"""social-services partnership: tailored plans and referrers

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-11-25 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'f2a3b4c5d6e7'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    # The new role value 'referrer' needs no DDL: user.role is a VARCHAR(20) (non-native enum, no CHECK).
    op.create_table('referring_office',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referring_office')),
    sa.UniqueConstraint('name', name=op.f('uq_referring_office_name'))
    )
    op.create_table('referrer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('notify', sa.Enum('instant', 'digest', 'none', name='notifymode', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['referring_office.id'], name=op.f('fk_referrer_office_id_referring_office'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_referrer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrer')),
    sa.UniqueConstraint('user_id', name=op.f('uq_referrer_user_id'))
    )
    with op.batch_alter_table('referrer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrer_office_id'), ['office_id'], unique=False)

    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('body_encrypted', sa.Text(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_case_note_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_case_note_candidate_id_candidate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index('ix_case_note_candidate_created', ['candidate_id', 'created_at'], unique=False)

    op.create_table('partnership_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('presented', 'hired', 'missed_follow_up', name='notificationkind', native_enum=False, length=20), nullable=False),
    sa.Column('event_key', sa.String(length=80), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', crm.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_partnership_notification_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_partnership_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_notification')),
    sa.UniqueConstraint('user_id', 'event_key', name='uq_partnership_notification_user_event')
    )
    with op.batch_alter_table('partnership_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_notification_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index('ix_partnership_notification_sent_user', ['sent_at', 'user_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=True),
    sa.Column('referred_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('reasons_encrypted', sa.Text(), nullable=True),
    sa.Column('first_contact_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_referral_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_referral_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['referring_office.id'], name=op.f('fk_referral_office_id_referring_office'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['referrer_id'], ['user.id'], name=op.f('fk_referral_referrer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_referral_candidate_id'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_referrer_id'), ['referrer_id'], unique=False)

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('supports', sa.JSON(), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('shared_note', sa.String(length=1000), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signed_version', sa.Integer(), nullable=True),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_plan_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consent_id'], ['consent_record.id'], name=op.f('fk_plan_consent_id_consent_record'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_plan_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_plan_candidate_id'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_next_review_on'), ['next_review_on'], unique=False)

    op.create_table('plan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'achieved', 'dropped', name='goalstatus', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_goal_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goal'))
    )
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goal_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'review', 'signed', name='versionkind', native_enum=False, length=20), nullable=False),
    sa.Column('achieved', sa.Text(), nullable=True),
    sa.Column('changed', sa.Text(), nullable=True),
    sa.Column('why', sa.Text(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=120), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_plan_version_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_version_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_version_plan_number')
    )
    op.create_table('plan_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('owner_kind', sa.Enum('hub', 'referrer', 'external', 'person', name='ownerkind', native_enum=False, length=20), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=150), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('todo', 'in_progress', 'done', 'cancelled', name='actionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goal.id'], name=op.f('fk_plan_action_goal_id_plan_goal'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user.id'], name=op.f('fk_plan_action_owner_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_action_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action'))
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.create_index('ix_plan_action_owner_status_due', ['owner_user_id', 'status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_action_plan_id'), ['plan_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_plan_id'))
        batch_op.drop_index('ix_plan_action_owner_status_due')

    op.drop_table('plan_action')
    op.drop_table('plan_version')
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goal_plan_id'))

    op.drop_table('plan_goal')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_next_review_on'))

    op.drop_table('plan')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_referrer_id'))
        batch_op.drop_index(batch_op.f('ix_referral_office_id'))

    op.drop_table('referral')
    with op.batch_alter_table('partnership_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_partnership_notification_sent_user')
        batch_op.drop_index(batch_op.f('ix_partnership_notification_candidate_id'))

    op.drop_table('partnership_notification')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index('ix_case_note_candidate_created')

    op.drop_table('case_note')
    with op.batch_alter_table('referrer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrer_office_id'))

    op.drop_table('referrer')
    op.drop_table('referring_office')
