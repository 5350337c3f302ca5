"""The legitimacy advice (DESIGN.md 6) as a pure function: no database, no clock.

`advise(household, policy, rules)` takes one delivery's persons and items, the
municipality's policy and the norm tables, and returns the advice with every figure
it used, so a caseworker can redo the sum by hand. Amounts are Decimal throughout;
limits are rounded half-up to cents, as municipalities publish them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ...models import (
    NON_INCOME_KINDS,
    Advice,
    AssetHouseholdType,
    AssetKind,
    DebtKind,
    GrossNet,
    HouseholdType,
    IncomeKind,
    IncomePeriod,
)
from .money import cents, monthly

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
# The national norms include 5% holiday allowance (vt = 5% of the inclusive norm).
NORM_WITHOUT_HOLIDAY_ALLOWANCE = Decimal("0.95")
# Holiday allowance on wages and benefits is 8% on top (Wet minimumloon en
# minimumvakantiebijslag art. 15): an item that includes it is divided by 1.08.
INCOME_HOLIDAY_ALLOWANCE = Decimal("1.08")
ADULT_AGE = 21
CHILD_AGE = 18


# --- Inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Income:
    """One income item as Ockto delivered it."""

    kind: IncomeKind
    amount: Decimal
    period: IncomePeriod
    gross_net: GrossNet = GrossNet.NET
    includes_holiday_allowance: bool = False
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""
    description: str | None = None


@dataclass(frozen=True)
class Asset:
    """One balance or value."""

    kind: AssetKind
    value: Decimal
    description: str | None = None


@dataclass(frozen=True)
class Debt:
    """One debt."""

    kind: DebtKind
    amount: Decimal
    description: str | None = None


@dataclass(frozen=True)
class Person:
    """The applicant or the partner, with the BRP birth date and their items."""

    birth_date: dt.date
    incomes: tuple[Income, ...] = ()
    assets: tuple[Asset, ...] = ()
    debts: tuple[Debt, ...] = ()
    children_birth_dates: tuple[dt.date, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Household:
    """What one delivery says about the household, on its reference date (`afgerond_op`)."""

    reference_date: dt.date
    applicant: Person
    partner: Person | None = None
    # The BRP names a partner (found in the sources), whether or not they delivered.
    partner_found: bool = False
    partner_mismatch: bool = False
    partner_missing_again: bool = False


@dataclass(frozen=True)
class Policy:
    """The municipality's income and asset parameters."""

    income_percentage: Decimal
    income_includes_holiday_allowance: bool
    advice_margin_percentage: Decimal
    check_assets: bool
    deduct_debts: bool
    max_data_age_days: int


@dataclass(frozen=True)
class NormRow:
    """A norm or asset limit from a date on; `municipal` marks a municipal override."""

    valid_from: dt.date
    amount: Decimal
    verified: bool = True
    municipal: bool = False


@dataclass(frozen=True)
class AowAge:
    """The AOW (pension) age for people born on or after `born_from`."""

    born_from: dt.date
    years: int
    months: int


@dataclass(frozen=True)
class Rules:
    """Every norm and asset limit period and the AOW-age table."""

    norms: dict[HouseholdType, Sequence[NormRow]]
    asset_limits: dict[AssetHouseholdType, Sequence[NormRow]]
    aow_ages: Sequence[AowAge]


# --- Output -------------------------------------------------------------------------


@dataclass
class Reason:
    """Why: a code, a Dutch message and the figures it rests on."""

    code: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "melding": self.message, "cijfers": _plain(self.figures)}


@dataclass
class IncomeLine:
    """One income item with its month amount and whether (and why not) it counts."""

    person: str
    item: Income
    per_month: Decimal
    counted: bool
    note: str = ""


