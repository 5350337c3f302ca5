"""The record of every import: who, when, which file, what it did."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import ContactPreference, ImportKind, ImportStatus
from .organisation import Municipality
from .types import TZDateTime, enum_column, utcnow
from .user import User


class ImportRecord(Model):
    """One uploaded file from preview to confirmation (reassessment or allowlist)."""

    __tablename__ = "import_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind))
    # Allowlist only: "replace" the whole list or "append" to it.
    mode: Mapped[str | None] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    # The upload, kept outside the web root until the import is confirmed or abandoned.
    stored_name: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.PREVIEWING
    )
    rows: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    unknown_columns: Mapped[list[str] | None] = mapped_column(JSON)
    # The first refused rows with their errors: [{"regel": 7, "fouten": [...]}].
    refused_rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # The first updated rows with what they change: [{"regel", "zaak_id", "zaaknummer",
    # "wijzigingen": [{"veld", "oud", "nieuw"}]}].
    changed_rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Rows with a value the import put back (a leading zero a spreadsheet dropped), and the
    # first of them with what was put back: [{"regel", "meldingen": [{"veld", "melding"}]}].
    corrected: Mapped[int] = mapped_column(Integer, default=0)
    corrected_rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    confirmed_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    municipality: Mapped[Municipality] = relationship()
    created_by = relationship(User, foreign_keys=[created_by_id])
    confirmed_by = relationship(User, foreign_keys=[confirmed_by_id])

    def __str__(self) -> str:
        return f"{self.kind.label} {self.filename}"


class ImportRow(Model):
    """A valid row of a reassessment file being confirmed, staged until it goes live at once.

    The rows are staged in short transactions while the file is read; one short set-based
    switch then makes them all live (on SQLite the only write lock is held for that switch
    alone, not for reading the file). What the switch writes is the row's complete
    household: a column the file did not have already holds the case's own value.
    """

    __tablename__ = "import_row"
    # The switch finds a person's own row and the rows naming a partner by BSN.
    __table_args__ = (
        Index("ix_import_row_bsn", "import_id", "bsn"),
        Index("ix_import_row_partner_bsn", "import_id", "partner_bsn", "line"),
    )

    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_record.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))  # "new" or "updated"
    case_id: Mapped[int | None] = mapped_column(Integer)
    bsn: Mapped[str] = mapped_column(String(9))
    initials: Mapped[str | None] = mapped_column(String(40))
    prefix: Mapped[str | None] = mapped_column(String(40))
    # None keeps the stored surname.
    surname: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    house_number_suffix: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(7))
    city: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    partner_bsn: Mapped[str | None] = mapped_column(String(9))
    partner_initials: Mapped[str | None] = mapped_column(String(40))
    partner_prefix: Mapped[str | None] = mapped_column(String(40))
    partner_surname: Mapped[str | None] = mapped_column(String(200))
    partner_birth_date: Mapped[dt.date | None] = mapped_column(Date)
    children_count: Mapped[int] = mapped_column(Integer, default=0)
    contact_preference: Mapped[ContactPreference] = mapped_column(enum_column(ContactPreference))
    # None keeps the stored contract number.
    contract_number: Mapped[str | None] = mapped_column(String(64))

    def __str__(self) -> str:
        return f"Regel {self.line} van import {self.import_id}"
