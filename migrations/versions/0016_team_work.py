"""Working as a team: the case's handler (behandelaar), four eyes on decisions, signals.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 02:40:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import TZDateTime


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handler_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_on', TZDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_case_handler_id', 'ab_user', ['handler_id'], ['id'])
        batch_op.create_foreign_key('fk_case_approved_by_id', 'ab_user', ['approved_by_id'], ['id'])
        batch_op.create_index('ix_case_handler_id', ['handler_id'], unique=False)
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('four_eyes', sa.String(length=32), nullable=False,
                                      server_default='OFF'))
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signal_digest', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('signal_digest_sent_on', TZDateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        'signal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dedupe_key', sa.String(length=100), nullable=False),
        sa.Column('created_on', TZDateTime(timezone=True), nullable=False),
        sa.Column('read_on', TZDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_signal_user_key'),
    )
    op.create_index('ix_signal_case_id', 'signal', ['case_id'], unique=False)
    op.create_index('ix_signal_user_read', 'signal', ['user_id', 'read_on'], unique=False)


def downgrade():
    op.drop_index('ix_signal_user_read', table_name='signal')
    op.drop_index('ix_signal_case_id', table_name='signal')
    op.drop_table('signal')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('signal_digest_sent_on')
        batch_op.drop_column('signal_digest')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('four_eyes')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_handler_id')
        batch_op.drop_constraint('fk_case_approved_by_id', type_='foreignkey')
        batch_op.drop_constraint('fk_case_handler_id', type_='foreignkey')
        batch_op.drop_column('approved_on')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('handler_id')
