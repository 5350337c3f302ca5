"""Registration in the zaaksysteem: events per case, and the zaak a case is registered as.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:15:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import TZDateTime


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'zgw_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_on', TZDateTime(timezone=True), nullable=False),
        sa.Column('delivered_on', TZDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_on', TZDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_zgw_event_case_id', 'zgw_event', ['case_id'], unique=False)
    op.create_index('ix_zgw_event_pending', 'zgw_event', ['delivered_on', 'next_attempt_on'],
                    unique=False)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zgw_zaak_url', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('zgw_zaak_identificatie', sa.String(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column('zgw_statustype', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('zgw_statustype')
        batch_op.drop_column('zgw_zaak_identificatie')
        batch_op.drop_column('zgw_zaak_url')
    op.drop_index('ix_zgw_event_pending', table_name='zgw_event')
    op.drop_index('ix_zgw_event_case_id', table_name='zgw_event')
    op.drop_table('zgw_event')
