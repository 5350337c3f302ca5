"""Files in the database: documents, logos and import files, and import progress.

Moves every file of UPLOAD_DIR that a row still refers to into `stored_file` (the
originals stay on disk, to be removed by hand once a backup holds the database).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 06:00:00

"""
import datetime as dt
import hashlib
import logging
from pathlib import Path

from alembic import op
import sqlalchemy as sa
from flask import current_app

from app.models.types import TZDateTime


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# (kind, folder under UPLOAD_DIR, table, column) of every file a row refers to.
OWNERS = (
    ("document", "documents", "document", "stored_name"),
    ("logo", "logos", "municipality", "logo_file"),
    ("import", "imports", "import_record", "stored_name"),
)


def upgrade():
    stored = op.create_table(
        'stored_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_on', TZDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_table(
        'import_progress',
        sa.Column('import_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('phase', sa.String(length=20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('updated_on', TZDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('import_id'),
    )
    _move_files_in(stored)


def _move_files_in(stored):
    base = Path(current_app.config["UPLOAD_DIR"])
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    for kind, folder, table, column in OWNERS:
        keys = bind.execute(
            sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        ).scalars()
        moved = missing = 0
        for key in keys:
            path = base / folder / Path(key).name
            if not path.is_file():
                missing += 1
                continue
            data = path.read_bytes()
            bind.execute(stored.insert().values(
                key=key, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                data=data, created_on=now,
            ))
            moved += 1
        if moved or missing:
            log.info("%s: %d file(s) moved into the database, %d not found in %s",
                     kind, moved, missing, base / folder)


def downgrade():
    # Back to files on disk: write every stored file where the older code looks for it.
    base = Path(current_app.config["UPLOAD_DIR"])
    folders = {kind: folder for kind, folder, _table, _column in OWNERS}
    rows = op.get_bind().execute(sa.text("SELECT key, kind, data FROM stored_file"))
    for key, kind, data in rows:
        target = base / folders[kind] / Path(key).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(data))
    op.drop_table('import_progress')
    op.drop_table('stored_file')
