"""The import machinery shared by the reassessment and allowlist imports.

parse → validate → preview (nothing written) → confirm (everything in one transaction).
Both passes stream the file, so 100,000 rows never sit in memory at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete, insert, select, update

from ... import priority
from ...extensions import db
from ...models import (
    AllowlistEntry,
    ImportKind,
    ImportRecord,
    ImportStatus,
)
from ...models.types import utcnow
from .. import tenancy
from ..security import audit
from ..unit import transactional, unit_of_work
from . import households, progress, runlock, storage, writer, xlsx
from .outcomes import RowOutcome, Summary, problem
from .reader import FileRefusedError, Table, header_key
from .values import FieldError, parse_bsn
from .writer import chunks

log = logging.getLogger(__name__)

KEPT_REFUSED_ROWS = 1000
BATCH = 500

REQUIRED = {ImportKind.REASSESSMENT: households.REQUIRED, ImportKind.ALLOWLIST: ["bsn"]}
KNOWN = {ImportKind.REASSESSMENT: households.COLUMNS, ImportKind.ALLOWLIST: ["bsn"]}
# Spellings Excel users write for the same column.
ALIASES = {
    "emailadres": "email",
    "e-mail": "email",
    "huisnr": "huisnummer",
    "toevoeging": "huisnummer_toevoeging",
}


class ImportRuleError(ValueError):
    """An import that cannot go on, with a Dutch message and the field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- columns ----------------------------------------------------------------------------


def _columns(table: Table, kind: ImportKind) -> tuple[dict[str, int], list[str]]:
    """Map canonical column names to positions; refuse missing required columns."""
    wanted = {header_key(c): c for c in KNOWN[kind]}
    wanted.update({header_key(a): c for a, c in ALIASES.items() if c in KNOWN[kind]})
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, key in enumerate(table.keys()):
        name = wanted.get(key)
        if name and name not in positions:
            positions[name] = index
        elif key:
            unknown.append(table.header[index])
    missing = [c for c in REQUIRED[kind] if c not in positions]
    if missing:
        raise FileRefusedError(
            "Verplichte kolom(men) ontbreken: " + ", ".join(missing) + ".", field="kolommen"
        )
    return positions, unknown


# --- validation -------------------------------------------------------------------------


def _cells(cells: list[Any], positions: dict[str, int]) -> dict[str, Any]:
    return {name: (cells[i] if i < len(cells) else None) for name, i in positions.items()}


def _duplicate_lines(table: Table, positions: dict[str, int]) -> dict[str, list[int]]:
    """First pass: every BSN with the lines it stands on (only BSNs on two or more lines)."""
    lines: dict[str, list[int]] = defaultdict(list)
    for line, cells in table.rows():
        try:
            lines[parse_bsn(_cells(cells, positions).get("bsn"))].append(line)
        except FieldError:
            continue
    return {bsn: found for bsn, found in lines.items() if len(found) > 1}


