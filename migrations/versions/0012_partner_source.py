"""The source a partner was found in, when the Ockto data added it to the case.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_source', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('partner_source')
