"""The legitimacy module: the advice stored on cases, recomputation and the what-if.

The arithmetic lives in `advice` (pure); this module loads its inputs from the
database, stores its output on the case and runs it over many cases at once.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from ...extensions import db
from ...formatting import date_in_nl
from ...models import (
    OPEN_STATUSES,
    Advice,
    AssetLimit,
    Case,
    CaseEvent,
    CaseStatus,
    Delivery,
    DeliveryAsset,
    DeliveryDebt,
    DeliveryIncome,
    DeliveryPerson,
    DeliveryRole,
    Municipality,
    NationalNorm,
)
from ...models.types import utcnow
from ..errors import Forbidden, ValidationError
from ..onboarding import municipalities
from ..security import audit
from ..unit import transactional
from . import advice as engine

AOW_TABLE = Path(__file__).resolve().parents[2] / "data" / "aow_ages.csv"
POLICY_FIELDS = [
    "income_percentage",
    "income_includes_holiday_allowance",
    "advice_margin_percentage",
    "check_assets",
    "deduct_debts",
    "max_data_age_days",
]


MODULE_OFF = "Deze gemeente heeft de module rechtmatigheid niet: er is geen advies."


class ModuleOff(Forbidden):
    """The municipality does not have the legitimacy module (HTTP 403)."""

    def __init__(self) -> None:
        super().__init__(MODULE_OFF)


@cache
def aow_ages() -> tuple[engine.AowAge, ...]:
    """The AOW-age table (app/data/aow_ages.csv), oldest birth dates first."""
    with AOW_TABLE.open(encoding="utf-8") as handle:
        rows = [
            engine.AowAge(dt.date.fromisoformat(r["born_from"]), int(r["years"]), int(r["months"]))
            for r in csv.DictReader(handle, delimiter=";")
        ]
    return tuple(sorted(rows, key=lambda r: r.born_from))


def policy_of(municipality: Municipality, **overrides: Any) -> engine.Policy:
    """The municipality's parameters, optionally with some replaced (the what-if)."""
    values = {name: getattr(municipality, name) for name in POLICY_FIELDS}
    values.update(overrides)
    return engine.Policy(
        income_percentage=Decimal(values["income_percentage"]),
        income_includes_holiday_allowance=bool(values["income_includes_holiday_allowance"]),
        advice_margin_percentage=Decimal(values["advice_margin_percentage"]),
        check_assets=bool(values["check_assets"]),
        deduct_debts=bool(values["deduct_debts"]),
        max_data_age_days=int(values["max_data_age_days"]),
    )


def rules_for(municipality_id: int) -> engine.Rules:
    """Every national norm period, and the asset limits national and of this municipality."""
    norms: dict[Any, list[engine.NormRow]] = defaultdict(list)
    for row in db.session.execute(
        select(
            NationalNorm.household_type,
            NationalNorm.valid_from,
            NationalNorm.amount,
            NationalNorm.verified,
        )
    ):
        norms[row.household_type].append(
            engine.NormRow(row.valid_from, Decimal(row.amount), bool(row.verified))
        )
    limits: dict[Any, list[engine.NormRow]] = defaultdict(list)
    for row in db.session.execute(
        select(
            AssetLimit.household_type,
            AssetLimit.valid_from,
            AssetLimit.amount,
            AssetLimit.verified,
            AssetLimit.municipality_id,
        ).where(
            (AssetLimit.municipality_id.is_(None)) | (AssetLimit.municipality_id == municipality_id)
        )
    ):
        limits[row.household_type].append(
            engine.NormRow(
                row.valid_from,
                Decimal(row.amount),
                bool(row.verified),
                row.municipality_id is not None,
            )
        )
    return engine.Rules(dict(norms), dict(limits), aow_ages())


def reference_date(completed_on: dt.datetime) -> dt.date:
    """`afgerond_op` as a date in the Netherlands."""
    return date_in_nl(completed_on)


def _children(raw: Any) -> tuple[dt.date, ...]:
    births = []
    for child in raw or []:
        try:
            births.append(dt.date.fromisoformat(str(child.get("geboortedatum"))))
        except (AttributeError, ValueError):
            continue
    return tuple(births)


def _income(i: DeliveryIncome) -> engine.Income:
    return engine.Income(
        i.kind,
        Decimal(i.amount),
        i.period,
        i.gross_net,
        i.includes_holiday_allowance,
        i.start,
        i.end,
        i.source,
        i.description,
    )


