"""Retention: the proposals to remove closed cases, and what stays of them (anonymous)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import Advice, CaseKind, CaseStatus, Decision
from .organisation import Organisation
from .types import TZDateTime, enum_column, utcnow


class RetentionRun(Model):
    """A dry-run report of the cases past their retention period, and its confirmation."""

    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    # Closed on or before this date: past the organisation's retention period.
    cutoff: Mapped[dt.date] = mapped_column(Date)
    # The cases of the report: confirming removes exactly these (if still due).
    case_ids: Mapped[list[int]] = mapped_column(JSON)
    # Counts per municipality and year closed: [{"gemeente", "jaar", "zaken"}].
    summary: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # "voorstel" (proposed), "uitgevoerd" (done) or "vervangen" (superseded by a newer one).
    status: Mapped[str] = mapped_column(String(20), default="voorstel", index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    confirmed_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    removed: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation] = relationship()

    def __str__(self) -> str:
        return f"Bewaartermijnrapport {self.created_on:%d-%m-%Y}"


class CaseStatistic(Model):
    """What stays of a removed case: counts and codes, nothing that names a person."""

    __tablename__ = "case_statistic"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column(CaseKind))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    advice: Mapped[Advice | None] = mapped_column(enum_column(Advice))
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision))
    year_created: Mapped[int] = mapped_column(Integer)
    closed_on: Mapped[dt.date] = mapped_column(Date)
    adults: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer)
    removed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)

    def __str__(self) -> str:
        return f"{self.kind.label} {self.year_created} ({self.status.label})"
