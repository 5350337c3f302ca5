"""Signals: personal alerts to a case's handler (a document arrived, a term ran out, ...)."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .case import Case
from .enums import SignalKind
from .types import TZDateTime, enum_column, utcnow


class Signal(Model):
    """One alert to one user about one case; raised once (its key), read once."""

    __tablename__ = "signal"
    __table_args__ = (
        # Each event signals a user once, also when a job runs twice or a post is retried.
        UniqueConstraint("user_id", "dedupe_key", name="uq_signal_user_key"),
        # The bell: a user's unread signals, counted on every page.
        Index("ix_signal_user_read", "user_id", "read_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SignalKind] = mapped_column(enum_column(SignalKind))
    dedupe_key: Mapped[str] = mapped_column(String(100))
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    read_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    case: Mapped[Case] = relationship()

    def __str__(self) -> str:
        return self.kind.label