def household_of(delivery: Delivery) -> engine.Household:
    """The engine's input from a stored delivery (ORM objects)."""
    persons: dict[DeliveryRole, engine.Person] = {}
    for p in delivery.persons:
        persons[p.role] = engine.Person(
            birth_date=p.birth_date,
            incomes=tuple(_income(i) for i in p.incomes),
            assets=tuple(engine.Asset(a.kind, Decimal(a.value), a.description) for a in p.assets),
            debts=tuple(engine.Debt(d.kind, Decimal(d.amount), d.description) for d in p.debts),
            children_birth_dates=_children(p.children),
            name=p.full_name,
        )
    partner = persons.get(DeliveryRole.PARTNER)
    return engine.Household(
        reference_date=reference_date(delivery.completed_on),
        applicant=persons[DeliveryRole.APPLICANT],
        partner=partner,
        partner_found=bool(delivery.found_partner_bsn) or partner is not None,
        partner_mismatch=delivery.partner_mismatch,
        partner_missing_again=delivery.partner_missing_again,
    )


def _store(case: Case, result: engine.Result | None, now: dt.datetime) -> None:
    if result is None:
        case.advice = case.advice_reasons = case.advice_calculation = None
        case.advice_on = None
        return
    calculation = result.as_json()
    case.advice = result.advice
    case.advice_reasons = calculation["redenen"]
    case.advice_calculation = calculation
    case.advice_on = now


def apply_to_delivery(case: Case, delivery: Delivery, now: dt.datetime) -> None:
    """Compute the advice for a new current delivery and store it on the case (no commit)."""
    municipality = case.municipality
    if not municipality.module_legitimacy:
        _store(case, None, now)
        return
    result = engine.advise(household_of(delivery), policy_of(municipality),
                           rules_for(municipality.id))  # fmt: skip
    _store(case, result, now)


# --- Many cases at once ------------------------------------------------------------------


@dataclass
class OpenCase:
    """An open case with a delivery, as the bulk paths read it."""

    case_id: int
    municipality_id: int
    advice: Advice | None
    insured: int
    household: engine.Household


def _per_person(persons: Any, model: Any, columns: tuple[Any, ...],
                build: Callable[[Any], Any]) -> dict[int, list[Any]]:  # fmt: skip
    """One query for one kind of delivered figure (income, asset, debt) of many persons."""
    found: dict[int, list[Any]] = defaultdict(list)
    rows = db.session.execute(
        select(model.person_id, *columns).where(model.person_id.in_(persons)).order_by(model.id)
    )
    for row in rows:
        found[row[0]].append(build(tuple(row[1:])))
    return found


def _open_cases(municipality_ids: list[int] | None) -> list[OpenCase]:
    """Open cases with a delivery, with their current delivery, in five queries."""
    case_filter = [Case.status.in_(OPEN_STATUSES)]
    if municipality_ids is not None:
        case_filter.append(Case.municipality_id.in_(municipality_ids))
    current = (
        select(func.max(Delivery.id))
        .join(Case, Case.id == Delivery.case_id)
        .where(*case_filter)
        .group_by(Delivery.case_id)
        .scalar_subquery()
    )
    deliveries = db.session.execute(
        select(
            Delivery.id,
            Delivery.case_id,
            Delivery.completed_on,
            Delivery.found_partner_bsn,
            Delivery.partner_mismatch,
            Delivery.partner_missing_again,
            Case.municipality_id,
            Case.advice,
            Case.partner_id,
            Case.children_count,
        )
        .join(Case, Case.id == Delivery.case_id)
        .where(Delivery.id.in_(current))
    ).all()
    if not deliveries:
        return []
    person_rows = db.session.execute(
        select(
            DeliveryPerson.id,
            DeliveryPerson.delivery_id,
            DeliveryPerson.role,
            DeliveryPerson.birth_date,
            DeliveryPerson.children,
        ).where(DeliveryPerson.delivery_id.in_(current))
    ).all()
    in_current = select(DeliveryPerson.id).where(DeliveryPerson.delivery_id.in_(current))
    incomes = _per_person(
        in_current,
        DeliveryIncome,
        (
            DeliveryIncome.kind,
            DeliveryIncome.amount,
            DeliveryIncome.period,
            DeliveryIncome.gross_net,
            DeliveryIncome.includes_holiday_allowance,
            DeliveryIncome.start,
            DeliveryIncome.end,
            DeliveryIncome.source,
            DeliveryIncome.description,
        ),
        lambda r: engine.Income(r[0], Decimal(r[1]), *r[2:]),
    )
    assets = _per_person(
        in_current,
        DeliveryAsset,
        (DeliveryAsset.kind, DeliveryAsset.value, DeliveryAsset.description),
        lambda r: engine.Asset(r[0], Decimal(r[1]), r[2]),
    )
    debts = _per_person(
        in_current,
        DeliveryDebt,
        (DeliveryDebt.kind, DeliveryDebt.amount, DeliveryDebt.description),
        lambda r: engine.Debt(r[0], Decimal(r[1]), r[2]),
    )
    people: dict[int, dict[DeliveryRole, engine.Person]] = defaultdict(dict)
    for p in person_rows:
        people[p.delivery_id][p.role] = engine.Person(
            birth_date=p.birth_date,
            incomes=tuple(incomes.get(p.id, ())),
            assets=tuple(assets.get(p.id, ())),
            debts=tuple(debts.get(p.id, ())),
            children_birth_dates=_children(p.children),
        )
    found = []
    for d in deliveries:
        persons = people.get(d.id, {})
        if DeliveryRole.APPLICANT not in persons:
            continue
        partner = persons.get(DeliveryRole.PARTNER)
        household = engine.Household(
            reference_date=reference_date(d.completed_on),
            applicant=persons[DeliveryRole.APPLICANT],
            partner=partner,
            partner_found=bool(d.found_partner_bsn) or partner is not None,
            partner_mismatch=bool(d.partner_mismatch),
            partner_missing_again=bool(d.partner_missing_again),
        )
        insured = 1 + (1 if d.partner_id else 0) + (d.children_count or 0)
        found.append(OpenCase(d.case_id, d.municipality_id, d.advice, insured, household))
    return found


