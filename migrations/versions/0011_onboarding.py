"""Going live: organisation kind, one-time account links, system emails, set-up checklist.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import TZDateTime


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), nullable=False,
                                      server_default='MUNICIPALITY'))
    # An organisation that already serves several municipalities is an ISD.
    op.execute(
        "UPDATE organisation SET kind = 'ISD' WHERE id IN "
        "(SELECT organisation_id FROM municipality GROUP BY organisation_id HAVING COUNT(*) > 1)"
    )
    op.create_table(
        'account_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_on', TZDateTime(timezone=True), nullable=False),
        sa.Column('expires_on', TZDateTime(timezone=True), nullable=False),
        sa.Column('used_on', TZDateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_account_link_user_id', 'account_link', ['user_id'], unique=False)
    op.create_table(
        'system_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_on', TZDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_on', TZDateTime(timezone=True), nullable=False),
        sa.Column('sent_on', TZDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_system_mail_status', 'system_mail', ['status'], unique=False)
    op.create_table(
        'setup_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=60), nullable=False),
        sa.Column('done_on', TZDateTime(timezone=True), nullable=False),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['done_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('municipality_id', 'item', name='uq_setup_item'),
    )
    op.create_index('ix_setup_progress_municipality_id', 'setup_progress', ['municipality_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_setup_progress_municipality_id', table_name='setup_progress')
    op.drop_table('setup_progress')
    op.drop_index('ix_system_mail_status', table_name='system_mail')
    op.drop_table('system_mail')
    op.drop_index('ix_account_link_user_id', table_name='account_link')
    op.drop_table('account_link')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('kind')
