"""Writing the confirmed rows of a reassessment file with Core statements, batch by batch.

The ORM's unit of work cost about 1 ms per row; these statements are what the database
itself needs (bench/import_bench.py shows the confirm beside that floor).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from ...extensions import db
from ...models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    ContactPreference,
    ImportRecord,
    Resident,
)
from ..zgw import events as zgw_events
from .outcomes import RowOutcome

# Reassessment rows written per round of Core statements.
WRITE_BATCH = 2000

RESIDENTS = Resident.__table__
CASES = Case.__table__


class ReassessmentWriter:
    """Writes the valid rows of a reassessment file in batches with Core statements.

    Per batch: one executemany INSERT for the new residents (their ids read back by BSN),
    one executemany UPDATE per shape of changed residents, one INSERT for the new cases
    (ids read back by applicant and the import's moment), one UPDATE per shape for the
    updated ones, and one INSERT for the timeline.
    """

    def __init__(self, record: ImportRecord, now: dt.datetime) -> None:
        self.record = record
        self.now = now
        self.known: dict[str, int] = dict(
            db.session.execute(
                select(Resident.bsn, Resident.id).where(
                    Resident.municipality_id == record.municipality_id
                )
            ).all()
        )
        self.rows: list[RowOutcome] = []

    def add(self, row: RowOutcome) -> None:
        """Queue one new or updated row; written at the next flush."""
        self.rows.append(row)

    def flush(self) -> None:
        """Write the queued rows."""
        if not self.rows:
            return
        people: dict[str, dict[str, Any]] = {}
        for row in self.rows:
            v = row.values
            people.setdefault(v["bsn"], {}).update(_person_values(v))
            if v["partner_bsn"]:
                people.setdefault(v["partner_bsn"], {}).update(_person_values(v, "partner_"))
        self._write_residents(people)
        self._write_cases()
        self.rows.clear()

    def _write_residents(self, people: dict[str, dict[str, Any]]) -> None:
        fresh = {bsn for bsn in people if bsn not in self.known}
        new = [
            {"municipality_id": self.record.municipality_id, "bsn": bsn, "surname": "",
             "created_on": self.now, "changed_on": self.now, **values}
            for bsn, values in people.items()
            if bsn in fresh
        ]  # fmt: skip
        if new:
            # Every new resident gets every column, so one statement takes them all.
            columns = set().union(*(row.keys() for row in new))
            rows = [{column: row.get(column) for column in columns} for row in new]
            for row in rows:
                row["surname"] = row["surname"] or ""
            # A plain executemany, then the ids by BSN: RETURNING over many rows made
            # SQLAlchemy splice results quadratically (12 s for 27,000 residents).
            db.session.execute(insert(RESIDENTS), rows)
            for chunk in chunks(sorted(fresh), 500):
                self.known.update(
                    db.session.execute(
                        select(RESIDENTS.c.bsn, RESIDENTS.c.id).where(
                            RESIDENTS.c.municipality_id == self.record.municipality_id,
                            RESIDENTS.c.bsn.in_(chunk),
                        )
                    ).all()
                )
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for bsn, values in people.items():
            if bsn in fresh:
                continue
            shapes[tuple(sorted(values))].append({"b_id": self.known[bsn], **values})
        for shape, rows in shapes.items():
            db.session.execute(
                update(RESIDENTS)
                .where(RESIDENTS.c.id == bindparam("b_id"))
                .values({column: bindparam(column) for column in shape})
                .values(changed_on=self.now),
                rows,
            )

    def _write_cases(self) -> None:
        record, now = self.record, self.now
        created = f"Aangemaakt door import heronderzoek ({record.filename})"
        changed = f"Bijgewerkt door import heronderzoek ({record.filename})"
        fresh = [row for row in self.rows if row.outcome == "new"]
        events: list[dict[str, Any]] = []
        if fresh:
            db.session.execute(
                insert(CASES),
                [{"municipality_id": record.municipality_id, "kind": CaseKind.REASSESSMENT,
                  "status": CaseStatus.NEW, "created_on": now, "changed_on": now,
                  "contract_number": None, **self._case_values(row)} for row in fresh],
            )  # fmt: skip
            # A file names an applicant once (duplicates are refused), so the new case of
            # this import is found by its applicant and the import's moment.
            applicants = [self.known[row.values["bsn"]] for row in fresh]
            ids: list[int] = []
            for chunk in chunks(applicants, 500):
                ids += db.session.scalars(
                    select(CASES.c.id).where(
                        CASES.c.municipality_id == record.municipality_id,
                        CASES.c.created_on == now,
                        CASES.c.applicant_id.in_(chunk),
                    )
                ).all()
            events += [_event(record, now, case_id, "create", created, True) for case_id in ids]
            zgw_events.created_in_bulk(record.municipality_id, ids, now)
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows:
            if row.outcome == "updated":
                values = self._case_values(row)
                shapes[tuple(sorted(values))].append({"c_id": row.key, **values})
                events.append(_event(record, now, row.key, "import_update", changed, False))
        for shape, rows in shapes.items():
            db.session.execute(
                update(CASES)
                .where(CASES.c.id == bindparam("c_id"))
                .values({column: bindparam(column) for column in shape})
                .values(changed_on=now),
                rows,
            )
        if events:
            db.session.execute(insert(CaseEvent.__table__), events)

    def _case_values(self, row: RowOutcome) -> dict[str, Any]:
        v = row.values
        values = {
            "applicant_id": self.known[v["bsn"]],
            "partner_id": self.known[v["partner_bsn"]] if v["partner_bsn"] else None,
            "children_count": v["aantal_kinderen"],
            "contact_preference": ContactPreference[v["communicatievoorkeur"]],
        }
        if v["contractnummer"]:
            values["contract_number"] = v["contractnummer"]
        return values


def _event(
    record: ImportRecord, now: dt.datetime, case_id: int, action: str, text: str, new: bool
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "created_on": now,
        "user_id": record.confirmed_by_id,
        "actor": None,
        "action": action,
        "description": text,
        "from_status": None,
        "to_status": CaseStatus.NEW if new else None,
    }


def _person_values(v: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The resident columns one row sets; an empty surname keeps the stored one."""
    values: dict[str, Any] = {
        "initials": v[f"{prefix}voorletters"] or None,
        "prefix": v[f"{prefix}tussenvoegsel"] or None,
        "birth_date": v[f"{prefix}geboortedatum"],
    }
    if v[f"{prefix}achternaam"]:
        values["surname"] = v[f"{prefix}achternaam"]
    if not prefix:
        values.update(
            street=v["straat"] or None,
            house_number=v["huisnummer"] or None,
            house_number_suffix=v["huisnummer_toevoeging"] or None,
            postcode=v["postcode"] or None,
            city=v["woonplaats"] or None,
            email=v["email"] or None,
            phone=v["telefoon"] or None,
        )
    return values


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of at most `size` (for IN clauses and batches)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
