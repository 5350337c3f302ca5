"""The overview's counts per municipality, status, advice and handler, from the case tally.

`case_tally` holds deltas written by database triggers in the same transaction as every
change of a case (migration 0020), so a sum over it is exact at any moment and costs
the same at a thousand cases as at a million. `compact` adds the deltas up, so the table
stays small; it may run at any time and twice at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from ...extensions import db
from ...models import OPEN_STATUSES, Advice, CaseStatus, CaseTally
from .. import tenancy
from ..unit import unit_of_work


@dataclass
class StatusCounts:
    """Counts for one group: cases, adults (applicant and partner), insured persons."""

    cases: int = 0
    adults: int = 0
    insured: int = 0

    def add(self, other: StatusCounts) -> None:
        self.cases += other.cases
        self.adults += other.adults
        self.insured += other.insured


def open_per_handler(user: Any = None) -> dict[int | None, int]:
    """Open cases per handler id (None: not assigned), of the user's municipalities."""
    stmt = (
        select(CaseTally.handler_id, func.sum(CaseTally.cases))
        .where(CaseTally.status.in_(OPEN_STATUSES))
        .group_by(CaseTally.handler_id)
        .having(func.sum(CaseTally.cases) != 0)
    )
    return {
        handler: int(n) for handler, n in db.session.execute(tenancy.scope(stmt, CaseTally, user))
    }


def counts(user: Any = None) -> list[tuple[int, CaseStatus, Advice | None, StatusCounts]]:
    """Cases, adults and insured persons per municipality, status and advice (the user's)."""
    stmt = (
        select(
            CaseTally.municipality_id,
            CaseTally.status,
            CaseTally.advice,
            func.sum(CaseTally.cases),
            func.sum(CaseTally.adults),
            func.sum(CaseTally.insured),
        )
        .group_by(CaseTally.municipality_id, CaseTally.status, CaseTally.advice)
        .having(func.sum(CaseTally.cases) != 0)
    )
    return [
        (municipality_id, status, advice, StatusCounts(int(n), int(adults), int(insured)))
        for municipality_id, status, advice, n, adults, insured in db.session.execute(
            tenancy.scope(stmt, CaseTally, user)
        )
    ]


# What a count of cases may be narrowed by and still come from the tally.
COUNTABLE = {
    "status": CaseTally.status,
    "advice": CaseTally.advice,
    "municipality": CaseTally.municipality_id,
}


def count_where(equal: dict[str, Any], user: Any = None) -> int:
    """How many of the user's cases have each of the given values (COUNTABLE's keys).

    A list's count at any size without reading the cases: exact in the same transaction.
    """
    stmt = select(func.coalesce(func.sum(CaseTally.cases), 0))
    for name, value in equal.items():
        column = COUNTABLE[name]
        stmt = stmt.where(column == value)
    return int(db.session.scalar(tenancy.scope(stmt, CaseTally, user)))


KEYS = "municipality_id, status, advice, handler_id"
SUMS = f"{KEYS}, sum(cases), sum(adults), sum(insured)"
GROUPS = f"GROUP BY {KEYS} HAVING sum(cases) <> 0 OR sum(adults) <> 0 OR sum(insured) <> 0"
COLUMNS = f"{KEYS}, cases, adults, insured"


def compact() -> str:
    """Add the deltas up into one row per group (the `tally` job)."""
    with unit_of_work(system=True):
        before = db.session.scalar(select(func.count(CaseTally.id)))
        if db.engine.dialect.name == "postgresql":
            # Sums exactly the rows it deletes: a delta committed meanwhile stays for next time.
            db.session.execute(
                text(
                    f"WITH gone AS (DELETE FROM case_tally RETURNING {COLUMNS}) "  # noqa: S608
                    f"INSERT INTO case_tally ({COLUMNS}) SELECT {SUMS} FROM gone {GROUPS}"
                )
            )
        else:
            # SQLite has one writer at a time: nothing can come between these statements.
            last = db.session.scalar(select(func.max(CaseTally.id))) or 0
            db.session.execute(
                text(
                    f"INSERT INTO case_tally ({COLUMNS}) SELECT {SUMS} FROM case_tally "  # noqa: S608
                    f"WHERE id <= :last {GROUPS}"
                ),
                {"last": last},
            )
            db.session.execute(text("DELETE FROM case_tally WHERE id <= :last"), {"last": last})
        after = db.session.scalar(select(func.count(CaseTally.id)))
    return f"rows {before} -> {after}"
