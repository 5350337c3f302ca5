"""Residents (inwoners), identified by BSN within a municipality."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .organisation import Municipality
from .types import TZDateTime, utcnow


class Resident(Model):
    """A person known to one municipality: applicant, partner or child on cases."""

    __tablename__ = "resident"
    __table_args__ = (
        UniqueConstraint("municipality_id", "bsn", name="uq_resident_bsn"),
        # The BSN search looks across the user's municipalities.
        Index("ix_resident_bsn", "bsn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    bsn: Mapped[str] = mapped_column(String(9))
    initials: Mapped[str | None] = mapped_column(String(40))
    first_names: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str | None] = mapped_column(String(40))
    surname: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    house_number_suffix: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(7))
    city: Mapped[str | None] = mapped_column(String(200))
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    changed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()

    @property
    def full_name(self) -> str:
        """Initials, prefix and surname as a letter would address the person."""
        return person_name(self.initials, self.prefix, self.surname)

    @property
    def address_lines(self) -> list[str]:
        """The postal address as lines for a window envelope; empty when unknown."""
        if not (self.street and self.postcode and self.city):
            return []
        number = " ".join(p for p in [self.house_number or "", self.house_number_suffix or ""] if p)
        return [f"{self.street} {number}".strip(), f"{self.postcode}  {self.city.upper()}"]

    def __str__(self) -> str:
        return self.full_name


def person_name(initials: str | None, prefix: str | None, surname: str | None) -> str:
    """Initials, prefix and surname joined; also for rows read without the ORM (exports)."""
    return " ".join(p for p in (initials, prefix, surname) if p)
