"""The zaaksysteem (ZGW APIs) per municipality: API roots, credentials, types, mappings.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

URLS = ("zgw_catalogi_url", "zgw_zaken_url", "zgw_documenten_url", "zgw_besluiten_url",
        "zgw_zaaktype", "zgw_informatieobjecttype", "zgw_informatieobjecttype_inkomend",
        "zgw_besluittype", "zgw_secret")


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zgw_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        for name in URLS:
            batch_op.add_column(sa.Column(name, sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('zgw_client_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('zgw_rsin', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('zgw_status_mapping', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('zgw_result_mapping', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        for name in ('zgw_result_mapping', 'zgw_status_mapping', 'zgw_rsin', 'zgw_client_id',
                     *reversed(URLS), 'zgw_enabled'):
            batch_op.drop_column(name)