def _batches(table: Table, size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    batch: list[tuple[int, list[Any]]] = []
    for item in table.rows():
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _duplicate_error(duplicates: dict[str, list[int]], bsn: str, line: int) -> list[dict]:
    others = duplicates.get(bsn, [])
    if len(others) < 2:
        return []
    rest = ", ".join(str(n) for n in others if n != line)
    return [
        problem("bsn", f"Dit BSN staat ook op regel {rest}; geen van deze rijen wordt ingelezen.")
    ]


def _household_outcomes(
    table: Table,
    positions: dict[str, int],
    duplicates: dict[str, list[int]],
    municipality_id: int,
) -> Iterator[RowOutcome]:
    """Each row of a reassessment file as new, updated (with its changes), unchanged or refused.

    Rows go in batches: the stored values of the cases the rows of a batch change are read
    in one query.
    """
    present = set(positions)
    cases = households.OpenReassessments(municipality_id, present)
    for batch in _batches(table, BATCH):
        read = []
        for line, cells in batch:
            values, errors, notes = households.read(_cells(cells, positions))
            errors += _duplicate_error(duplicates, values.get("bsn", ""), line)
            case = None
            if not errors:
                case, problems, more = cases.match(values)
                errors += problems
                notes += more
            read.append((line, values, errors, notes, case))
        differing = [
            case.id
            for _line, values, errors, _notes, case in read
            if case is not None and not errors and not cases.unchanged(case, values)
        ]
        stored = cases.stored(differing)
        for line, values, errors, notes, case in read:
            if errors:
                yield RowOutcome(line, "refused", values, errors, notes=notes)
                continue
            if case is not None and case.id not in stored:
                yield RowOutcome(line, "unchanged", values, key=case.id, notes=notes)
                continue
            old = stored[case.id] if case is not None else None
            full = households.complete(values, old)
            errors = households.check(full)
            if errors:
                yield RowOutcome(line, "refused", values, errors, notes=notes)
            elif old is None:
                yield RowOutcome(line, "new", full, notes=notes)
            elif found := households.changes(old, full):
                yield RowOutcome(
                    line, "updated", full, key=case.id, changes=found,
                    case_number=case.number, notes=notes,
                )  # fmt: skip
            else:
                yield RowOutcome(line, "unchanged", full, key=case.id, notes=notes)


def _allowlist_outcomes(
    table: Table,
    positions: dict[str, int],
    duplicates: dict[str, list[int]],
    municipality_id: int,
) -> Iterator[RowOutcome]:
    """Each row of an allowlist file as new, unchanged (on the list already) or refused."""
    existing = set(
        db.session.scalars(
            select(AllowlistEntry.bsn).where(AllowlistEntry.municipality_id == municipality_id)
        )
    )
    for line, cells in table.rows():
        values, errors = {}, []
        try:
            values["bsn"] = parse_bsn(_cells(cells, positions).get("bsn"))
        except FieldError as exc:
            errors.append(problem("bsn", str(exc)))
        errors += _duplicate_error(duplicates, values.get("bsn", ""), line)
        if errors:
            yield RowOutcome(line, "refused", values, errors)
        else:
            yield RowOutcome(line, "unchanged" if values["bsn"] in existing else "new", values)


def evaluate(
    record: ImportRecord, on_progress: Callable[[int, int], None] | None = None
) -> tuple[Summary, Iterator[RowOutcome]]:
    """Open the file and yield each row's outcome; the Summary fills while iterating."""
    table = storage.open_stored(record)
    positions, unknown = _columns(table, record.kind)
    summary = Summary(unknown_columns=unknown, kept=KEPT_REFUSED_ROWS)
    duplicates = _duplicate_lines(table, positions)
    outcomes = (
        _household_outcomes if record.kind == ImportKind.REASSESSMENT else _allowlist_outcomes
    )
    municipality_id = record.municipality_id

    def rows() -> Iterator[RowOutcome]:
        for row in outcomes(table, positions, duplicates, municipality_id):
            summary.add(row)
            if on_progress and summary.rows % 1000 == 0:
                on_progress(summary.rows, table.estimated_rows)
            yield row

    return summary, rows()


# --- preview and confirm ----------------------------------------------------------------


def _finish_summary(record: ImportRecord, summary: Summary) -> None:
    record.rows, record.new, record.updated = summary.rows, summary.new, summary.updated
    record.unchanged, record.refused, record.removed = (
        summary.unchanged,
        summary.refused,
        summary.removed,
    )
    record.unknown_columns = summary.unknown_columns
    record.refused_rows = summary.refused_rows[:KEPT_REFUSED_ROWS]
    record.changed_rows = summary.changed_rows
    record.corrected, record.corrected_rows = summary.corrected, summary.corrected_rows


@transactional
def preview(record: ImportRecord) -> Summary:
    """Validate every row and record the counts; nothing else is written."""
    summary, rows = evaluate(
        record, lambda done, total: progress.update(record.id, "controle", done, total)
    )
    for _ in rows:
        pass
    record = db.session.get(ImportRecord, record.id)
    _finish_summary(record, summary)
    record.status = ImportStatus.PREVIEWED
    return summary


def _write_reassessment(batch: list[dict[str, Any]], row: RowOutcome, import_id: int) -> None:
    """Queue one new or updated household for staging (staged in batches)."""
    batch.append(writer.staged(row, import_id))


def _finish_confirm(record_id: int, summary: Summary, now: dt.datetime) -> None:
    record = db.session.get(ImportRecord, record_id)
    _finish_summary(record, summary)
    record.status = ImportStatus.DONE
    record.confirmed_on = now
    storage.drop_file(record)
    # By who confirmed it: on the screens the step runs after the request, with no user.
    change = f"{record.kind.name.lower()}.confirm"
    audit.object_changed("import", record.id, change, user=record.confirmed_by)


def confirm(
    record: ImportRecord, now: dt.datetime | None = None, fail_at: int | None = None
) -> Summary:
    """Store every valid row at once; on any failure nothing is stored.

    `fail_at` injects a failure at that row, so tests can prove the rollback.
    """
    now = now or utcnow()
    if record.kind == ImportKind.ALLOWLIST:
        return _confirm_allowlist(record, now, fail_at)
    return _confirm_reassessment(record, now, fail_at)


def _confirm_reassessment(record: ImportRecord, now: dt.datetime, fail_at: int | None) -> Summary:
    """Stage the valid rows in short units of work, then make them live in one switch.

    Nobody reads what is staged, so until the switch commits nothing of the file is
    stored; other writers wait only for a batch or the switch, not for reading the file.
    """
    record_id = record.id
    with unit_of_work(now=now, system=True):
        writer.clear(record_id)  # rows an abandoned confirm staged
    summary, rows = evaluate(
        record, lambda done, total: progress.update(record_id, "import", done, total)
    )
    batch: list[dict[str, Any]] = []
    for row in rows:
        if fail_at is not None and row.line == fail_at:
            raise RuntimeError(f"injected failure at line {fail_at}")
        if row.outcome in ("new", "updated"):
            _write_reassessment(batch, row, record_id)
        if len(batch) >= writer.STAGE_BATCH:
            with unit_of_work(now=now, system=True):
                writer.stage(batch)
            batch.clear()
    with unit_of_work(now=now, system=True):
        writer.stage(batch)
    progress.update(record_id, "opslaan", summary.rows, summary.rows)
    with unit_of_work(now=now, system=True):  # the switch: the whole file, or nothing
        writer.switch(db.session.get(ImportRecord, record_id), now)
        _finish_confirm(record_id, summary, now)
    with unit_of_work(now=now, system=True):
        writer.clear(record_id)
    return summary


def _confirm_allowlist(record: ImportRecord, now: dt.datetime, fail_at: int | None) -> Summary:
    """Add the new BSNs (and, replacing, remove the absent ones) in one unit of work."""
    record_id = record.id
    summary, rows = evaluate(
        record, lambda done, total: progress.update(record_id, "import", done, total)
    )
    municipality_id = record.municipality_id
    confirmed_by = record.confirmed_by_id
    seen_bsns: set[str] = set()
    batch: list[dict[str, Any]] = []
    with unit_of_work(now=now, system=True):  # on any failure nothing is written
        for row in rows:
            if fail_at is not None and row.line == fail_at:
                raise RuntimeError(f"injected failure at line {fail_at}")
            if row.outcome != "refused":
                seen_bsns.add(row.values["bsn"])
            if row.outcome == "new":
                batch.append(
                    {"municipality_id": municipality_id, "bsn": row.values["bsn"],
                     "created_on": now, "created_by_id": confirmed_by}
                )  # fmt: skip
            if len(batch) >= BATCH:
                db.session.execute(insert(AllowlistEntry.__table__), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(AllowlistEntry.__table__), batch)
        if record.mode == "replace":
            current = set(
                db.session.scalars(
                    select(AllowlistEntry.bsn).where(
                        AllowlistEntry.municipality_id == municipality_id
                    )
                )
            )
            gone = current - seen_bsns
            for chunk in chunks(sorted(gone), 500):
                db.session.execute(
                    delete(AllowlistEntry).where(
                        AllowlistEntry.municipality_id == municipality_id,
                        AllowlistEntry.bsn.in_(chunk),
                    )
                )
            summary.removed = len(gone)
        _finish_confirm(record_id, summary, now)
    return summary


# --- refused rows ----------------------------------------------------------------------


def refused_rows_file(record: ImportRecord) -> tuple[bytes, str, str]:
    """The refused rows in the file's own format with a `fouten` column, to fix and re-upload."""
    table = storage.open_stored(record)
    _summary, rows = evaluate(record)
    errors = {r.line: r.errors for r in rows if r.outcome == "refused"}
    header = [*table.header, "fouten"]
    selected = ((cells, errors[line]) for line, cells in table.rows() if line in errors)
    stem = Path(record.filename).stem or "import"
    if table.kind in ("xlsx", "ods"):
        width = len(table.header)
        rows = [header] + [
            [*map(_as_typed, (list(cells) + [None] * width)[:width]), _error_text(errs)]
            for cells, errs in selected
        ]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "geweigerd.xlsx"
            xlsx.write(path, "Geweigerd", rows, widths=[max(12, len(h) + 2) for h in header])
            data = path.read_bytes()
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return data, mime, f"{stem}-geweigerd.xlsx"
    text = io.StringIO()
    writer = csv.writer(text, delimiter=table.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for cells, errs in selected:
        padded = list(cells) + [""] * (len(table.header) - len(cells))
        writer.writerow([*padded[: len(table.header)], _error_text(errs)])
    encoding = "utf-8-sig" if table.encoding.startswith("utf-8") else table.encoding
    data = text.getvalue().encode(encoding, errors="replace")
    # Said as it is written: a Windows-1252 file labelled UTF-8 shows its accents garbled.
    charset = "utf-8" if encoding.startswith("utf-8") else "windows-1252"
    return data, f"text/csv; charset={charset}", f"{stem}-geweigerd.csv"


def _as_typed(value: Any) -> Any:
    # A date cell comes back from the reader as midnight of that day: written as a date
    # (dd-mm-jjjj), not as a moment.
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _error_text(errors: list[dict[str, str]]) -> str:
    # Each message is a sentence of its own; a ';' after its full stop read as ".;".
    return " ".join(f"{e['veld']}: {e['melding']}" for e in errors)


# --- entry points ----------------------------------------------------------------------


@transactional
def start(
    kind: ImportKind,
    cbs_code: str,
    upload: Any,
    filename: str,
    user: Any,
    mode: str | None = None,
) -> ImportRecord:
    """Check access, store the upload and create the import record (status PREVIEWING)."""
    municipality = tenancy.get_municipality(cbs_code, user)
    if kind == ImportKind.REASSESSMENT and not municipality.module_ockto:
        raise ImportRuleError(
            "Heronderzoeken horen bij de module Ockto; die staat voor deze gemeente uit.",
            "gemeentecode",
        )
    if kind == ImportKind.ALLOWLIST and mode not in ("replace", "append"):
        raise ImportRuleError("Kies 'replace' (vervangen) of 'append' (aanvullen).", "mode")
    if upload is None or not filename:
        raise FileRefusedError("Kies een bestand.")
    stored = storage.store_upload(upload)
    record = ImportRecord(
        municipality_id=municipality.id,
        kind=kind,
        mode=mode,
        filename=os.path.basename(filename)[:255],
        stored_name=stored,
        status=ImportStatus.PREVIEWING,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(record)
    audit.object_changed("import", None, f"{kind.name.lower()}.upload")
    return record


@transactional
def refuse(record: ImportRecord, exc: FileRefusedError) -> None:
    """Mark an import whose file was refused, and drop the file."""
    record.status = ImportStatus.REFUSED
    record.message = exc.message
    storage.drop_file(record)


@transactional
def discard(record: ImportRecord) -> None:
    """Remove an import that must leave no trace (a refused or dry-run API request)."""
    storage.drop_file(record)
    db.session.delete(record)


@transactional
def begin_confirm(record: ImportRecord) -> bool:
    """Move a previewed import to IMPORTING (conditionally: a double click confirms once).

    The request's audit entry is written here, before the step starts: on SQLite the step
    holds the only write lock until the import is stored, and an entry written after it
    started waited for the whole import (a 503 after the busy timeout, while it ran).
    """
    moved = db.session.execute(
        update(ImportRecord)
        .where(ImportRecord.id == record.id, ImportRecord.status == ImportStatus.PREVIEWED)
        .values(status=ImportStatus.IMPORTING, message=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        audit.object_changed("import", record.id, f"{record.kind.name.lower()}.confirm_start")
    return moved == 1


def run_preview(record_id: int) -> tuple[ImportRecord, Summary | None]:
    """Preview an import (inline for the API, in a thread for the screens)."""
    record = db.session.get(ImportRecord, record_id)
    summary = None
    try:
        summary = preview(record)
    except FileRefusedError as exc:
        db.session.rollback()
        refuse(db.session.get(ImportRecord, record_id), exc)
    finally:
        progress.clear(record_id)
    return db.session.get(ImportRecord, record_id), summary


def run_confirm(
    record_id: int, user_id: int | None, fail_at: int | None = None
) -> tuple[ImportRecord, Summary | None]:
    """Confirm a previewed import; a failure leaves only the record, marked FAILED."""
    with unit_of_work(system=True):
        record = db.session.get(ImportRecord, record_id)
        record.confirmed_by_id = user_id
    summary = None
    try:
        summary = confirm(db.session.get(ImportRecord, record_id), fail_at=fail_at)
    except FileRefusedError as exc:
        db.session.rollback()
        with unit_of_work(system=True):
            writer.clear(record_id)
            refuse(db.session.get(ImportRecord, record_id), exc)
    except Exception:
        log.exception("import %s failed", record_id)
        db.session.rollback()
        with unit_of_work(system=True):  # the failed unit rolled back; only this is stored
            writer.clear(record_id)
            record = db.session.get(ImportRecord, record_id)
            record.status = ImportStatus.FAILED
            record.message = "De import is mislukt; er is niets opgeslagen. Probeer het opnieuw."
    finally:
        progress.clear(record_id)
    return db.session.get(ImportRecord, record_id), summary


def in_background(
    app: Flask, target: Callable[..., Any], *args: Any, lock: runlock.RunLock | None = None
) -> threading.Thread:
    """Run an import step in a thread with its own app context, so the page stays responsive.

    The step's run lock is taken here, before the thread starts (or handed in), and freed
    when the step ends or its process dies.
    """
    held = lock or runlock.acquire(args[0])

    def run() -> None:
        with app.app_context(), held:
            try:
                priority.lower_this_thread(priority.background_nice(app))
                target(*args)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=f"import-{args[0]}", daemon=True)
    thread.start()
    return thread


def apart(
    app: Flask, target: Callable[..., tuple[ImportRecord, Summary | None]], *args: Any
) -> tuple[ImportRecord, Summary | None]:
    """Run an import step in a thread of its own at background priority, and wait for it.

    For the API, which answers when the step is done: the request's own thread is shared
    with later requests and must keep its priority (see app/priority.py). The step has its
    own session; the record is read again in the caller's.
    """

    def step() -> tuple[int, Summary | None]:
        record, summary = target(*args)
        return record.id, summary

    record_id, summary = priority.run_lowered(app, step)
    return db.session.get(ImportRecord, record_id, populate_existing=True), summary


# A preview is abandoned only when its lock is free this long after the upload: the
# upload commits the record a moment before the step takes the lock.
GRACE = dt.timedelta(seconds=30)
ABANDONED = {
    ImportStatus.IMPORTING: (
        ImportStatus.PREVIEWED,
        "Het importeren is afgebroken doordat de server stopte; er is niets opgeslagen. "
        "Bevestig de import opnieuw.",
    ),
    ImportStatus.PREVIEWING: (
        ImportStatus.FAILED,
        "De controle is afgebroken doordat de server stopte; er is niets opgeslagen. "
        "Upload het bestand opnieuw.",
    ),
}


def recover_if_abandoned(record: ImportRecord, now: dt.datetime | None = None) -> ImportRecord:
    """An import whose step died with its process: nothing was stored; offer it again."""
    if record.status not in ABANDONED or not runlock.abandoned(record.id):
        return record
    now = now or utcnow()
    if record.status == ImportStatus.PREVIEWING and record.created_on > now - GRACE:
        return record
    record_id, found = record.id, record.status
    target, message = ABANDONED[found]
    with unit_of_work(system=True):
        moved = db.session.execute(
            update(ImportRecord)
            .where(ImportRecord.id == record_id, ImportRecord.status == found)
            .values(status=target, message=message)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            writer.clear(record_id)  # what the dead confirm staged goes with it
            if target == ImportStatus.FAILED:
                storage.drop_file(db.session.get(ImportRecord, record_id))
            audit.object_changed("import", record_id, f"abandoned:{found.name.lower()}")
    progress.clear(record_id)
    db.session.expire_all()
    return db.session.get(ImportRecord, record_id)
