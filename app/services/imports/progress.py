"""Progress of running imports, in a small file on the shared storage path.

Any web worker or instance answers the progress poll, not only the one running the
import. Not a database row: a large confirm holds one write transaction for its whole
length (it must be atomic), and on SQLite a progress row would wait for that very
transaction. Each update replaces the file in one atomic rename, so a reader never
sees half of it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app

FOLDER = "progress"


def _path(import_id: int) -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{int(import_id)}.json"


def update(import_id: int, phase: str, done: int, total: int) -> None:
    """Record how far an import has come."""
    path = _path(import_id)
    state = {"fase": phase, "verwerkt": done, "totaal": total}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        json.dump(state, file)
    os.replace(temporary, path)


def get(import_id: int) -> dict[str, Any] | None:
    """The last progress of a running import, whichever process runs it."""
    try:
        return json.loads(_path(import_id).read_text())
    except (FileNotFoundError, ValueError):
        return None


def clear(import_id: int) -> None:
    """Forget an import that has finished."""
    _path(import_id).unlink(missing_ok=True)
