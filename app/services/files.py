"""Stored files (documents, logos, import files), kept in the database.

The content is written in the caller's unit of work: a refused or failed action leaves
no file behind, and a committed one is on every instance at once. Readers get bytes, or
a local copy when a library wants a path (the import reader, xhtml2pdf); local copies
are a cache of immutable content, never shared state.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, delete, select

from ..extensions import db
from ..models import StoredFile

KINDS = ("document", "logo", "import")
# Local copies unused this long are removed when the next one is made.
CACHE_SECONDS = 24 * 3600


class MissingFileError(FileNotFoundError):
    """No stored file under that key (removed, or never committed)."""


class DamagedFileError(OSError):
    """A stored file whose content no longer matches its hash."""


def new_key(suffix: str = "") -> str:
    """A random key of 32 hex characters plus the suffix (".pdf", ".png", ...)."""
    return os.urandom(16).hex() + suffix


def put(kind: str, data: bytes, suffix: str = "", key: str | None = None) -> str:
    """Store content in the running unit of work; returns its key."""
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    key = key or new_key(suffix)
    db.session.add(
        StoredFile(
            key=key,
            kind=kind,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )
    )
    return key


def get(key: str) -> bytes:
    """The content stored under a key, checked against its hash."""
    row = db.session.execute(
        select(StoredFile.data, StoredFile.sha256).where(StoredFile.key == key)
    ).first()
    if row is None:
        raise MissingFileError(key)
    data = bytes(row.data)
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise DamagedFileError(f"stored file {key} does not match its hash")
    return data


def exists(key: str) -> bool:
    """Whether content is stored under a key."""
    return db.session.scalar(select(StoredFile.id).where(StoredFile.key == key)) is not None


def remove(*keys: str | None) -> None:
    """Delete stored content in the running unit of work (gone with the owner's row)."""
    wanted = [k for k in keys if k]
    if wanted:
        db.session.execute(delete(StoredFile).where(StoredFile.key.in_(wanted)))
    for key in wanted:
        _cache_path(key).unlink(missing_ok=True)


def remove_listed(keys: Select) -> None:
    """Delete the stored content whose keys a query lists (retention: many cases at once)."""
    db.session.execute(
        delete(StoredFile)
        .where(StoredFile.key.in_(keys))
        .execution_options(synchronize_session=False)
    )


def _cache_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cache_path(key: str) -> Path:
    return _cache_dir() / Path(key).name


def local_copy(key: str) -> Path:
    """A file on this machine with the content of `key` (made once, then reused)."""
    path = _cache_path(key)
    if path.is_file():
        os.utime(path)
        return path
    data = get(key)
    _prune()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)  # atomic: a reader never sees half a copy
    return path


def _prune() -> None:
    limit = time.time() - CACHE_SECONDS
    for old in _cache_dir().iterdir():
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except FileNotFoundError:
            continue
