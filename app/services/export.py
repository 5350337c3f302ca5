"""Exports of the filtered case list: CSV (Dutch Excel) and XLSX, streamed, audited."""

from __future__ import annotations

import csv
import io
import itertools
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..formatting import date_nl, datetime_nl
from ..models import AuditLog, Case, Municipality, Resident
from ..models.resident import person_name
from . import audit, tenancy, xlsx

FORMATS = {"csv", "xlsx"}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEADER = [
    "zaak_id",
    "soort",
    "status",
    "advies",
    "besluit",
    "gemeentecode",
    "gemeente",
    "aanvraagnummer",
    "contractnummer",
    "aanvrager_bsn",
    "aanvrager_naam",
    "aanvrager_geboortedatum",
    "partner_bsn",
    "partner_naam",
    "aantal_kinderen",
    "communicatievoorkeur",
    "aangemaakt_op",
    "gewijzigd_op",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 500
# The export columns holding text someone typed (names, numbers from files or the
# application site); codes, dates, BSNs and counts cannot start a formula.
_TEXT_COLUMNS = (6, 7, 8, 10, 13)


class ExportError(ValueError):
    """An export that cannot be made, with a Dutch message."""


def escape_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _rows(query: Any) -> Iterator[list[Any]]:
    # The filtered query decides which cases; one Core select of just the exported columns
    # reads them (ORM objects for 100,000 rows cost ten times the database's own time).
    applicant, partner = aliased(Resident), aliased(Resident)
    ids = query.order_by(None).with_entities(Case.id).scalar_subquery()
    stmt = (
        select(
            Case.id,
            Case.kind,
            Case.status,
            Case.advice,
            Case.decision,
            Municipality.cbs_code,
            Municipality.name,
            Case.application_number,
            Case.contract_number,
            applicant.bsn,
            applicant.initials,
            applicant.prefix,
            applicant.surname,
            applicant.birth_date,
            partner.bsn,
            partner.initials,
            partner.prefix,
            partner.surname,
            Case.children_count,
            Case.contact_preference,
            Case.created_on,
            Case.changed_on,
        )
        .join(Municipality, Municipality.id == Case.municipality_id)
        .join(applicant, applicant.id == Case.applicant_id)
        .outerjoin(partner, partner.id == Case.partner_id)
        .where(Case.id.in_(ids))
        .order_by(Case.id)
    )
    result = db.session.execute(stmt, execution_options={"yield_per": _BATCH})
    for r in result:
        row = [
            r[0], r[1].name, r[2].name, r[3].name if r[3] else "", r[4].name if r[4] else "",
            r[5], r[6], r[7] or "", r[8] or "", r[9], person_name(r[10], r[11], r[12]),
            date_nl(r[13]), r[14] or "", person_name(r[15], r[16], r[17]) if r[14] else "",
            r[18], r[19].name, datetime_nl(r[20]), datetime_nl(r[21]),
        ]  # fmt: skip
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


def _xlsx_stream(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    # The sheet is written row by row into a temporary file, then streamed from disk.
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        xlsx.write(Path(path), "Zaken", itertools.chain([HEADER], rows))
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
    stream = _csv_stream(rows) if fmt == "csv" else _xlsx_stream(rows)
    return stream, MIMETYPES[fmt], f"zaken.{fmt}"


AUDIT_HEADER = [
    "id",
    "tijdstip",
    "gebruiker",
    "handeling",
    "soort_object",
    "object",
    "resultaat",
    "details",
    "ip_adres",
]


def export_audit(query: Any, filters_description: str) -> Iterator[bytes]:
    """Stream the (already filtered, tenant-scoped) audit log as CSV; audit the export."""
    query = tenancy.scope(query, AuditLog)
    count = query.order_by(None).count()
    audit.export_made("audit", "csv", count, filters_description)

    def rows() -> Iterator[list[Any]]:
        for entry in query.yield_per(_BATCH):
            yield [
                entry.id,
                datetime_nl(entry.created_on),
                *(
                    escape_cell(v)
                    for v in (
                        entry.username,
                        entry.action,
                        entry.object_type,
                        entry.object_id,
                        entry.result,
                        entry.detail,
                        entry.ip_address,
                    )
                ),
            ]

    return _csv_stream(rows(), AUDIT_HEADER)
