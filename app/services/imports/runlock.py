"""Who is running an import step: a lock that is freed when its process dies.

A worker killed during a preview or a confirm leaves its import in PREVIEWING or
IMPORTING; its transaction is rolled back by the database, so nothing of it is stored.
The lock tells such an import apart from one that is still running: on PostgreSQL a
session advisory lock on a connection of its own (the server frees it when the
connection drops), on SQLite an flock on a file beside the progress (the kernel frees it
when the process ends). The lock is taken before the step starts, so a page asking in
between never mistakes a starting import for an abandoned one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ...extensions import db

# First key of our advisory locks: this space is the imports'.
NAMESPACE = 25


def _in_database() -> bool:
    return db.engine.dialect.name != "sqlite"


def _autocommit() -> Any:
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _lock_file(import_id: int) -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "progress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{int(import_id)}.lock"


class RunLock:
    """A held lock on one import; `release` (or leaving the `with`) frees it."""

    def __init__(self, import_id: int) -> None:
        self.import_id = int(import_id)
        self._connection: Any = None
        self._fd: int | None = None
        if _in_database():
            # Autocommit: the lock belongs to the connection; no transaction stays open.
            self._connection = _autocommit()
            self._connection.execute(
                text("SELECT pg_advisory_lock(:ns, :id)"), {"ns": NAMESPACE, "id": self.import_id}
            )
        else:
            self._fd = os.open(_lock_file(self.import_id), os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        """Free the lock (safe to call twice)."""
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:ns, :id)"),
                    {"ns": NAMESPACE, "id": self.import_id},
                )
                self._connection.close()
            except DBAPIError:
                self._connection.invalidate()  # a lost connection took its lock with it
            self._connection = None
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(import_id: int) -> RunLock:
    """Take the import's lock (waits while another process holds it)."""
    return RunLock(import_id)


def abandoned(import_id: int) -> bool:
    """Whether nobody holds the import's lock: its step is not running anywhere."""
    if _in_database():
        with _autocommit() as connection:
            free = connection.execute(
                text("SELECT pg_try_advisory_lock(:ns, :id)"), {"ns": NAMESPACE, "id": import_id}
            ).scalar()
            if free:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:ns, :id)"), {"ns": NAMESPACE, "id": import_id}
                )
        return bool(free)
    fd = os.open(_lock_file(import_id), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)
