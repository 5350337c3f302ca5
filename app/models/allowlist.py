"""The allowlist (bestandscheck): BSNs a municipality already knows to be eligible."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .organisation import Municipality
from .types import TZDateTime, utcnow


class AllowlistEntry(Model):
    """One BSN on one municipality's allowlist."""

    __tablename__ = "allowlist_entry"
    __table_args__ = (UniqueConstraint("municipality_id", "bsn", name="uq_allowlist_bsn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    bsn: Mapped[str] = mapped_column(String(9))
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    municipality: Mapped[Municipality] = relationship()

    def __str__(self) -> str:
        # Never the BSN itself: this string can end up in logs and menus.
        return f"Allowlist-regel {self.id}"
