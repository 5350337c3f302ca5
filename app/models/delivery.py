"""Ockto deliveries (contracts/ockto-delivery.md): the raw payload and its parsed rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import (
    AssetKind,
    DebtKind,
    DeliveryRole,
    GrossNet,
    IncomeKind,
    IncomePeriod,
    PartnerSource,
)
from .types import TZDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from .case import Case, Invitation
    from .resident import Resident


class Delivery(Model):
    """One Ockto delivery with its raw payload and the partner facts the advice reads."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), index=True)
    # The contract's `levering_id`: unique, so a delivery received twice is stored once.
    delivery_key: Mapped[str] = mapped_column(String(64), unique=True)
    # `afgerond_op`: the reference date of the advice.
    completed_on: Mapped[dt.datetime] = mapped_column(TZDateTime)
    # False when the BRP names a partner whose data is not in the delivery.
    complete: Mapped[bool] = mapped_column(Boolean)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The first answer, repeated verbatim to a delivery received again.
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Partner facts (seed 002), stored so the advice engine reads them without re-deriving.
    found_partner_bsn: Mapped[str | None] = mapped_column(String(9))
    partner_source: Mapped[PartnerSource | None] = mapped_column(enum_column(PartnerSource))
    given_partner_bsn: Mapped[str | None] = mapped_column(String(9))
    partner_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    # The second (or later) delivery without the partner's data: advice INVESTIGATE.
    partner_missing_again: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="deliveries")
    invitation: Mapped[Invitation | None] = relationship()
    persons: Mapped[list[DeliveryPerson]] = relationship(
        back_populates="delivery", order_by="DeliveryPerson.id", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"Ockto-levering van {self.completed_on:%d-%m-%Y}"


class DeliveryPerson(Model):
    """A person in a delivery, with the BRP data Ockto found."""

    __tablename__ = "delivery_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[DeliveryRole] = mapped_column(enum_column(DeliveryRole))
    bsn: Mapped[str] = mapped_column(String(9))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    first_names: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str | None] = mapped_column(String(40))
    surname: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    marital_status: Mapped[str | None] = mapped_column(String(40))
    partner_bsn: Mapped[str | None] = mapped_column(String(9))
    partner_source: Mapped[PartnerSource | None] = mapped_column(enum_column(PartnerSource))
    # [{"bsn": ..., "geboortedatum": ...}] as the BRP gives them.
    children: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    delivery: Mapped[Delivery] = relationship(back_populates="persons")
    resident: Mapped[Resident | None] = relationship()
    incomes: Mapped[list[DeliveryIncome]] = relationship(
        back_populates="person", order_by="DeliveryIncome.id", cascade="all, delete-orphan"
    )
    assets: Mapped[list[DeliveryAsset]] = relationship(
        back_populates="person", order_by="DeliveryAsset.id", cascade="all, delete-orphan"
    )
    debts: Mapped[list[DeliveryDebt]] = relationship(
        back_populates="person", order_by="DeliveryDebt.id", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        """First names, prefix and surname as the BRP gives them."""
        return " ".join(p for p in [self.first_names, self.prefix, self.surname] if p)

    def __str__(self) -> str:
        return f"{self.role.label}: {self.full_name}"


class DeliveryIncome(Model):
    """One income item of a person: source, kind, amount per period, net or gross."""

    __tablename__ = "delivery_income"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_person.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(60))
    kind: Mapped[IncomeKind] = mapped_column(enum_column(IncomeKind))
    description: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    gross_net: Mapped[GrossNet] = mapped_column(enum_column(GrossNet))
    period: Mapped[IncomePeriod] = mapped_column(enum_column(IncomePeriod))
    includes_holiday_allowance: Mapped[bool] = mapped_column(Boolean)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[DeliveryPerson] = relationship(back_populates="incomes")

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.description or self.source}"


class DeliveryAsset(Model):
    """One asset of a person: an account balance or a value on a reference date."""

    __tablename__ = "delivery_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_person.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AssetKind] = mapped_column(enum_column(AssetKind))
    description: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reference_date: Mapped[dt.date] = mapped_column(Date)

    person: Mapped[DeliveryPerson] = relationship(back_populates="assets")

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.description or ''}"


class DeliveryDebt(Model):
    """One debt of a person on a reference date."""

    __tablename__ = "delivery_debt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_person.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DebtKind] = mapped_column(enum_column(DebtKind))
    description: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reference_date: Mapped[dt.date] = mapped_column(Date)

    person: Mapped[DeliveryPerson] = relationship(back_populates="debts")

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.description or ''}"
