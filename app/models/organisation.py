"""Organisations (gemeente or ISD) and the municipalities they serve, with their settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import CheckMode, FourEyes, OrganisationKind
from .types import TZDateTime, enum_column, utcnow

DEFAULT_REMINDER_DAYS = [5, 10, 14]


class Organisation(Model):
    """The team (a municipality's own department or an ISD) that users belong to."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # A municipality's own department serves one municipality; an ISD serves several.
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind),
        default=OrganisationKind.MUNICIPALITY,
        server_default="MUNICIPALITY",
    )
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    # Outside development Admins and Beheerders always log in with a second factor;
    # this makes it required for the organisation's Medewerkers too.
    two_factor_for_caseworkers: Mapped[bool] = mapped_column(Boolean, default=False)
    # Years after a decision or abort before a case's personal data is removed.
    retention_years: Mapped[int] = mapped_column(Integer, default=7)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="organisation", order_by="Municipality.name"
    )

    def __str__(self) -> str:
        return self.name


class Municipality(Model):
    """A gemeente with its policy settings, modules and house style."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    check_mode: Mapped[CheckMode] = mapped_column(enum_column(CheckMode), default=CheckMode.BEFORE)
    uses_allowlist: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_days: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_DAYS)
    )
    module_ockto: Mapped[bool] = mapped_column(Boolean, default=True)
    module_legitimacy: Mapped[bool] = mapped_column(Boolean, default=True)
    module_decisions: Mapped[bool] = mapped_column(Boolean, default=True)
    # Vier-ogenprincipe: which decisions a second official approves before they are sent.
    four_eyes: Mapped[FourEyes] = mapped_column(enum_column(FourEyes), default=FourEyes.OFF)

    # Income and asset policy (DESIGN.md section 6).
    income_percentage: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("130"))
    income_includes_holiday_allowance: Mapped[bool] = mapped_column(Boolean, default=False)
    advice_margin_percentage: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("5"))
    check_assets: Mapped[bool] = mapped_column(Boolean, default=True)
    deduct_debts: Mapped[bool] = mapped_column(Boolean, default=True)
    max_data_age_days: Mapped[int] = mapped_column(Integer, default=62)
    # Default term (hersteltermijn) of an information request, in days.
    info_request_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")

    # The beschikking's parts the law asks for (Awb 3:46-3:47, 10:10; Participatiewet art. 17),
    # with defaults from services/onboarding/municipalities.beschikking_defaults.
    legal_basis_regulation: Mapped[str | None] = mapped_column(Text)
    legal_basis_article: Mapped[str | None] = mapped_column(Text)
    mandate_text: Mapped[str | None] = mapped_column(Text)
    # The deciding official's function when their own profile names none.
    official_function: Mapped[str | None] = mapped_column(Text)
    granted_text: Mapped[str | None] = mapped_column(Text)
    duty_to_report_text: Mapped[str | None] = mapped_column(Text)

    # House style for letters and emails.
    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_address: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(Text)
    footer: Mapped[str | None] = mapped_column(Text)
    primary_color: Mapped[str] = mapped_column(String(7), default="#1f4e79")
    logo_file: Mapped[str | None] = mapped_column(String(100))

    # The zaaksysteem (ZGW APIs, contracts/zgw.md): where cases are registered.
    zgw_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    zgw_catalogi_url: Mapped[str | None] = mapped_column(String(300))
    zgw_zaken_url: Mapped[str | None] = mapped_column(String(300))
    zgw_documenten_url: Mapped[str | None] = mapped_column(String(300))
    zgw_besluiten_url: Mapped[str | None] = mapped_column(String(300))
    zgw_client_id: Mapped[str | None] = mapped_column(String(200))
    # Write-only: never in an answer, a page, a log line, an audit entry or an export.
    zgw_secret: Mapped[str | None] = mapped_column(String(300))
    zgw_rsin: Mapped[str | None] = mapped_column(String(9))
    zgw_zaaktype: Mapped[str | None] = mapped_column(String(300))
    zgw_informatieobjecttype: Mapped[str | None] = mapped_column(String(300))
    zgw_informatieobjecttype_inkomend: Mapped[str | None] = mapped_column(String(300))
    zgw_besluittype: Mapped[str | None] = mapped_column(String(300))
    # Our statuses -> the zaaktype's statustypen, our outcomes -> its resultaattypen.
    zgw_status_mapping: Mapped[dict[str, str] | None] = mapped_column(JSON)
    zgw_result_mapping: Mapped[dict[str, str] | None] = mapped_column(JSON)

    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    changed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="municipalities")

    def __str__(self) -> str:
        return f"{self.name} ({self.cbs_code})"
