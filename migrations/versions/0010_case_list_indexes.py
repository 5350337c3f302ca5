"""Indexes for the case lists and the BSN search at municipal scale.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 01:46:00.106320

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_municipality_created', ['municipality_id', 'created_on'], unique=False)
        batch_op.create_index('ix_case_status_municipality_created', ['status', 'municipality_id', 'created_on'], unique=False)
    with op.batch_alter_table('case_child', schema=None) as batch_op:
        batch_op.create_index('ix_case_child_resident', ['resident_id'], unique=False)
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index('ix_resident_bsn', ['bsn'], unique=False)


def downgrade():
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_bsn')
    with op.batch_alter_table('case_child', schema=None) as batch_op:
        batch_op.drop_index('ix_case_child_resident')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_status_municipality_created')
        batch_op.drop_index('ix_case_municipality_created')