@dataclass
class Result:
    """The advice with every figure used."""

    advice: Advice
    reference_date: dt.date
    household_type: HouseholdType | None
    asset_household_type: AssetHouseholdType
    minor_children: int
    pension_age: list[bool]
    lines: list[IncomeLine]
    income_per_person: list[Decimal]
    income: Decimal
    norm: NormRow | None
    holiday_factor: Decimal
    income_limit: Decimal | None
    income_band: Decimal | None
    other_assets: Decimal
    home_equity: Decimal | None
    home_equity_limit: NormRow | None
    home_equity_counted: Decimal
    debts_deducted: Decimal
    study_debt: Decimal
    assets: Decimal
    asset_limit: NormRow | None
    asset_band: Decimal | None
    reasons: list[Reason]
    warnings: list[str]
    policy: Policy

    def as_json(self) -> dict[str, Any]:
        """The whole calculation as stored on the case and given over REST."""
        return _plain(
            {
                "advies": self.advice.name,
                "peildatum": self.reference_date,
                "huishouden": self.household_type.name if self.household_type else None,
                "huishouden_vermogen": self.asset_household_type.name,
                "minderjarige_kinderen": self.minor_children,
                "aow_leeftijd": self.pension_age,
                "inkomsten": [
                    {
                        "persoon": line.person,
                        "soort": line.item.kind.name,
                        "bron": line.item.source,
                        "omschrijving": line.item.description,
                        "bedrag": line.item.amount,
                        "periode": line.item.period.name,
                        "bruto_netto": line.item.gross_net.name,
                        "inclusief_vakantiegeld": line.item.includes_holiday_allowance,
                        "tot": line.item.end,
                        "per_maand": line.per_month,
                        "telt_mee": line.counted,
                        "toelichting": line.note,
                    }
                    for line in self.lines
                ],
                "inkomen_per_persoon": self.income_per_person,
                "inkomen": self.income,
                "norm": self.norm.amount if self.norm else None,
                "norm_vanaf": self.norm.valid_from if self.norm else None,
                "norm_geverifieerd": self.norm.verified if self.norm else None,
                "vakantiegeldfactor": self.holiday_factor,
                "percentage": self.policy.income_percentage,
                "inkomensgrens": self.income_limit,
                "marge_percentage": self.policy.advice_margin_percentage,
                "inkomensgrens_met_marge": self.income_band,
                "vermogen_toetsen": self.policy.check_assets,
                "schulden_aftrekken": self.policy.deduct_debts,
                "bezittingen": self.other_assets,
                "overwaarde_woning": self.home_equity,
                "grens_overwaarde_woning": (
                    self.home_equity_limit.amount if self.home_equity_limit else None
                ),
                "overwaarde_meegeteld": self.home_equity_counted,
                "schulden_afgetrokken": self.debts_deducted,
                "studieschuld": self.study_debt,
                "vermogen": self.assets,
                "vermogensgrens": self.asset_limit.amount if self.asset_limit else None,
                "vermogensgrens_vanaf": self.asset_limit.valid_from if self.asset_limit else None,
                "vermogensgrens_gemeentelijk": (
                    self.asset_limit.municipal if self.asset_limit else None
                ),
                "vermogensgrens_met_marge": self.asset_band,
                "redenen": [r.as_json() for r in self.reasons],
                "waarschuwingen": self.warnings,
            }
        )


