"""Short codes for the links in letters (typed on the short address or scanned as QR).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import TZDateTime


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'short_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=300), nullable=False),
        sa.Column('created_on', TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_index('ix_short_link_case_id', 'short_link', ['case_id'], unique=False)


def downgrade():
    op.drop_index('ix_short_link_case_id', table_name='short_link')
    op.drop_table('short_link')
