"""A delivery as the caseworker reads it: per person and per household, per month."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import NON_INCOME_KINDS, Case, Delivery, DeliveryIncome, DeliveryPerson
from .. import tenancy
from ..legitimacy.money import cents, monthly
from ..security import audit
from . import wire


@dataclass
class IncomeLine:
    """One income item with its monthly equivalent; allowances are shown but not counted."""

    item: DeliveryIncome
    per_month: Decimal
    counted: bool


@dataclass
class Totals:
    """Monthly income (counted), allowances per month, assets and debts."""

    income: Decimal = Decimal("0.00")
    allowances: Decimal = Decimal("0.00")
    assets: Decimal = Decimal("0.00")
    debts: Decimal = Decimal("0.00")

    def add(self, other: Totals) -> None:
        self.income += other.income
        self.allowances += other.allowances
        self.assets += other.assets
        self.debts += other.debts


@dataclass
class PersonSummary:
    """One person of a delivery with income lines and totals."""

    person: DeliveryPerson
    incomes: list[IncomeLine]
    totals: Totals


@dataclass
class DeliverySummary:
    """A delivery with its persons and the household totals."""

    delivery: Delivery
    persons: list[PersonSummary] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


def _loaded() -> Any:
    person = selectinload(Delivery.persons)
    return [
        person.selectinload(DeliveryPerson.incomes),
        person.selectinload(DeliveryPerson.assets),
        person.selectinload(DeliveryPerson.debts),
    ]


def summarise(delivery: Delivery) -> DeliverySummary:
    """Monthly equivalents (rounded to cents per line) and totals per person and household."""
    summary = DeliverySummary(delivery)
    for person in delivery.persons:
        totals = Totals()
        lines = []
        for item in person.incomes:
            per_month = cents(monthly(item.amount, item.period))
            counted = item.kind not in NON_INCOME_KINDS
            lines.append(IncomeLine(item, per_month, counted))
            if counted:
                totals.income += per_month
            else:
                totals.allowances += per_month
        totals.assets = sum((a.value for a in person.assets), Decimal("0.00"))
        totals.debts = sum((d.amount for d in person.debts), Decimal("0.00"))
        summary.persons.append(PersonSummary(person, lines, totals))
        summary.totals.add(totals)
    return summary


def deliveries_of(case: Case) -> list[Delivery]:
    """Every delivery of a case, newest first, with persons and items in three queries."""
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.case_id == case.id)
            .options(*_loaded())
            .order_by(Delivery.created_on.desc(), Delivery.id.desc())
        )
    )


def as_json(summary: DeliverySummary) -> dict[str, Any]:
    """The parsed delivery for the REST API, in the contract's Dutch vocabulary."""

    def totals(t: Totals) -> dict[str, str]:
        return {
            "inkomen_per_maand": str(t.income),
            "toeslagen_per_maand": str(t.allowances),
            "vermogen": str(t.assets),
            "schulden": str(t.debts),
        }

    d = summary.delivery
    return {
        "levering_id": d.delivery_key,
        "afgerond_op": d.completed_on.isoformat(),
        "ontvangen_op": d.created_on.isoformat(),
        "compleet": d.complete,
        "partner_gevonden_bsn": d.found_partner_bsn,
        "partner_bron": wire.code_of(wire.PARTNER_SOURCES, d.partner_source)
        if d.partner_source
        else None,
        "partner_opgegeven_bsn": d.given_partner_bsn,
        "partner_wijkt_af": d.partner_mismatch,
        "partner_opnieuw_ontbrekend": d.partner_missing_again,
        "personen": [
            {
                "rol": wire.code_of(wire.ROLES, p.person.role),
                "bsn": p.person.bsn,
                "naam": p.person.full_name,
                "geboortedatum": p.person.birth_date.isoformat(),
                "burgerlijke_staat": p.person.marital_status,
                "partner_bsn": p.person.partner_bsn,
                "kinderen": p.person.children,
                "inkomsten": [
                    {
                        "bron": line.item.source,
                        "soort": wire.code_of(wire.INCOME_KINDS, line.item.kind),
                        "omschrijving": line.item.description,
                        "bedrag": str(line.item.amount),
                        "bruto_netto": wire.code_of(wire.GROSS_NET, line.item.gross_net),
                        "periode": wire.code_of(wire.PERIODS, line.item.period),
                        "per_maand": str(line.per_month),
                        "telt_als_inkomen": line.counted,
                        "inclusief_vakantiegeld": line.item.includes_holiday_allowance,
                        "van": line.item.start.isoformat(),
                        "tot": line.item.end.isoformat() if line.item.end else None,
                    }
                    for line in p.incomes
                ],
                "vermogen": [
                    {
                        "soort": wire.code_of(wire.ASSET_KINDS, a.kind),
                        "omschrijving": a.description,
                        "waarde": str(a.value),
                        "peildatum": a.reference_date.isoformat(),
                    }
                    for a in p.person.assets
                ],
                "schulden": [
                    {
                        "soort": wire.code_of(wire.DEBT_KINDS, s.kind),
                        "omschrijving": s.description,
                        "bedrag": str(s.amount),
                        "peildatum": s.reference_date.isoformat(),
                    }
                    for s in p.person.debts
                ],
                "totalen": totals(p.totals),
            }
            for p in summary.persons
        ],
        "totalen": totals(summary.totals),
    }


def current_of_case(case_id: int, channel: str = "api", user: Any = None) -> DeliverySummary | None:
    """The current delivery of a case the user may see (NotFound otherwise), audited."""
    case = tenancy.get_case(case_id, user)
    found = deliveries_of(case)
    audit.delivery_viewed(case.id, channel)
    return summarise(found[0]) if found else None
