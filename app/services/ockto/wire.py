"""The Dutch codes of the delivery contract mapped onto our English enums, both ways."""

from __future__ import annotations

from ...models import (
    AssetKind,
    DebtKind,
    DeliveryRole,
    GrossNet,
    IncomeKind,
    IncomePeriod,
    PartnerSource,
)

ROLES = {"aanvrager": DeliveryRole.APPLICANT, "partner": DeliveryRole.PARTNER}
PARTNER_SOURCES = {
    "mijnoverheid": PartnerSource.MIJNOVERHEID,
    "belastingdienst": PartnerSource.BELASTINGDIENST,
}
INCOME_KINDS = {
    "loon": IncomeKind.WAGE,
    "uitkering": IncomeKind.BENEFIT,
    "pensioen": IncomeKind.PENSION,
    "aow": IncomeKind.STATE_PENSION,
    "alimentatie": IncomeKind.ALIMONY,
    "studiefinanciering": IncomeKind.STUDENT_FINANCE,
    "zorgtoeslag": IncomeKind.HEALTHCARE_ALLOWANCE,
    "huurtoeslag": IncomeKind.RENT_ALLOWANCE,
    "kindgebonden_budget": IncomeKind.CHILD_BUDGET,
    "kinderbijslag": IncomeKind.CHILD_BENEFIT,
    "overig": IncomeKind.OTHER,
}
PERIODS = {
    "week": IncomePeriod.WEEK,
    "4weken": IncomePeriod.FOUR_WEEKS,
    "maand": IncomePeriod.MONTH,
    "jaar": IncomePeriod.YEAR,
}
GROSS_NET = {"bruto": GrossNet.GROSS, "netto": GrossNet.NET}
ASSET_KINDS = {
    "betaalrekening": AssetKind.CURRENT_ACCOUNT,
    "spaarrekening": AssetKind.SAVINGS_ACCOUNT,
    "beleggingen": AssetKind.INVESTMENTS,
    "eigen_woning": AssetKind.OWN_HOME,
    "voertuig": AssetKind.VEHICLE,
    "overig": AssetKind.OTHER,
}
DEBT_KINDS = {
    "hypotheek": DebtKind.MORTGAGE,
    "studieschuld": DebtKind.STUDY_DEBT,
    "overig": DebtKind.OTHER,
}


def code_of(mapping: dict[str, object], member: object) -> str:
    """The contract's code for one of our enum members (for the REST answer)."""
    return next(code for code, value in mapping.items() if value is member)
