"""Backup and restore of the whole database: every table, every stored document.

The database is the only state the instances share (documents, letters and import files
are rows of it), so one backup file holds everything. The file is gzip-compressed JSON
lines, independent of the database: a backup of SQLite restores into PostgreSQL and back.

    line 1      {"format": "gemeentepolis-backup", "version": 1, "revision": ..., ...}
    per table   {"table": name, "columns": [...]} followed by one JSON list per row
    last line   {"end": true, "rows": {table: count}}

A restore goes into a new, empty database only (the audit log is append-only, and
nothing is ever overwritten). It refuses a file of another schema revision, a damaged or
cut-off file, and a stored file whose content does not match its hash; it writes
everything in one transaction, so a refused restore leaves the database as it was.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    Sequence,
    Table,
    create_engine,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine

from ..extensions import db
from .cases import tally
from .unit import unit_of_work

FORMAT = "gemeentepolis-backup"
VERSION = 1
CHUNK = 1000
# Alembic's own bookkeeping: checked against the backup, never copied.
NOT_COPIED = {"alembic_version"}
# Written by database triggers from other tables (the case tally): rebuilt by the restore.
DERIVED = {"case_tally"}


class BackupError(ValueError):
    """A backup that cannot be made or restored, with a Dutch reason."""


@dataclass
class Report:
    """What a backup or restore handled: rows per table and stored files checked."""

    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total(self) -> int:
        """All rows together."""
        return sum(self.rows.values())


def tables() -> list[Table]:
    """Every table the backup holds, parents before children."""
    return [t for t in Model.metadata.sorted_tables if t.name not in DERIVED]


def revision(connection: Connection) -> str:
    """The schema revision (Alembic) of the database behind `connection`."""
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception as exc:
        raise BackupError(
            "De database is niet gemigreerd: voer eerst `flask db upgrade` uit."
        ) from exc


# --- values ----------------------------------------------------------------------------


def _encode(value: Any, raw_json: bool) -> Any:
    if value is None or raw_json or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    raise BackupError(f"Onbekend soort waarde in de database: {type(value).__name__}.")


def _decode(value: Any, raw_json: bool) -> Any:
    if raw_json or not isinstance(value, dict):
        return value
    ((tag, text_value),) = value.items()
    if tag == "$dec":
        return Decimal(text_value)
    if tag == "$dt":
        return dt.datetime.fromisoformat(text_value)
    if tag == "$date":
        return dt.date.fromisoformat(text_value)
    if tag == "$time":
        return dt.time.fromisoformat(text_value)
    if tag == "$b64":
        return base64.b64decode(text_value)
    raise BackupError(f"Onbekende waarde in de back-up: {tag}.")


def _json_columns(table: Table) -> list[bool]:
    return [isinstance(column.type, JSON) for column in table.columns]


def rows_of(connection: Connection, table: Table) -> Iterator[list[Any]]:
    """The rows of a table in primary-key order, encoded as they go into the backup."""
    raw = _json_columns(table)
    order = list(table.primary_key.columns) or list(table.columns)
    # Options on the statement: Connection.execution_options would change the connection
    # itself, and every later statement on it would run through a server-side cursor.
    result = connection.execute(select(table).order_by(*order).execution_options(yield_per=CHUNK))
    for row in result:
        yield [_encode(value, is_json) for value, is_json in zip(row, raw, strict=True)]


# --- backup ----------------------------------------------------------------------------


def _snapshot_engine(folder: str) -> Engine:
    """An engine on a consistent snapshot of the database for the length of the backup."""
    if db.engine.dialect.name != "sqlite":
        return db.engine
    # SQLite's own online backup: a consistent copy even while the app keeps writing.
    copy = Path(folder) / "snapshot.db"
    source = db.engine.raw_connection()
    try:
        target = sqlite3.connect(copy)
        source.driver_connection.backup(target)
        target.close()
    finally:
        source.close()
    return create_engine(f"sqlite:///{copy}")


def write(out: IO[bytes]) -> Report:
    """Write a backup of the whole database to a binary stream."""
    with tempfile.TemporaryDirectory(prefix="gp-backup-") as folder:
        engine = _snapshot_engine(folder)
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                # One snapshot for every table: a backup taken during work is consistent.
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                return _write(connection, out)


def _write(connection: Connection, out: IO[bytes]) -> Report:
    report = Report(revision(connection))
    present = set(inspect(connection).get_table_names())
    ours = {table.name for table in tables()}
    unknown = present - ours - NOT_COPIED - DERIVED
    if unknown:
        raise BackupError(f"Onbekende tabellen in de database: {', '.join(sorted(unknown))}.")
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as zipped:

        def line(data: Any) -> None:
            zipped.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
            zipped.write(b"\n")

        line({
            "format": FORMAT, "version": VERSION, "revision": report.revision,
            "made": dt.datetime.now(dt.UTC).isoformat(), "database": connection.dialect.name,
        })  # fmt: skip
        for table in tables():
            line({"table": table.name, "columns": [c.name for c in table.columns]})
            count = 0
            for row in rows_of(connection, table):
                line(row)
                count += 1
            report.rows[table.name] = count
        line({"end": True, "rows": report.rows})
    report.files = report.rows.get("stored_file", 0)
    return report


def create(path: Path) -> Report:
    """Write a backup to `path` (written beside it first, so a failed backup leaves none)."""
    partial = path.with_name(path.name + ".deel")
    try:
        with partial.open("wb") as out:
            report = write(out)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return report


# --- restore ---------------------------------------------------------------------------


def _lines(source: IO[bytes]) -> Iterator[Any]:
    try:
        with gzip.GzipFile(fileobj=source, mode="rb") as zipped:
            for number, raw in enumerate(zipped, start=1):
                try:
                    yield json.loads(raw)
                except ValueError as exc:
                    raise BackupError(f"Regel {number} van de back-up is beschadigd.") from exc
    except (OSError, EOFError) as exc:
        raise BackupError("Dit is geen (volledige) back-up: het bestand is beschadigd.") from exc


def read(source: IO[bytes]) -> Report:
    """Replace everything in the database by the backup in `source`, in one transaction."""
    lines = _lines(source)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("Dit is geen back-up van Gemeentepolis.")
    if header.get("version") != VERSION:
        raise BackupError(f"Back-upversie {header.get('version')} wordt niet ondersteund.")
    by_name = {table.name: table for table in tables()}
    with unit_of_work(system=True):
        connection = db.session.connection()
        current = revision(connection)
        if header.get("revision") != current:
            raise BackupError(
                f"De back-up is van databaseversie {header.get('revision')}, deze database "
                f"heeft versie {current}. Zet eerst de softwareversie van de back-up neer."
            )
        if holds_data():
            raise BackupError(
                "Deze database bevat al gegevens. Zet een back-up terug in een nieuwe, lege "
                "database (na `flask db upgrade`): zo wordt nooit iets overschreven."
            )
        # What the migrations and the first start put in (roles, permissions, national
        # norms) is replaced by the backup's own; the audit log is empty (checked above).
        for table in reversed(Model.metadata.sorted_tables):
            if table.name != "audit_log":
                connection.execute(table.delete())
        report = Report(current)
        table: Table | None = None
        columns: list[str] = []
        pending: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        ended = False
        for item in lines:
            if isinstance(item, list):
                if table is None:
                    raise BackupError("De back-up is beschadigd: een rij zonder tabel.")
                pending.append(_row(table, columns, item))
                report.rows[table.name] += 1
                if len(pending) >= CHUNK:
                    _insert(connection, table, pending, links)
            elif "table" in item:
                if table is not None:
                    _insert(connection, table, pending, links)
                    _link(connection, table, links)
                table = by_name.get(item["table"])
                if table is None:
                    raise BackupError(f"De back-up heeft een onbekende tabel: {item['table']}.")
                columns = item["columns"]
                unknown = set(columns) - set(table.columns.keys())
                if unknown:
                    raise BackupError(
                        f"Tabel {table.name} in de back-up heeft onbekende kolommen: "
                        f"{', '.join(sorted(unknown))}."
                    )
                report.rows[table.name] = 0
            elif item.get("end"):
                if table is not None:
                    _insert(connection, table, pending, links)
                    _link(connection, table, links)
                if item.get("rows") != report.rows:
                    raise BackupError("De back-up is onvolledig: de aantallen rijen kloppen niet.")
                ended = True
        if not ended:
            raise BackupError("De back-up is afgebroken: het einde ontbreekt.")
        report.files = verify_files(connection)
        _advance_sequences(connection)
        tally.compact()  # the triggers counted every restored case; one row per group
    return report


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _row(table: Table, columns: list[str], values: list[Any]) -> dict[str, Any]:
    if len(values) != len(columns):
        raise BackupError(f"De back-up is beschadigd: een rij van {table.name} is onvolledig.")
    row = {
        name: _decode(value, isinstance(table.c[name].type, JSON))
        for name, value in zip(columns, values, strict=True)
    }
    # A row may point at a later row of its own table: those links are set afterwards.
    for name in _self_references(table):
        row[f"_later_{name}"] = row[name]
        row[name] = None
    return row


def _insert(
    connection: Connection, table: Table, pending: list[dict[str, Any]], links: list[dict]
) -> None:
    """Insert the pending rows; keep their links to rows of their own table for later."""
    if not pending:
        return
    later = _self_references(table)
    key = table.primary_key.columns[0].name if later else ""
    connection.execute(
        table.insert(),
        [{k: v for k, v in row.items() if not k.startswith("_later_")} for row in pending],
    )
    # Columns with an onupdate (changed_on) keep their stored value through the link.
    kept = [c.name for c in table.columns if c.onupdate is not None and c.name in pending[0]]
    for row in pending:
        if any(row[f"_later_{name}"] is not None for name in later):
            links.append({
                "pk": row[key], **{name: row[f"_later_{name}"] for name in later},
                **{name: row[name] for name in kept},
            })  # fmt: skip
    pending.clear()


def _link(connection: Connection, table: Table, links: list[dict]) -> None:
    """Set the links between rows of one table once all its rows are in."""
    key = table.primary_key.columns[0]
    for link in links:
        values = {name: value for name, value in link.items() if name != "pk"}
        connection.execute(update(table).where(key == link["pk"]).values(**values))
    links.clear()


def verify_files(connection: Connection) -> int:
    """Check every stored file against its hash; answers how many there are."""
    from ..models import StoredFile

    count = 0
    result = connection.execute(
        select(StoredFile.key, StoredFile.sha256, StoredFile.data).execution_options(yield_per=100)
    )
    for key, sha256, data in result:
        if hashlib.sha256(bytes(data)).hexdigest() != sha256:
            raise BackupError(f"Bestand {key} in de back-up klopt niet met zijn controlegetal.")
        count += 1
    return count


def _advance_sequences(connection: Connection) -> None:
    # Explicit ids leave PostgreSQL's sequences behind; SQLite takes max(id) + 1 itself.
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        keys = list(table.primary_key.columns)
        if (
            len(keys) != 1
            or keys[0].autoincrement is False
            or not isinstance(keys[0].type, Integer)
        ):
            continue
        column = keys[0]
        # FAB's tables name their sequence; ours are serial columns owning theirs.
        if isinstance(column.default, Sequence):
            sequence = f"'{column.default.name}'"
        else:
            sequence = f"pg_get_serial_sequence('\"{table.name}\"', '{column.name}')"
        connection.execute(
            text(  # names from our own metadata, never from input
                f"SELECT setval({sequence}, "  # noqa: S608
                f'(SELECT coalesce(max("{column.name}"), 0) + 1 FROM "{table.name}"), false) '
                f"WHERE {sequence} IS NOT NULL"
            )
        )


def holds_data() -> bool:
    """Whether the database holds anything of its users (organisations, users, audit)."""
    from ..models import AuditLog, Case, Organisation, User

    return any(db.session.scalar(select(model.id).limit(1)) is not None
               for model in (Organisation, User, Case, AuditLog))  # fmt: skip


def restore(path: Path) -> Report:
    """Restore the backup at `path` (see `read`)."""
    with path.open("rb") as source:
        return read(source)