@transactional
def recompute_open(municipality_ids: list[int] | None, reason: str) -> int:
    """Recompute the advice of every open case with data (decided cases keep theirs).

    Runs in one transaction with the caller's change; returns how many cases were
    recomputed. Cases whose advice changed get a line on their timeline.
    """
    municipalities = {
        m.id: m
        for m in db.session.scalars(
            select(Municipality).where(Municipality.id.in_(municipality_ids))
            if municipality_ids is not None
            else select(Municipality)
        )
    }
    targets = _open_cases(list(municipalities) if municipality_ids is not None else None)
    now = utcnow()
    rules: dict[int, engine.Rules] = {}
    updates, events = [], []
    for item in targets:
        municipality = municipalities[item.municipality_id]
        if municipality.module_legitimacy:
            if item.municipality_id not in rules:
                rules[item.municipality_id] = rules_for(item.municipality_id)
            result = engine.advise(item.household, policy_of(municipality),
                                   rules[item.municipality_id])  # fmt: skip
            calculation = result.as_json()
            new = result.advice
        else:
            calculation, new = None, None
        updates.append(
            {
                "b_id": item.case_id,
                "advice": new,
                "advice_reasons": calculation["redenen"] if calculation else None,
                "advice_calculation": calculation,
                "advice_on": now if calculation else None,
            }
        )
        if new != item.advice:
            before = item.advice.label if item.advice else "geen advies"
            after = new.label if new else "geen advies"
            events.append(
                {
                    "case_id": item.case_id,
                    "created_on": now,
                    "actor": "systeem",
                    "action": "advice",
                    "description": f"Advies herberekend ({reason}): {before} → {after}",
                }
            )
    if updates:
        stmt = (
            update(Case.__table__)
            # A case decided or aborted meanwhile keeps the advice it had.
            .where(
                Case.__table__.c.id == bindparam("b_id"),
                # Two inequalities, not IN: an expanding IN cannot run as executemany.
                Case.__table__.c.status != CaseStatus.DECIDED,
                Case.__table__.c.status != CaseStatus.ABORTED,
            )
            .values(
                advice=bindparam("advice"),
                advice_reasons=bindparam("advice_reasons"),
                advice_calculation=bindparam("advice_calculation"),
                advice_on=bindparam("advice_on"),
            )
        )
        db.session.execute(stmt, updates)
    if events:
        db.session.execute(insert(CaseEvent), events)
    db.session.expire_all()
    return len(updates)


@dataclass
class Movement:
    """How many open cases (and insured persons) move from one advice to another."""

    before: Advice | None
    after: Advice | None
    cases: int = 0
    insured: int = 0


@dataclass
class WhatIf:
    """The what-if table: per (from, to) the cases and insured persons."""

    movements: list[Movement] = field(default_factory=list)
    totals_before: dict[Advice | None, int] = field(default_factory=dict)
    totals_after: dict[Advice | None, int] = field(default_factory=dict)
    cases: int = 0

    @property
    def changed(self) -> int:
        return sum(m.cases for m in self.movements if m.before != m.after)


def what_if(municipality: Municipality, proposed: dict[str, Any]) -> WhatIf:
    """How the open cases with data would move under another policy (read-only, audited)."""
    if not municipality.module_legitimacy:
        raise ModuleOff()
    current, other = policy_of(municipality), policy_of(municipality, **proposed)
    rules = rules_for(municipality.id)
    table: dict[tuple[Advice, Advice], Movement] = {}
    result = WhatIf()
    for item in _open_cases([municipality.id]):
        before = engine.advise(item.household, current, rules).advice
        after = before if other == current else engine.advise(item.household, other, rules).advice
        move = table.setdefault((before, after), Movement(before, after))
        move.cases += 1
        move.insured += item.insured
        result.totals_before[before] = result.totals_before.get(before, 0) + 1
        result.totals_after[after] = result.totals_after.get(after, 0) + 1
        result.cases += 1
    order = [Advice.GRANT, Advice.INVESTIGATE, Advice.REJECT]
    result.movements = sorted(
        table.values(), key=lambda m: (order.index(m.before), order.index(m.after))
    )
    audit.what_if(municipality.id, result.cases)
    return result


