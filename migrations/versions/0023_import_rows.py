"""import_row: the valid rows of a reassessment file, staged until they go live at once.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_row',
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('bsn', sa.String(length=9), nullable=False),
        sa.Column('initials', sa.String(length=40), nullable=True),
        sa.Column('prefix', sa.String(length=40), nullable=True),
        sa.Column('surname', sa.String(length=200), nullable=True),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('street', sa.String(length=200), nullable=True),
        sa.Column('house_number', sa.String(length=20), nullable=True),
        sa.Column('house_number_suffix', sa.String(length=20), nullable=True),
        sa.Column('postcode', sa.String(length=7), nullable=True),
        sa.Column('city', sa.String(length=200), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('partner_bsn', sa.String(length=9), nullable=True),
        sa.Column('partner_initials', sa.String(length=40), nullable=True),
        sa.Column('partner_prefix', sa.String(length=40), nullable=True),
        sa.Column('partner_surname', sa.String(length=200), nullable=True),
        sa.Column('partner_birth_date', sa.Date(), nullable=True),
        sa.Column('children_count', sa.Integer(), nullable=False),
        sa.Column('contact_preference', sa.Enum('EMAIL', 'LETTER', name='contactpreference',
                                                native_enum=False, length=32,
                                                create_constraint=False), nullable=False),
        sa.Column('contract_number', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('import_id', 'line'),
    )
    op.create_index('ix_import_row_bsn', 'import_row', ['import_id', 'bsn'])
    op.create_index('ix_import_row_partner_bsn', 'import_row', ['import_id', 'partner_bsn', 'line'])


def downgrade():
    op.drop_table('import_row')
