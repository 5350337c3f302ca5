"""National income norms and asset limits, per period (valid_from)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import AssetHouseholdType, HouseholdType
from .organisation import Municipality
from .types import TZDateTime, enum_column, utcnow


class NationalNorm(Model):
    """A Participatiewet norm per household type, per month, including holiday allowance."""

    __tablename__ = "national_norm"
    __table_args__ = (
        UniqueConstraint("valid_from", "household_type", name="uq_national_norm_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[dt.date] = mapped_column(Date, index=True)
    household_type: Mapped[HouseholdType] = mapped_column(enum_column(HouseholdType))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(500))
    changed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return f"{self.household_type.label} vanaf {self.valid_from:%d-%m-%Y}"


class AssetLimit(Model):
    """An asset limit per household type; a municipal row overrides the national one."""

    __tablename__ = "asset_limit"
    __table_args__ = (
        UniqueConstraint(
            "valid_from", "household_type", "municipality_id", name="uq_asset_limit_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[dt.date] = mapped_column(Date, index=True)
    household_type: Mapped[AssetHouseholdType] = mapped_column(enum_column(AssetHouseholdType))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(500))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    changed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality | None] = relationship()

    def __str__(self) -> str:
        scope = self.municipality.name if self.municipality else "landelijk"
        return f"{self.household_type.label} vanaf {self.valid_from:%d-%m-%Y} ({scope})"
