"""Registration in the zaaksysteem: the events waiting to be delivered, per case in order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .case import Case
from .types import TZDateTime, utcnow


class ZgwEvent(Model):
    """One change of a case to register (created, status, decided, aborted), stored in the
    same transaction as the change and delivered afterwards by the `zgw` job."""

    __tablename__ = "zgw_event"
    __table_args__ = (Index("ix_zgw_event_pending", "delivered_on", "next_attempt_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # What the event needs, and what its delivery has made so far (URLs), so a retry
    # continues where it stopped and creates nothing twice.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    delivered_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()

    def __str__(self) -> str:
        return f"{self.kind} ({self.case_id})"
