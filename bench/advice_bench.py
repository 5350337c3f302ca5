"""Benchmark: advice recomputation and the what-if over N open cases with deliveries.

Run: .venv/bin/python bench/advice_bench.py [N] [--append=bench/RESULTS.md]
(default 10000; a temporary SQLite, or BENCH_DATABASE_URL). Prints the seconds for
loading + computing + writing (recompute) and for the what-if (two engine runs per
case, nothing written), beside reading the inputs plus the engine alone as the floor.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import arguments, make_app
from sqlalchemy import insert, select

from app.extensions import db
from app.models import (
    Case,
    CaseKind,
    CaseStatus,
    Delivery,
    DeliveryAsset,
    DeliveryIncome,
    DeliveryPerson,
    Municipality,
    Organisation,
    Resident,
)
from app.services.legitimacy import advice, assessment


def populate(n: int, municipality: Municipality) -> None:
    rng = random.Random(9)
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    db.session.execute(
        insert(Resident),
        [{"municipality_id": municipality.id, "bsn": f"{i:09d}", "surname": f"Naam{i}",
          "initials": "A.", "created_on": now, "changed_on": now} for i in range(n)],
    )  # fmt: skip
    residents = db.session.scalars(select(Resident.id).order_by(Resident.id)).all()
    db.session.execute(
        insert(Case),
        [{"municipality_id": municipality.id, "kind": CaseKind.REASSESSMENT,
          "status": CaseStatus.DATA_RECEIVED, "applicant_id": r,
          "children_count": rng.randint(0, 3),
          "created_on": now, "changed_on": now} for r in residents],
    )  # fmt: skip
    cases = db.session.scalars(select(Case.id).order_by(Case.id)).all()
    db.session.execute(
        insert(Delivery),
        [{"case_id": c, "delivery_key": f"bench-{c}", "completed_on": now, "complete": True,
          "payload": {}, "partner_mismatch": False, "partner_missing_again": False,
          "created_on": now} for c in cases],
    )  # fmt: skip
    deliveries = db.session.scalars(select(Delivery.id).order_by(Delivery.id)).all()
    persons = []
    for d in deliveries:
        persons.append({"delivery_id": d, "role": "APPLICANT", "bsn": "000000000",
                        "surname": "Bench", "birth_date": dt.date(1960 + rng.randint(0, 40), 3, 1),
                        "children": []})  # fmt: skip
    db.session.execute(insert(DeliveryPerson), persons)
    person_ids = db.session.scalars(select(DeliveryPerson.id).order_by(DeliveryPerson.id)).all()
    incomes, assets = [], []
    for p in person_ids:
        for kind, low, high in (("WAGE", 800, 1900), ("HEALTHCARE_ALLOWANCE", 100, 140)):
            incomes.append({"person_id": p, "source": "uwv", "kind": kind,
                            "amount": Decimal(rng.randint(low * 100, high * 100)) / 100,
                            "gross_net": "NET", "period": "MONTH",
                            "includes_holiday_allowance": False, "start": dt.date(2026, 10, 1),
                            "end": dt.date(2026, 10, 31)})  # fmt: skip
        assets.append({"person_id": p, "kind": "SAVINGS_ACCOUNT",
                       "value": Decimal(rng.randint(0, 1200000)) / 100,
                       "reference_date": dt.date(2026, 11, 20)})  # fmt: skip
    db.session.execute(insert(DeliveryIncome), incomes)
    db.session.execute(insert(DeliveryAsset), assets)
    db.session.commit()


def main(n: int, append: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        with app.app_context():
            org = Organisation(name="Bench")
            m = Municipality(organisation=org, cbs_code="9999", name="Bench")
            db.session.add_all([org, m])
            db.session.commit()
            populate(n, m)

            start = time.perf_counter()
            loaded = assessment._open_cases([m.id])
            load_s = time.perf_counter() - start
            policy, rules = assessment.policy_of(m), assessment.rules_for(m.id)
            start = time.perf_counter()
            for item in loaded:
                advice.advise(item.household, policy, rules)
            engine_s = time.perf_counter() - start

            start = time.perf_counter()
            count = assessment.recompute_open([m.id], "benchmark")
            recompute_s = time.perf_counter() - start

            start = time.perf_counter()
            result = assessment.what_if(m, {"income_percentage": Decimal("120")})
            what_if_s = time.perf_counter() - start
            db.session.commit()

        print(f"cases with a delivery: {n}")
        print(f"load inputs (5 queries):   {load_s:6.2f} s")
        print(f"engine alone (floor):      {engine_s:6.2f} s  ({n / engine_s:,.0f} advices/s)")
        print(f"recompute + store:         {recompute_s:6.2f} s  ({count} cases)")
        print(f"what-if (2 advices/case):  {what_if_s:6.2f} s  ({result.changed} would change)")
    floor_s = load_s + engine_s  # the inputs must be read; the rules must run
    report = (
        f"\n## Advies bij {n:,} zaken met een levering\n\n".replace(",", ".")
        + "| stap | seconden | per zaak (ms) | × vloer |\n|---|---:|---:|---:|\n"
        + f"| herberekenen en opslaan ({count} zaken) | {recompute_s:.2f} | "
        f"{recompute_s / n * 1000:.2f} | {recompute_s / floor_s:.1f} |\n"
        + f"| wat-als (twee adviezen per zaak, {result.changed} zouden wijzigen) | "
        f"{what_if_s:.2f} | {what_if_s / n * 1000:.2f} | {what_if_s / floor_s:.1f} |\n"
        + f"| vloer: invoer lezen (5 queries, {load_s:.2f} s) + rekenregels "
        f"({engine_s:.2f} s) | {floor_s:.2f} | {floor_s / n * 1000:.2f} | 1.0 |\n"
    )
    if append:
        with open(append, "a") as out:
            out.write(report)


if __name__ == "__main__":
    args, target = arguments()
    main(int(args[0]) if args else 10000, target)