def what_if_json(result: WhatIf) -> dict[str, Any]:
    """The what-if for the REST API."""
    return {
        "zaken": result.cases,
        "gewijzigd": result.changed,
        "verschuivingen": [
            {
                "van": m.before.name if m.before else None,
                "naar": m.after.name if m.after else None,
                "zaken": m.cases,
                "verzekerden": m.insured,
            }
            for m in result.movements
        ],
    }


def save_policy(municipality: Municipality, values: dict[str, Any]) -> int:
    """Store a municipality's income and asset parameters and recompute its open cases."""
    for name in POLICY_FIELDS:
        if name in values:
            setattr(municipality, name, values[name])
    audit.object_changed("municipality", municipality.id, "policy")
    db.session.flush()
    return recompute_open([municipality.id], "beleid gewijzigd")


def limits_table(municipality: Municipality, on: dt.date, overrides: dict[str, Any] | None = None
                 ) -> list[tuple[Any, Any, Any]]:  # fmt: skip
    """Per household type: (type, norm row in force, income limit) on a date."""
    policy = policy_of(municipality, **(overrides or {}))
    rules = rules_for(municipality.id)
    rows = []
    for kind in engine.HouseholdType:
        norm = engine.in_force(rules.norms.get(kind), on)
        rows.append((kind, norm, engine.income_limit(norm.amount, policy) if norm else None))
    return rows


def asset_limits_table(municipality: Municipality, on: dt.date) -> list[tuple[Any, Any]]:
    """Per asset household type: (type, limit row in force) on a date."""
    rules = rules_for(municipality.id)
    return [
        (kind, engine.in_force(rules.asset_limits.get(kind), on))
        for kind in engine.AssetHouseholdType
    ]


def advice_of_case(case: Case, channel: str = "api") -> dict[str, Any]:
    """The stored advice and its calculation, for the REST API (audited)."""
    if not case.municipality.module_legitimacy:
        raise ModuleOff()
    audit.advice_viewed(case.id, channel)
    return {
        "advies": case.advice.name if case.advice else None,
        "redenen": case.advice_reasons or [],
        "berekening": case.advice_calculation,
        "berekend_op": case.advice_on.isoformat() if case.advice_on else None,
    }


def parse_policy(data: Any, from_form: bool = False) -> dict[str, Any]:
    """Validate proposed parameters (screen form or JSON); Dutch errors per field."""
    if not isinstance(data, dict):
        raise ValidationError([{"veld": None, "melding": "De body moet een JSON-object zijn."}])
    values: dict[str, Any] = {}
    problems: list[dict[str, str | None]] = []
    for name in ("income_percentage", "advice_margin_percentage"):
        raw = data.get(name)
        if raw is None and not from_form:
            continue
        text = str(raw or "").strip().replace(",", ".")
        try:
            amount = Decimal(text)
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append({"veld": name, "melding": "Geef een getal, bijvoorbeeld 130 of 5,5."})
            continue
        low, high = municipalities.SETTING_BOUNDS[name]
        if not low <= amount <= high or amount != amount.quantize(Decimal("0.01")):
            problems.append({"veld": name, "melding": municipalities.bound_message(name)})
            continue
        values[name] = amount
    raw_days = data.get("max_data_age_days")
    if raw_days is not None or from_form:
        try:
            if isinstance(raw_days, bool):
                raise ValueError
            days = int(str(raw_days).strip())
            low, high = municipalities.SETTING_BOUNDS["max_data_age_days"]
            if not low <= days <= high:
                problems.append(
                    {"veld": "max_data_age_days",
                     "melding": municipalities.bound_message("max_data_age_days")}
                )  # fmt: skip
            else:
                values["max_data_age_days"] = days
        except ValueError:
            problems.append({"veld": "max_data_age_days", "melding": "Geef een aantal dagen."})
    for name in ("income_includes_holiday_allowance", "check_assets", "deduct_debts"):
        if from_form:
            values[name] = data.get(name) in ("y", "on", "1", "true")
        elif name in data:
            if not isinstance(data[name], bool):
                problems.append({"veld": name, "melding": "Geef true of false."})
            else:
                values[name] = data[name]
    unknown = sorted(set(data) - set(POLICY_FIELDS) - {"csrf_token", "actie"})
    if unknown and not from_form:
        problems.append({"veld": unknown[0], "melding": "Geen parameter van het beleid."})
    if problems:
        raise ValidationError(problems)
    return values
