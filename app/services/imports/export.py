"""Exports of the filtered case list: CSV (Dutch Excel) and XLSX, streamed, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import aliased

from ...audit_labels import OBJECTS, action_nl, result_nl
from ...extensions import db
from ...formatting import AMSTERDAM, datetime_nl
from ...formatting import person_name as user_name
from ...models import (
    Advice,
    AuditLog,
    Case,
    CaseKind,
    CaseStatus,
    ContactPreference,
    Decision,
    Municipality,
    Resident,
    User,
)
from ...models.resident import person_name
from .. import tenancy
from ..security import audit
from . import xlsx

FORMATS = {"csv", "xlsx"}
LARGE_XLSX_ROWS = 1_000_000
# Flask adds "; charset=utf-8" to a text type itself (it said the charset twice).
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The columns of a case export, named as the case list names them, with a width (in
# characters) that shows a whole value when the file is opened.
COLUMNS = [
    ("Id", 9),
    ("Zaaknummer", 16),
    ("Soort", 14),
    ("Status", 24),
    ("Advies", 13),
    ("Besluit", 16),
    ("CBS-code", 10),
    ("Gemeente", 20),
    ("Aanvraagnummer", 18),
    ("Contractnummer", 16),
    ("BSN aanvrager", 14),
    ("Aanvrager", 30),
    ("Geboortedatum aanvrager", 12),
    ("BSN partner", 13),
    ("Partner", 30),
    ("Aantal kinderen", 9),
    ("Communicatievoorkeur", 12),
    ("Behandelaar", 24),
    ("Aangemaakt op", 17),
    ("Gewijzigd op", 17),
]
HEADER = [name for name, _width in COLUMNS]
WIDTHS = [width for _name, width in COLUMNS]
# Codes as the screens show them: stored as the code, written as its Dutch label.
_LABELS = {
    enum: {member.name: member.label for member in enum}
    for enum in (CaseKind, CaseStatus, Advice, Decision, ContactPreference)
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 500
# The export columns holding text someone typed (names, numbers from files or the
# application site); labels, dates, BSNs and counts cannot start a formula.
_TEXT_COLUMNS = (1, 7, 8, 9, 11, 14, 17)


class ExportError(ValueError):
    """An export that cannot be made, with a Dutch message."""


def escape_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _moment(value: str | dt.datetime | None) -> dt.datetime | None:
    # The raw column value (SQLite: text in UTC, PostgreSQL: an aware datetime) as the
    # Dutch wall-clock time, naive: a spreadsheet cell has no time zone.
    if value is None:
        return None
    if value.__class__ is str:
        value = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM).replace(tzinfo=None)


def _day(value: str | dt.date | None) -> dt.date | None:
    # The raw column value (SQLite: "jjjj-mm-dd", PostgreSQL: a date) as a date.
    if value is None or value.__class__ is dt.date:
        return value
    return dt.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))


def _moment_nl(t: dt.datetime | None) -> str:
    # formatting.datetime_nl, without strftime: the CSV's two stamps per row.
    if t is None:
        return ""
    return f"{t.day:02}-{t.month:02}-{t.year} {t.hour:02}:{t.minute:02}"


def _day_nl(d: dt.date | None) -> str:
    if d is None:
        return ""
    return f"{d.day:02}-{d.month:02}-{d.year}"


# The columns holding a date and a date-time; typed in XLSX, dd-mm-jjjj [uu:mm] in CSV.
_DATE_COLUMNS = (12,)
_MOMENT_COLUMNS = (18, 19)


def _raw(column: Any) -> Any:
    # The stored value as the driver gives it: enums are stored as their code, so the
    # code needs no enum object, and times are formatted by _moment and _day.
    return type_coerce(column, String)


def _rows(query: Any) -> Iterator[list[Any]]:
    # The filtered query decides which cases; one Core select of just the exported columns
    # reads them (ORM objects for 100,000 rows cost ten times the database's own time),
    # on the session's connection, without the ORM's result processing.
    applicant, partner, handler = aliased(Resident), aliased(Resident), aliased(User)
    ids = query.order_by(None).with_entities(Case.id).scalar_subquery()
    stmt = (
        select(
            Case.id,
            _raw(Case.kind),
            _raw(Case.status),
            _raw(Case.advice),
            _raw(Case.decision),
            Municipality.cbs_code,
            Municipality.name,
            Case.application_number,
            Case.contract_number,
            applicant.bsn,
            applicant.initials,
            applicant.prefix,
            applicant.surname,
            _raw(applicant.birth_date),
            partner.bsn,
            partner.initials,
            partner.prefix,
            partner.surname,
            Case.children_count,
            _raw(Case.contact_preference),
            _raw(Case.created_on),
            _raw(Case.changed_on),
            handler.first_name,
            handler.last_name,
            handler.username,
        )
        .join(Municipality, Municipality.id == Case.municipality_id)
        .join(applicant, applicant.id == Case.applicant_id)
        .outerjoin(partner, partner.id == Case.partner_id)
        .outerjoin(handler, handler.id == Case.handler_id)
        .where(Case.id.in_(ids))
        .order_by(Case.id)
    )
    result = db.session.connection().execute(stmt, execution_options={"yield_per": _BATCH})
    kinds, statuses, advice, decisions, preferences = _LABELS.values()
    for r in result:
        row = [
            r[0], Case.number_of(r[7], r[8], r[0]), kinds[r[1]], statuses[r[2]],
            advice.get(r[3], ""), decisions.get(r[4], ""), r[5], r[6], r[7] or "", r[8] or "",
            r[9], person_name(r[10], r[11], r[12]), _day(r[13]), r[14] or "",
            person_name(r[15], r[16], r[17]) if r[14] else "", r[18], preferences[r[19]],
            user_name(SimpleNamespace(first_name=r[22], last_name=r[23], username=r[24]), ""),
            _moment(r[20]), _moment(r[21]),
        ]  # fmt: skip
        yield row


def _as_csv(rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """The CSV's cells: dates as text, and typed text that starts a formula escaped.

    The escape belongs to the CSV alone: an XLSX text cell is never calculated, and an
    apostrophe there would only corrupt the value.
    """
    for row in rows:
        for i in _DATE_COLUMNS:
            row[i] = _day_nl(row[i])
        for i in _MOMENT_COLUMNS:
            row[i] = _moment_nl(row[i])
        for i in _TEXT_COLUMNS:
            row[i] = escape_cell(row[i])
        yield row


def _csv_stream(rows: Iterable[list[Any]], header: list[str] = HEADER) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % _BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_stream(rows: Iterable[list[Any]], large: bool = False) -> Iterator[bytes]:
    # The sheet is written row by row into a temporary file, then streamed from disk.
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        xlsx.write(Path(path), "Zaken", itertools.chain([HEADER], rows), large=large, widths=WIDTHS)
        with open(path, "rb") as f:
            while chunk := f.read(64 * 1024):
                yield chunk
    finally:
        os.unlink(path)


def export_cases(
    query: Any, fmt: str, filters_description: str, channel: str = "scherm"
) -> tuple[Iterator[bytes], str, str]:
    """Stream the cases of an (already filtered) query as CSV or XLSX and audit the export."""
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise ExportError("Onbekend exportformaat: kies csv of xlsx.")
    query = tenancy.scope(query, Case)
    count = query.order_by(None).count()
    audit.export_made("case", fmt, count, filters_description, channel)
    rows = _rows(query)
    # ZIP64 only where the sheet may pass 2 GB (about a kilobyte per row, with margin).
    large = count > LARGE_XLSX_ROWS
    stream = _csv_stream(_as_csv(rows)) if fmt == "csv" else _xlsx_stream(rows, large)
    return stream, MIMETYPES[fmt], f"zaken.{fmt}"


AUDIT_HEADER = [
    "Id",
    "Tijdstip",
    "Gebruiker",
    "Handeling",
    "Soort object",
    "Object",
    "Resultaat",
    "Details",
    "IP-adres",
]


def export_audit(query: Any, filters_description: str) -> Iterator[bytes]:
    """Stream the (already filtered, tenant-scoped) audit log as CSV; audit the export."""
    query = tenancy.scope(query, AuditLog)
    count = query.order_by(None).count()
    audit.export_made("audit", "csv", count, filters_description)

    def rows() -> Iterator[list[Any]]:
        for entry in query.yield_per(_BATCH):
            # As the audit screen shows them: actions, objects and results in Dutch.
            kind = entry.object_type or ""
            yield [
                entry.id,
                datetime_nl(entry.created_on),
                *(
                    escape_cell(v)
                    for v in (
                        entry.username,
                        action_nl(entry.action),
                        OBJECTS.get(kind, kind).capitalize(),
                        entry.object_id,
                        result_nl(entry.result),
                        entry.detail,
                        entry.ip_address,
                    )
                ),
            ]

    return _csv_stream(rows(), AUDIT_HEADER)
