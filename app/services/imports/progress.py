"""Progress of running imports, readable by any web worker or instance.

On PostgreSQL a row of `import_progress`, written through a connection of its own: a
large confirm holds one write transaction for its whole length (it must be atomic),
and the progress must be visible while it runs. SQLite allows one writer at a time, so
there a progress row would wait for that very transaction; SQLite is one machine by
nature, so its progress is a small file in UPLOAD_DIR, replaced in one atomic rename.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from ...extensions import db
from ...models import ImportProgress

FOLDER = "progress"


def _in_database() -> bool:
    return db.engine.dialect.name != "sqlite"


def _path(import_id: int) -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{int(import_id)}.json"


def update(import_id: int, phase: str, done: int, total: int) -> None:
    """Record how far an import has come."""
    if _in_database():
        values = {
            "phase": phase,
            "done": done,
            "total": total,
            "updated_on": dt.datetime.now(dt.UTC),
        }
        statement = insert(ImportProgress).values(import_id=import_id, **values)
        with db.engine.begin() as connection:  # committed at once, outside the import's unit
            connection.execute(
                statement.on_conflict_do_update(index_elements=["import_id"], set_=values)
            )
        return
    path = _path(import_id)
    state = {"fase": phase, "verwerkt": done, "totaal": total}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        json.dump(state, file)
    os.replace(temporary, path)


def get(import_id: int) -> dict[str, Any] | None:
    """The last progress of a running import, whichever process runs it."""
    if _in_database():
        with db.engine.connect() as connection:
            row = connection.execute(
                select(ImportProgress.phase, ImportProgress.done, ImportProgress.total).where(
                    ImportProgress.import_id == import_id
                )
            ).first()
        return None if row is None else {"fase": row[0], "verwerkt": row[1], "totaal": row[2]}
    try:
        return json.loads(_path(import_id).read_text())
    except (FileNotFoundError, ValueError):
        return None


def clear(import_id: int) -> None:
    """Forget an import that has finished."""
    if _in_database():
        with db.engine.begin() as connection:
            connection.execute(delete(ImportProgress).where(ImportProgress.import_id == import_id))
        return
    _path(import_id).unlink(missing_ok=True)
