"""The advice engine (services/legitimacy/advice.py): the golden table and its properties."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import (
    Advice,
    AssetHouseholdType,
    AssetKind,
    DebtKind,
    GrossNet,
    HouseholdType,
    IncomeKind,
    IncomePeriod,
)
from app.services.legitimacy import advice as engine
from app.services.legitimacy.assessment import aow_ages

DATA = Path(__file__).resolve().parent.parent / "app" / "data"
GOLDEN = json.loads((Path(__file__).parent / "data" / "advice_golden.json").read_text("utf-8"))


def _table(name: str, kinds: Any, amount_column: str) -> dict[Any, list[engine.NormRow]]:
    rows: dict[Any, list[engine.NormRow]] = defaultdict(list)
    with (DATA / name).open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle, delimiter=";"):
            rows[kinds[r["household_type"]]].append(
                engine.NormRow(
                    dt.date.fromisoformat(r["valid_from"]),
                    Decimal(r[amount_column]),
                    r["verified"] == "yes",
                )
            )
    return rows


NORMS = _table("national-norms.csv", HouseholdType, "amount_incl_holiday_allowance")
LIMITS = _table("asset-limits.csv", AssetHouseholdType, "amount")


def rules(municipal: list[list[str]] | None = None) -> engine.Rules:
    limits = {k: list(v) for k, v in LIMITS.items()}
    for valid_from, kind, amount in municipal or []:
        limits[AssetHouseholdType[kind]].append(
            engine.NormRow(dt.date.fromisoformat(valid_from), Decimal(amount), True, True)
        )
    return engine.Rules(NORMS, limits, aow_ages())


def policy(**overrides: Any) -> engine.Policy:
    values = {**GOLDEN["standaard"]["beleid"], **overrides}
    return engine.Policy(
        income_percentage=Decimal(values["income_percentage"]),
        income_includes_holiday_allowance=values["income_includes_holiday_allowance"],
        advice_margin_percentage=Decimal(values["advice_margin_percentage"]),
        check_assets=values["check_assets"],
        deduct_debts=values["deduct_debts"],
        max_data_age_days=values["max_data_age_days"],
    )


def person(spec: dict[str, Any]) -> engine.Person:
    incomes = []
    for kind, amount, period, *options in spec.get("inkomsten", []):
        opts = options[0] if options else {}
        incomes.append(
            engine.Income(
                IncomeKind[kind],
                Decimal(amount),
                IncomePeriod[period],
                GrossNet.GROSS if opts.get("bruto") else GrossNet.NET,
                bool(opts.get("vakantiegeld")),
                dt.date(2025, 1, 1),
                dt.date.fromisoformat(opts["tot"]) if "tot" in opts else None,
            )
        )
    return engine.Person(
        birth_date=dt.date.fromisoformat(spec.get("geboren", GOLDEN["standaard"]["geboren"])),
        incomes=tuple(incomes),
        assets=tuple(engine.Asset(AssetKind[k], Decimal(v)) for k, v in spec.get("vermogen", [])),
        debts=tuple(engine.Debt(DebtKind[k], Decimal(v)) for k, v in spec.get("schulden", [])),
        children_birth_dates=tuple(dt.date.fromisoformat(d) for d in spec.get("kinderen", [])),
    )


def household(case: dict[str, Any]) -> engine.Household:
    partner = person(case["partner"]) if case.get("partner") else None
    return engine.Household(
        reference_date=dt.date.fromisoformat(
            case.get("peildatum", GOLDEN["standaard"]["peildatum"])
        ),
        applicant=person(case["aanvrager"]),
        partner=partner,
        partner_found=partner is not None or case.get("partner_gevonden", False),
        partner_mismatch=case.get("partner_afwijkend", False),
        partner_missing_again=case.get("partner_opnieuw_ontbrekend", False),
    )


def test_the_golden_table_has_at_least_forty_cases():
    assert len(GOLDEN["gevallen"]) >= 40


@pytest.mark.parametrize("case", GOLDEN["gevallen"], ids=lambda c: c["naam"][:60])
def test_golden_case(case):
    result = engine.advise(
        household(case), policy(**case.get("beleid", {})), rules(case.get("gemeentelijke_grenzen"))
    )
    out = result.as_json()
    for key, expected in case["verwacht"].items():
        if key == "redenen":
            assert [r["code"] for r in out["redenen"]] == expected, out["redenen"]
        elif key == "advies":
            assert out["advies"] == expected, out["redenen"]
        else:
            assert out[key] == expected, (key, out)


def test_published_check_figures_of_veendam():
    limits = engine.limits_on(dt.date(2025, 7, 1), policy(), rules())
    assert {k.name: str(v) for k, v in limits.items() if k != HouseholdType.SINGLE_YOUNG} == {
        "SINGLE": "1690.79",
        "COUPLE": "2415.41",
        "SINGLE_PENSION": "1889.81",
        "COUPLE_PENSION": "2587.30",
    }


def test_a_norm_older_than_six_months_and_unverified_rows_are_warned_about():
    case = {"peildatum": "2026-11-15", "aanvrager": {"inkomsten": []}}
    warnings = engine.advise(household(case), policy(), rules()).warnings
    assert any("niet geverifieerd" in w for w in warnings)
    assert any("01-01-2026" in w and "nieuwere periode" in w for w in warnings)


def test_every_reason_carries_a_dutch_message_and_its_figures():
    case = {"aanvrager": {"inkomsten": [["WAGE", "1700.00", "MONTH"]]}}
    reason = engine.advise(household(case), policy(), rules()).as_json()["redenen"][0]
    assert reason["code"] == "INCOME_WITHIN_MARGIN"
    assert reason["melding"].startswith("Het inkomen")
    assert reason["cijfers"] == {
        "inkomen": "1700.00",
        "norm": "1369.06",
        "vakantiegeldfactor": "0.95",
        "percentage": "130",
        "inkomensgrens": "1690.79",
        "inkomensgrens_met_marge": "1775.33",
    }


def test_aow_age_table_rows():
    table = aow_ages()
    assert engine.aow_age_of(dt.date(1958, 6, 1), table) == engine.AowAge(
        dt.date(1957, 3, 1), 67, 0
    )
    assert engine.aow_age_of(dt.date(1956, 12, 1), table).months == 10
    # Later births keep the newest age the law has fixed.
    assert engine.aow_age_of(dt.date(1990, 1, 1), table).months == 3


# --- Properties -------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False)
incomes = st.lists(
    st.tuples(
        st.sampled_from(list(IncomeKind)),
        amounts,
        st.sampled_from(list(IncomePeriod)),
        st.sampled_from(list(GrossNet)),
        st.booleans(),
    ),
    max_size=5,
)
assets = st.lists(st.tuples(st.sampled_from(list(AssetKind)), amounts), max_size=4)
debts = st.lists(st.tuples(st.sampled_from(list(DebtKind)), amounts), max_size=3)
policies = st.builds(
    engine.Policy,
    income_percentage=st.sampled_from([Decimal(110), Decimal(120), Decimal(130)]),
    income_includes_holiday_allowance=st.booleans(),
    advice_margin_percentage=st.sampled_from([Decimal(0), Decimal(5), Decimal("7.5")]),
    check_assets=st.booleans(),
    deduct_debts=st.booleans(),
    max_data_age_days=st.just(62),
)


def _person(items: list, owned: list, owed: list) -> engine.Person:
    return engine.Person(
        birth_date=dt.date(1980, 2, 1),
        incomes=tuple(
            engine.Income(k, a, p, g, h, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
            for k, a, p, g, h in items
        ),
        assets=tuple(engine.Asset(k, v) for k, v in owned),
        debts=tuple(engine.Debt(k, v) for k, v in owed),
    )


def _advise(person_: engine.Person, policy_: engine.Policy) -> engine.Result:
    return engine.advise(engine.Household(dt.date(2026, 11, 15), person_), policy_, rules())


@settings(max_examples=300, deadline=None)
@given(incomes, assets, debts, policies, st.integers(0, 4), amounts)
def test_more_income_never_improves_the_advice(items, owned, owed, policy_, index, extra):
    before = _advise(_person(items, owned, owed), policy_)
    if items:
        i = index % len(items)
        kind, amount, period, gross_net, holiday = items[i]
        more = [*items[:i], (kind, amount + extra, period, gross_net, holiday), *items[i + 1 :]]
    else:
        more = [(IncomeKind.WAGE, extra, IncomePeriod.MONTH, GrossNet.NET, False)]
    after = _advise(_person(more, owned, owed), policy_)
    assert engine.severity(after.advice) >= engine.severity(before.advice)


@settings(max_examples=300, deadline=None)
@given(incomes, assets, debts, policies, st.sampled_from(list(AssetKind)), amounts)
def test_more_assets_never_improve_the_advice(items, owned, owed, policy_, kind, extra):
    before = _advise(_person(items, owned, owed), policy_)
    after = _advise(_person(items, [*owned, (kind, extra)], owed), policy_)
    assert engine.severity(after.advice) >= engine.severity(before.advice)


@settings(max_examples=200, deadline=None)
@given(incomes, assets, debts, policies, st.randoms(use_true_random=False))
def test_item_order_never_matters(items, owned, owed, policy_, rnd):
    before = _advise(_person(items, owned, owed), policy_)
    shuffled = [list(x) for x in (items, owned, owed)]
    for x in shuffled:
        rnd.shuffle(x)
    after = _advise(_person(*shuffled), policy_)
    assert after.advice == before.advice
    assert (after.income, after.assets) == (before.income, before.assets)
    assert sorted(r.code for r in after.reasons) == sorted(r.code for r in before.reasons)


def test_grant_needs_every_limit_respected():
    result = _advise(
        _person(
            [(IncomeKind.WAGE, Decimal("100.00"), IncomePeriod.MONTH, GrossNet.NET, False)], [], []
        ),
        policy(),
    )
    assert result.advice == Advice.GRANT
    assert result.income <= result.income_limit and result.assets <= result.asset_limit.amount