def _plain(value: Any) -> Any:
    """JSON-safe: Decimals as strings with two decimals where money, dates ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- Dates ----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day that month lacks (29 February) moves to the 1st after."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if day.day > last:
        return dt.date(year, month, last) + dt.timedelta(days=1)
    return dt.date(year, month, day.day)


def has_reached(birth_date: dt.date, years: int, months: int, on: dt.date) -> bool:
    """Whether someone born on `birth_date` is at least years+months old on `on`."""
    return on >= add_months(birth_date, years * 12 + months)


def aow_age_of(birth_date: dt.date, table: Sequence[AowAge]) -> AowAge:
    """The AOW-age row for a birth date; later births keep the last (newest) row."""
    found = table[0]
    for row in table:
        if row.born_from <= birth_date:
            found = row
    return found


def at_pension_age(birth_date: dt.date, on: dt.date, table: Sequence[AowAge]) -> bool:
    """Whether the person has reached their AOW age on `on`."""
    row = aow_age_of(birth_date, table)
    return has_reached(birth_date, row.years, row.months, on)


def in_force(rows: Iterable[NormRow] | None, on: dt.date) -> NormRow | None:
    """The row with the latest `valid_from` on or before `on`; a municipal row wins."""
    candidates = [r for r in rows or () if r.valid_from <= on]
    municipal = [r for r in candidates if r.municipal]
    pool = municipal or candidates
    return max(pool, key=lambda r: r.valid_from) if pool else None


# --- Limits ---------------------------------------------------------------------------


def holiday_factor(policy: Policy) -> Decimal:
    """1 when the municipality compares including holiday allowance, else 0.95."""
    return (
        Decimal(1) if policy.income_includes_holiday_allowance else NORM_WITHOUT_HOLIDAY_ALLOWANCE
    )


def income_limit(norm: Decimal, policy: Policy) -> Decimal:
    """Norm x holiday-allowance factor x percentage, rounded half-up to cents."""
    return cents(norm * holiday_factor(policy) * policy.income_percentage / HUNDRED)


def band(limit: Decimal, policy: Policy) -> Decimal:
    """The rounded limit plus the margin, rounded the same way."""
    return cents(limit * (HUNDRED + policy.advice_margin_percentage) / HUNDRED)


def limits_on(on: dt.date, policy: Policy, rules: Rules) -> dict[HouseholdType, Decimal | None]:
    """The income limit per household type on a date (None without a norm)."""
    result: dict[HouseholdType, Decimal | None] = {}
    for kind in HouseholdType:
        norm = in_force(rules.norms.get(kind), on)
        result[kind] = income_limit(norm.amount, policy) if norm else None
    return result


# --- The advice -----------------------------------------------------------------------

_SEVERITY = {Advice.GRANT: 0, Advice.INVESTIGATE: 1, Advice.REJECT: 2}


def severity(advice: Advice) -> int:
    """GRANT < INVESTIGATE < REJECT: used to prove that more income never helps."""
    return _SEVERITY[advice]


def _income_lines(
    label: str, person: Person, ref: dt.date, policy: Policy
) -> tuple[list[IncomeLine], dict[str, list[IncomeLine]]]:
    lines: list[IncomeLine] = []
    uncertain: dict[str, list[IncomeLine]] = {"gross": [], "other": [], "old": []}
    for item in person.incomes:
        per_month = monthly(item.amount, item.period)
        note = ""
        if item.includes_holiday_allowance and not policy.income_includes_holiday_allowance:
            per_month = per_month / INCOME_HOLIDAY_ALLOWANCE
            note = "zonder vakantiegeld (÷ 1,08)"
        line = IncomeLine(label, item, cents(per_month), True, note)
        if item.kind in NON_INCOME_KINDS:
            line.counted, line.note = False, "toeslag: geen inkomen"
        elif item.gross_net == GrossNet.GROSS:
            line.counted, line.note = False, "alleen bruto bekend"
            uncertain["gross"].append(line)
        elif item.kind == IncomeKind.OTHER:
            line.counted, line.note = False, "soort onbekend (overig)"
            uncertain["other"].append(line)
        elif item.end is not None and (ref - item.end).days > policy.max_data_age_days:
            line.counted, line.note = False, f"verouderd: tot {item.end:%d-%m-%Y}"
            uncertain["old"].append(line)
        lines.append(line)
    return lines, uncertain


def _household(h: Household, rules: Rules) -> tuple[
    HouseholdType, AssetHouseholdType, int, list[bool], list[Reason]
]:  # fmt: skip
    ref = h.reference_date
    people = [h.applicant] + ([h.partner] if h.partner else [])
    pension = [at_pension_age(p.birth_date, ref, rules.aow_ages) for p in people]
    young = [not has_reached(p.birth_date, ADULT_AGE, 0, ref) for p in people]
    births = {b for p in people for b in p.children_birth_dates}
    minors = sum(1 for b in births if not has_reached(b, CHILD_AGE, 0, ref))
    couple = h.partner is not None or h.partner_found
    reasons: list[Reason] = []
    if couple:
        kind = HouseholdType.COUPLE_PENSION if any(pension) else HouseholdType.COUPLE
        if any(young):
            reasons.append(
                Reason(
                    "YOUNG_COUPLE",
                    "Een van de partners is jonger dan 21: de norm hangt af van de situatie.",
                )
            )
    elif pension[0]:
        kind = HouseholdType.SINGLE_PENSION
    elif young[0]:
        kind = HouseholdType.SINGLE_YOUNG
        reasons.append(
            Reason(
                "SINGLE_YOUNG",
                "De aanvrager is jonger dan 21 (jongerennorm): beoordeel de situatie.",
            )
        )
    else:
        kind = HouseholdType.SINGLE
    asset_kind = AssetHouseholdType.FAMILY if couple or minors else AssetHouseholdType.SINGLE
    return kind, asset_kind, minors, pension, reasons


def _partner_reasons(h: Household) -> list[Reason]:
    reasons = []
    if h.partner_mismatch:
        reasons.append(
            Reason(
                "PARTNER_MISMATCH", "De partner in de Ockto-gegevens is niet de opgegeven partner."
            )
        )
    if h.partner_found and h.partner is None:
        if h.partner_missing_again:
            reasons.append(
                Reason(
                    "PARTNER_DATA_MISSING_TWICE",
                    "Twee keer een levering zonder de gegevens van de partner.",
                )
            )
        else:
            reasons.append(
                Reason("PARTNER_DATA_MISSING", "De gegevens van de partner ontbreken nog.")
            )
    return reasons


def _assets(people: Sequence[Person], policy: Policy, home_limit: NormRow | None) -> dict[str, Any]:
    other = sum((a.value for p in people for a in p.assets if a.kind != AssetKind.OWN_HOME), ZERO)
    home_value = sum(
        (a.value for p in people for a in p.assets if a.kind == AssetKind.OWN_HOME), ZERO
    )
    mortgage = sum((d.amount for p in people for d in p.debts if d.kind == DebtKind.MORTGAGE), ZERO)
    owns_home = any(a.kind == AssetKind.OWN_HOME for p in people for a in p.assets)
    study = sum((d.amount for p in people for d in p.debts if d.kind == DebtKind.STUDY_DEBT), ZERO)
    debts = sum((d.amount for p in people for d in p.debts if d.kind == DebtKind.OTHER), ZERO)
    equity = home_value - mortgage if owns_home or mortgage else None
    counted_home = ZERO
    if equity is not None and equity > 0:
        # Equity in one's own home is free up to its own limit; only the excess counts.
        counted_home = max(equity - home_limit.amount, ZERO) if home_limit else ZERO
    elif equity is not None and equity < 0 and policy.deduct_debts:
        # A mortgage larger than the home's value (a residual debt) is a debt like others.
        counted_home = equity
    deducted = debts if policy.deduct_debts else ZERO
    return {
        "other": other,
        "equity": equity,
        "counted_home": counted_home,
        "deducted": deducted,
        "study": study,
        "total": other - deducted + counted_home,
        "home_limit_needed": equity is not None and equity > 0,
    }


def _compare(amount: Decimal, limit: Decimal | None, upper: Decimal | None) -> str:
    if limit is None or upper is None:
        return "unknown"
    if amount <= limit:
        return "under"
    return "margin" if amount <= upper else "over"


def advise(h: Household, policy: Policy, rules: Rules) -> Result:
    """The advice for one household on its reference date, with every figure used."""
    ref = h.reference_date
    kind, asset_kind, minors, pension, household_reasons = _household(h, rules)
    hard = _partner_reasons(h) + household_reasons

    people = [("aanvrager", h.applicant)] + ([("partner", h.partner)] if h.partner else [])
    lines: list[IncomeLine] = []
    uncertain: dict[str, list[IncomeLine]] = {"gross": [], "other": [], "old": []}
    per_person = []
    for label, person in people:
        person_lines, person_uncertain = _income_lines(label, person, ref, policy)
        lines += person_lines
        per_person.append(sum((x.per_month for x in person_lines if x.counted), ZERO))
        for key, found in person_uncertain.items():
            uncertain[key] += found
    income = sum(per_person, ZERO)

    norm = in_force(rules.norms.get(kind), ref)
    limit = income_limit(norm.amount, policy) if norm else None
    income_upper = band(limit, policy) if limit is not None else None
    income_state = _compare(income, limit, income_upper)

    home_limit = in_force(rules.asset_limits.get(AssetHouseholdType.HOME_EQUITY), ref)
    a = _assets([p for _, p in people], policy, home_limit)
    asset_limit = in_force(rules.asset_limits.get(asset_kind), ref)
    asset_upper = band(asset_limit.amount, policy) if asset_limit else None
    asset_state = "not_tested"
    if policy.check_assets:
        asset_state = _compare(a["total"], asset_limit.amount if asset_limit else None, asset_upper)
        if a["home_limit_needed"] and home_limit is None and asset_state != "over":
            asset_state = "unknown"

    income_figures = {
        "inkomen": income,
        "norm": norm.amount if norm else None,
        "vakantiegeldfactor": holiday_factor(policy),
        "percentage": policy.income_percentage,
        "inkomensgrens": limit,
        "inkomensgrens_met_marge": income_upper,
    }
    asset_figures = {
        "vermogen": a["total"],
        "vermogensgrens": asset_limit.amount if asset_limit else None,
        "vermogensgrens_met_marge": asset_upper,
    }
    reasons: list[Reason] = []
    if income_state == "over":
        reasons.append(
            Reason(
                "INCOME_TOO_HIGH",
                "Het inkomen ligt boven de inkomensgrens, ook met de marge.",
                income_figures,
            )
        )
    if asset_state == "over":
        reasons.append(
            Reason(
                "ASSETS_TOO_HIGH",
                "Het vermogen ligt boven de vermogensgrens, ook met de marge.",
                asset_figures,
            )
        )
    findings: list[Reason] = []
    if income_state == "margin":
        findings.append(
            Reason(
                "INCOME_WITHIN_MARGIN",
                "Het inkomen ligt net boven de inkomensgrens, binnen de marge.",
                income_figures,
            )
        )
    if asset_state == "margin":
        findings.append(
            Reason(
                "ASSETS_WITHIN_MARGIN",
                "Het vermogen ligt net boven de vermogensgrens, binnen de marge.",
                asset_figures,
            )
        )
    if norm is None:
        findings.append(
            Reason(
                "NO_NORM",
                f"Er is geen norm ({kind.label}) die geldt op de peildatum.",
                {"peildatum": ref},
            )
        )
    if policy.check_assets and asset_limit is None:
        findings.append(
            Reason(
                "NO_ASSET_LIMIT",
                f"Er is geen vermogensgrens ({asset_kind.label}) die geldt op de peildatum.",
                {"peildatum": ref},
            )
        )
    if policy.check_assets and a["home_limit_needed"] and home_limit is None:
        findings.append(
            Reason(
                "NO_ASSET_LIMIT",
                "Er is geen grens voor vermogen in de eigen woning die geldt op de peildatum.",
                {"peildatum": ref, "overwaarde_woning": a["equity"]},
            )
        )
    texts = {
        "gross": (
            "GROSS_INCOME_ONLY",
            "Van een of meer inkomsten is alleen het bruto bedrag bekend.",
        ),
        "other": ("OTHER_INCOME", "Een of meer inkomsten hebben de soort 'overig'."),
        "old": ("DATA_TOO_OLD", "Een of meer inkomensgegevens zijn ouder dan toegestaan."),
    }
    for key, (code, message) in texts.items():
        if uncertain[key]:
            figures: dict[str, Any] = {
                "bedrag_per_maand": sum((x.per_month for x in uncertain[key]), ZERO)
            }
            if key == "old":
                figures["peildatum"] = ref
                figures["maximale_ouderdom_dagen"] = policy.max_data_age_days
            findings.append(Reason(code, message, figures))

    if hard:
        # Who is in the household is uncertain: the limits themselves may not apply.
        result, reasons = Advice.INVESTIGATE, hard + reasons + findings
    elif reasons:
        result, reasons = Advice.REJECT, reasons + findings
    elif findings:
        result, reasons = Advice.INVESTIGATE, findings
    else:
        result = Advice.GRANT
        reasons = [
            Reason(
                "WITHIN_LIMITS",
                "Inkomen en vermogen liggen binnen de grenzen."
                if policy.check_assets
                else "Het inkomen ligt binnen de grens (vermogen wordt niet getoetst).",
                {**income_figures, **(asset_figures if policy.check_assets else {})},
            )
        ]

    warnings = []
    for row, what in ((norm, "norm"), (asset_limit, "vermogensgrens")):
        if row is not None and not row.verified:
            warnings.append(
                f"De gebruikte {what} (vanaf {row.valid_from:%d-%m-%Y}) is niet geverifieerd."
            )
    if norm is not None and ref >= add_months(norm.valid_from, 6):
        warnings.append(
            f"De gebruikte norm geldt vanaf {norm.valid_from:%d-%m-%Y}; normen wijzigen elk half "
            "jaar. Controleer of er een nieuwere periode is."
        )

    return Result(
        advice=result,
        reference_date=ref,
        household_type=kind,
        asset_household_type=asset_kind,
        minor_children=minors,
        pension_age=pension,
        lines=lines,
        income_per_person=per_person,
        income=income,
        norm=norm,
        holiday_factor=holiday_factor(policy),
        income_limit=limit,
        income_band=income_upper,
        other_assets=a["other"],
        home_equity=a["equity"],
        home_equity_limit=home_limit,
        home_equity_counted=a["counted_home"],
        debts_deducted=a["deducted"],
        study_debt=a["study"],
        assets=a["total"],
        asset_limit=asset_limit,
        asset_band=asset_upper,
        reasons=reasons,
        warnings=warnings,
        policy=policy,
    )
