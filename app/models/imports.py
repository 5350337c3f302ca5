"""The record of every import: who, when, which file, what it did."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import ImportKind, ImportStatus
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
