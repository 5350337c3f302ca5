"""ImportRecord.changed_rows, corrected and corrected_rows: what an import changes and puts back.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no batch): SQLite keeps the table and its triggers.
    op.add_column('import_record', sa.Column('changed_rows', sa.JSON(), nullable=True))
    op.add_column(
        'import_record',
        sa.Column('corrected', sa.Integer(), nullable=False, server_default='0'),
    )
    op.add_column('import_record', sa.Column('corrected_rows', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_record') as batch_op:
        batch_op.drop_column('corrected_rows')
        batch_op.drop_column('corrected')
        batch_op.drop_column('changed_rows')
