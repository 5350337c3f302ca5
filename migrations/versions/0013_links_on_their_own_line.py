"""Template texts: a link followed by punctuation moves to a line of its own.

Mail programs took the full stop after "{{ link }}." into the link, and residents got
"Deze link werkt niet". Templates still holding such a link (the old defaults, or an
edited text) get the link on its own line; the sentence keeps its words.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:50:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

LINK_THEN_MARK = re.compile(r"[ \t]*(\{\{\s*link\s*\}\})[.,;:!?)]")
OLD_MINUTES = "kost ongeveer tien minuten"


def _repair(text):
    if text is None:
        return text
    text = LINK_THEN_MARK.sub(lambda m: ":\n" + m.group(1) + "\n", text)
    # The start page says 15 minutes; the invitation said ten.
    return text.replace(OLD_MINUTES, "kost ongeveer 15 minuten")


def upgrade():
    template = sa.table(
        "template",
        sa.column("id", sa.Integer),
        sa.column("email_subject", sa.String),
        sa.column("email_body", sa.Text),
        sa.column("letter_body", sa.Text),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(template.c.id, template.c.email_subject, template.c.email_body,
                  template.c.letter_body)
    ).all()
    for row in rows:
        repaired = {name: _repair(getattr(row, name))
                    for name in ("email_subject", "email_body", "letter_body")}
        if any(repaired[name] != getattr(row, name) for name in repaired):
            conn.execute(template.update().where(template.c.id == row.id).values(**repaired))


def downgrade():
    pass  # the repaired texts are correct texts; nothing to undo
