"""Refused partner requests (intake, Ockto), logged for the beheerder without personal data."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .organisation import Municipality
from .types import TZDateTime, utcnow


class RefusedRequest(Model):
    """One refused request: when, which endpoint, the answer, why, and its reference number."""

    __tablename__ = "refused_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    endpoint: Mapped[str] = mapped_column(String(40))
    status_code: Mapped[int] = mapped_column(Integer)
    # Field names and Dutch messages only; never the submitted values.
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)

    municipality: Mapped[Municipality | None] = relationship()

    def __str__(self) -> str:
        return f"{self.endpoint} {self.status_code} ({self.reference or '-'})"
