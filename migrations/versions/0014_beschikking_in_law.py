"""The beschikking complete in law: legal basis, mandate, what is granted, the duty to
report changes, per municipality with sound defaults; the official's function per user.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = ("legal_basis_regulation", "legal_basis_article", "mandate_text",
           "official_function", "granted_text", "duty_to_report_text")


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_title', sa.String(length=100), nullable=True))
    # Existing municipalities get the product's defaults (app/services/municipalities.py),
    # so no beschikking is refused after the upgrade; a Beheerder can change them.
    from app.services.onboarding.municipalities import beschikking_defaults

    municipality = sa.table("municipality", sa.column("id", sa.Integer),
                            sa.column("name", sa.String),
                            *(sa.column(name, sa.Text) for name in COLUMNS))
    conn = op.get_bind()
    for row in conn.execute(sa.select(municipality.c.id, municipality.c.name)).all():
        conn.execute(municipality.update().where(municipality.c.id == row.id)
                     .values(**beschikking_defaults(row.name)))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('job_title')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
