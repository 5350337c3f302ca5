"""Message.email_message_id: the Message-ID of an email, the same on every try.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch): SQLite keeps the table and its triggers.
    op.add_column('message', sa.Column('email_message_id', sa.String(length=250), nullable=True))


def downgrade():
    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_column('email_message_id')
