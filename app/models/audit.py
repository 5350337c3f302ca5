"""The append-only audit log: who did what to which object, never the personal data."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from .types import TZDateTime, utcnow


class AuditLog(Model):
    """One audited event. Rows are only ever inserted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(128))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(20), default="ok")
    # Free text without personal data (counts, filters by field name, format).
    detail: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    def __str__(self) -> str:
        return f"{self.action} {self.object_type or ''} {self.object_id or ''}".strip()


def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError("The audit log is append-only.")


event.listen(AuditLog, "before_update", _refuse_change)
event.listen(AuditLog, "before_delete", _refuse_change)
