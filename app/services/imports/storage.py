"""Import files, stored in the database until the import is confirmed or abandoned.

Any instance can check or confirm an import another one received: the file is a
`stored_file` row, written in the same unit of work as the import record. The reader
wants a path, so a file is opened from a temporary local copy that disappears with the
table reading it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import current_app

from ...models import ImportRecord
from .. import files
from .reader import FileRefusedError, Table, open_table

# Largest import file and most data rows, unless IMPORT_MAX_BYTES / IMPORT_MAX_ROWS say.
DEFAULT_MAX_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000


def store_upload(stream: Any) -> str:
    """Store an upload in the running unit of work, refusing oversize files."""
    max_bytes = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FileRefusedError(
                f"Het bestand is groter dan {max_bytes // (1024 * 1024)} MB; splits het bestand."
            )
        chunks.append(chunk)
    return files.put("import", b"".join(chunks))


def open_stored(record: ImportRecord) -> Table:
    """The stored file of an import, opened for reading row by row."""
    if not record.stored_name:
        raise FileRefusedError("Het bestand van deze import is er niet meer; upload het opnieuw.")
    try:
        data = files.get(record.stored_name)
    except files.MissingFileError as exc:
        raise FileRefusedError(
            "Het bestand van deze import is er niet meer; upload het opnieuw."
        ) from exc
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    # Deleted when closed, i.e. when the table holding it is gone: nothing personal stays.
    copy = tempfile.NamedTemporaryFile(dir=folder, prefix=".import-", suffix=".tmp")  # noqa: SIM115
    copy.write(data)
    copy.flush()
    config = current_app.config
    table = open_table(
        Path(copy.name),
        record.filename,
        config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES),
        config.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
    )
    table.keep = copy
    return table


def drop_file(record: ImportRecord) -> None:
    """Delete the stored upload of an import (in the running unit of work)."""
    if record.stored_name:
        files.remove(record.stored_name)
        record.stored_name = None
