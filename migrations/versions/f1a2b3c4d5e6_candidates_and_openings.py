"""candidates and openings: profiles, assessments, openings, pipelines, placements, access log

Revision ID: f1a2b3c4d5e6
Revises: e5f6a7b8c9d0
Create Date: 2026-11-25 09:50:00

"""
from alembic import op
import sqlalchemy as sa

import crm.db_types


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill')),
    sa.UniqueConstraint('name', name=op.f('uq_skill_name'))
    )
    op.create_table('candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('referral_year', sa.Integer(), nullable=False),
    sa.Column('referral_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'placed', 'suspended', 'closed', 'erased', name='candidatestatus', native_enum=False, length=20), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('identity_encrypted', sa.Text(), nullable=True),
    sa.Column('sensitive_encrypted', sa.Text(), nullable=True),
    sa.Column('tax_code_hash', sa.String(length=64), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('referring_office', sa.String(length=150), nullable=True),
    sa.Column('case_worker', sa.String(length=120), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('driving_licence', sa.Boolean(), nullable=False),
    sa.Column('own_vehicle', sa.Boolean(), nullable=False),
    sa.Column('commute_mode', sa.Enum('public_transport', 'car', 'scooter', 'bicycle', 'walking', name='commutemode', native_enum=False, length=20), nullable=False),
    sa.Column('max_commute_minutes', sa.Integer(), nullable=False),
    sa.Column('available_days', sa.JSON(), nullable=False),
    sa.Column('shifts', sa.JSON(), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('education', sa.Enum('none', 'primary', 'lower_secondary', 'vocational', 'upper_secondary', 'degree', name='educationlevel', native_enum=False, length=20), nullable=True),
    sa.Column('education_notes', sa.String(length=300), nullable=True),
    sa.Column('free_skills', sa.JSON(), nullable=False),
    sa.Column('sectors', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', crm.db_types.UTCDateTime(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_candidate_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['operator_id'], ['user.id'], name=op.f('fk_candidate_operator_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate')),
    sa.UniqueConstraint('code', name=op.f('uq_candidate_code')),
    sa.UniqueConstraint('referral_year', 'referral_number', name='uq_candidate_referral'),
    sa.UniqueConstraint('tax_code_hash', name=op.f('uq_candidate_tax_code_hash'))
    )
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_operator_status', ['operator_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_review_on'), ['review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_status'), ['status'], unique=False)

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('candidate_codes', sa.String(length=2000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('action', sa.Enum('view', 'list', 'create', 'change', 'show_sensitive', 'export', 'present', 'erase', 'duplicate_match', name='accessaction', native_enum=False, length=20), nullable=False),
    sa.Column('field_group', sa.Enum('identity', 'sensitive', 'assessment_notes', 'anonymised_profile', 'all', name='fieldgroup', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_access_log_candidate_id_candidate')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_access_log_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_candidate_created', ['candidate_id', 'created_at'], unique=False)
        batch_op.create_index('ix_access_log_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_access_log_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('professional_skills', sa.Integer(), nullable=False),
    sa.Column('work_experience', sa.Integer(), nullable=False),
    sa.Column('motivation', sa.Integer(), nullable=False),
    sa.Column('autonomy', sa.Integer(), nullable=False),
    sa.Column('constraints', sa.Integer(), nullable=False),
    sa.Column('support', sa.Integer(), nullable=False),
    sa.Column('band', sa.Enum('ready', 'ready_with_support', 'needs_preparation', name='readinessband', native_enum=False, length=20), nullable=False),
    sa.Column('notes_encrypted', sa.Text(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['user.id'], name=op.f('fk_assessment_assessed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_assessment_candidate_id_candidate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_candidate_assessed', ['candidate_id', 'assessed_on'], unique=False)

    op.create_table('candidate_skill',
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_candidate_skill_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_candidate_skill_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('candidate_id', 'skill_id', name=op.f('pk_candidate_skill'))
    )
    with op.batch_alter_table('candidate_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_skill_skill_id'), ['skill_id'], unique=False)

    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('data_processing', 'sensitive_data', 'sharing_with_employers', 'sharing_with_social_services', name='consentpurpose', native_enum=False, length=40), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('document', sa.String(length=200), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_consent_record_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_consent_record_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_record_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('work_experience',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('ateco_section', sa.String(length=1), nullable=True),
    sa.Column('employer', sa.String(length=150), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_work_experience_candidate_id_candidate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_experience'))
    )
    with op.batch_alter_table('work_experience', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_experience_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('job_family', sa.String(length=80), nullable=True),
    sa.Column('ateco_section', sa.String(length=1), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('free_skills', sa.JSON(), nullable=False),
    sa.Column('contract', sa.Enum('tirocinio', 'fixed_term', 'permanent', 'law68', 'art14', name='contracttype', native_enum=False, length=20), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=True),
    sa.Column('shifts', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('comune_code', sa.String(length=6), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('positions', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'on_hold', 'filled', 'closed', name='openingstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_opening_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_opening_interaction_id_interaction'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_opening_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening'))
    )
    with op.batch_alter_table('opening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index('ix_opening_organization_status', ['organization_id', 'status'], unique=False)
        batch_op.create_index('ix_opening_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('opening_skill',
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['opening_id'], ['opening.id'], name=op.f('fk_opening_skill_opening_id_opening'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_opening_skill_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opening_id', 'skill_id', name=op.f('pk_opening_skill'))
    )
    with op.batch_alter_table('opening_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_skill_skill_id'), ['skill_id'], unique=False)

    op.create_table('pipeline_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('proposed', 'presented', 'interview', 'hired', 'not_hired', name='pipelinestage', native_enum=False, length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('not_hired_reason', sa.Enum('employer_declined', 'candidate_declined', 'no_show', 'position_filled', 'not_ready', 'other', name='nothiredreason', native_enum=False, length=30), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('presented_at', crm.db_types.UTCDateTime(), nullable=True),
    sa.Column('stage_changed_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_pipeline_entry_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opening_id'], ['opening.id'], name=op.f('fk_pipeline_entry_opening_id_opening'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_pipeline_entry_proposed_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_entry')),
    sa.UniqueConstraint('opening_id', 'candidate_id', name='uq_pipeline_entry_opening_candidate')
    )
    with op.batch_alter_table('pipeline_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pipeline_entry_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('contract', sa.Enum('tirocinio', 'fixed_term', 'permanent', 'law68', 'art14', name='contracttype', native_enum=False, length=20), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_placement_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['pipeline_entry.id'], name=op.f('fk_placement_entry_id_pipeline_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_placement_entry_id'))
    )
    op.create_table('placement_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=True),
    sa.Column('still_employed', sa.Boolean(), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user.id'], name=op.f('fk_placement_check_checked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_up.id'], name=op.f('fk_placement_check_follow_up_id_follow_up'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_placement_check_placement_id_placement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_check')),
    sa.UniqueConstraint('placement_id', 'months', name='uq_placement_check_months')
    )
    with op.batch_alter_table('placement_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_check_follow_up_id'), ['follow_up_id'], unique=False)

    # The access log is append-only: the database itself refuses to change a row.
    if op.get_context().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'access_log is append-only'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
            "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
            "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END"
        )


def downgrade():
    if op.get_context().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update")

    with op.batch_alter_table('placement_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_check_follow_up_id'))

    op.drop_table('placement_check')
    op.drop_table('placement')
    with op.batch_alter_table('pipeline_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pipeline_entry_candidate_id'))

    op.drop_table('pipeline_entry')
    with op.batch_alter_table('opening_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_skill_skill_id'))

    op.drop_table('opening_skill')
    with op.batch_alter_table('opening', schema=None) as batch_op:
        batch_op.drop_index('ix_opening_status_deadline')
        batch_op.drop_index('ix_opening_organization_status')
        batch_op.drop_index(batch_op.f('ix_opening_interaction_id'))

    op.drop_table('opening')
    with op.batch_alter_table('work_experience', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_experience_candidate_id'))

    op.drop_table('work_experience')
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_candidate_id'))

    op.drop_table('consent_record')
    with op.batch_alter_table('candidate_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_skill_skill_id'))

    op.drop_table('candidate_skill')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_candidate_assessed')

    op.drop_table('assessment')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_user_created')
        batch_op.drop_index('ix_access_log_created_at')
        batch_op.drop_index('ix_access_log_candidate_created')

    op.drop_table('access_log')
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_status'))
        batch_op.drop_index(batch_op.f('ix_candidate_review_on'))
        batch_op.drop_index('ix_candidate_operator_status')

    op.drop_table('candidate')
    op.drop_table('skill')
