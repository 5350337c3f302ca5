"""Files kept in the database: documents, logos and import files, and import progress.

The database is the only state the instances share: a second machine needs no shared
disk, and one backup of the database holds every document.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .types import TZDateTime, utcnow


class StoredFile(Model):
    """The content of one stored file, found by the random key its owner row holds."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The random name the owner keeps (Document.stored_name, Municipality.logo_file,
    # ImportRecord.stored_name); never shown to anyone, never derived from user input.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # "document", "logo" or "import".
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    # Hex SHA-256 of the content: checked on every read, compared by the backup round trip.
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: listing or counting files never loads their content.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime(timezone=True), default=utcnow)

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class ImportProgress(Model):
    """How far a running import is, readable by every instance (PostgreSQL only).

    Written through a connection of its own: the confirm holds one long transaction.
    SQLite keeps this in a file beside the database, since its single writer lock would
    make the update wait for that very transaction (and SQLite is one machine anyway).
    """

    __tablename__ = "import_progress"

    import_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    phase: Mapped[str] = mapped_column(String(20))
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    updated_on: Mapped[dt.datetime] = mapped_column(TZDateTime(timezone=True), default=utcnow)

    def __str__(self) -> str:
        return f"import {self.import_id}: {self.phase} {self.done}/{self.total}"
