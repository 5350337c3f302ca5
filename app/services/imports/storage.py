"""Import files on the shared storage path: stored under a random name, opened, removed.

Outside the web root, on UPLOAD_DIR, so any instance can check or confirm an import
another one received.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import current_app

from ...models import ImportRecord
from .reader import FileRefusedError, Table, open_table

# Largest import file and most data rows, unless IMPORT_MAX_BYTES / IMPORT_MAX_ROWS say.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000


def upload_dir() -> Path:
    """The folder of stored import files on the shared storage path."""
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(stream: Any) -> str:
    """Save an upload under a random name outside the web root, refusing oversize files."""
    max_bytes = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    name = os.urandom(16).hex()
    path = upload_dir() / name
    size = 0
    with open(path, "wb") as out:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise FileRefusedError(
                    f"Het bestand is groter dan {max_bytes // (1024 * 1024)} MB; "
                    "splits het bestand."
                )
            out.write(chunk)
    return name


def open_stored(record: ImportRecord) -> Table:
    """The stored file of an import, opened for reading row by row."""
    config = current_app.config
    return open_table(
        upload_dir() / record.stored_name,
        record.filename,
        config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES),
        config.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
    )


def drop_file(record: ImportRecord) -> None:
    """Delete the stored upload of an import."""
    if record.stored_name:
        (upload_dir() / record.stored_name).unlink(missing_ok=True)
        record.stored_name = None
