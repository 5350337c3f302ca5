"""Writing a confirmed reassessment file: rows staged in short transactions, then one switch.

Reading and checking 200,000 rows takes half a minute; on SQLite, a transaction that
held the database's only write lock for that long kept every other writer waiting (a
caseworker's page answered 503). So the valid rows are first staged in `import_row`,
batch by batch, each batch its own short transaction that nobody else reads. Then one
transaction of set-based statements - the switch - makes them live: the residents, the
cases, their timeline and their registration in the zaaksysteem. The database does the
work per row itself, without a round trip, so the switch is short; and it is one
transaction, so the import is whole or absent (bench/import_bench.py measures both).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, literal, null, select, update

from ...extensions import db
from ...models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    ContactPreference,
    ImportRecord,
    ImportRow,
    Resident,
)
from ...models.types import TZDateTime
from ..zgw import events as zgw_events
from .outcomes import RowOutcome

# Rows staged per short transaction.
STAGE_BATCH = 2000
# Staged rows removed per statement once the switch is done.
CLEAR_BATCH = 20_000

RESIDENTS = Resident.__table__
CASES = Case.__table__
ROWS = ImportRow.__table__
EVENTS = CaseEvent.__table__


def staged(row: RowOutcome, import_id: int) -> dict[str, Any]:
    """The import_row of one new or updated row (its complete household)."""
    v = row.values
    partner = bool(v["partner_bsn"])
    return {
        "import_id": import_id,
        "line": row.line,
        "outcome": row.outcome,
        "case_id": row.key if row.outcome == "updated" else None,
        "bsn": v["bsn"],
        "initials": v["voorletters"] or None,
        "prefix": v["tussenvoegsel"] or None,
        "surname": v["achternaam"] or None,
        "birth_date": v["geboortedatum"],
        "street": v["straat"] or None,
        "house_number": v["huisnummer"] or None,
        "house_number_suffix": v["huisnummer_toevoeging"] or None,
        "postcode": v["postcode"] or None,
        "city": v["woonplaats"] or None,
        "email": v["email"] or None,
        "phone": v["telefoon"] or None,
        "partner_bsn": v["partner_bsn"] or None,
        "partner_initials": (v["partner_voorletters"] or None) if partner else None,
        "partner_prefix": (v["partner_tussenvoegsel"] or None) if partner else None,
        "partner_surname": (v["partner_achternaam"] or None) if partner else None,
        "partner_birth_date": v["partner_geboortedatum"] if partner else None,
        "children_count": v["aantal_kinderen"],
        "contact_preference": ContactPreference[v["communicatievoorkeur"]],
        "contract_number": v["contractnummer"] or None,
    }


def stage(rows: list[dict[str, Any]]) -> None:
    """Stage a batch of rows (in the running unit of work: one short transaction)."""
    if rows:
        db.session.execute(insert(ROWS), rows)


def clear(import_id: int) -> None:
    """Remove what an import staged, in short statements (in the running unit of work)."""
    last = db.session.scalar(select(func.max(ROWS.c.line)).where(ROWS.c.import_id == import_id))
    if last is None:
        return
    for upto in range(CLEAR_BATCH, last + CLEAR_BATCH + 1, CLEAR_BATCH):
        db.session.execute(delete(ROWS).where(ROWS.c.import_id == import_id, ROWS.c.line < upto))


def switch(record: ImportRecord, now: dt.datetime) -> None:
    """Make the staged rows of an import live, set-based (in the running unit of work).

    Residents first: new ones, then the stored ones the file changes (a household's own
    row wins over a row that names that person as partner; of several rows naming the same
    partner, the last). Then the cases, their timeline and their zaaksysteem registration.
    """
    Switch(record, now).run()


class Switch:
    """The statements of one switch, sharing the import's id, municipality and moment."""

    def __init__(self, record: ImportRecord, now: dt.datetime) -> None:
        self.import_id = record.id
        self.municipality_id = record.municipality_id
        self.user_id = record.confirmed_by_id
        self.filename = record.filename
        self.now = literal(now, TZDateTime())
        self.moment = now
        self.mine = ROWS.c.import_id == self.import_id

    def run(self) -> None:
        self._new_residents()
        self._changed_partners()
        self._changed_applicants()
        self._new_cases()
        self._changed_cases()
        self._timeline()

    def _resident(self, bsn: Any) -> Any:
        return and_(RESIDENTS.c.municipality_id == self.municipality_id, RESIDENTS.c.bsn == bsn)

    def _last_naming(self, rows: Any) -> Any:
        # No later row of this import names the same partner (an index seek per row).
        later = ROWS.alias("later")
        return ~exists().where(
            later.c.import_id == self.import_id,
            later.c.partner_bsn == rows.c.partner_bsn,
            later.c.line > rows.c.line,
        )

    def _own_row(self, bsn: Any) -> Any:
        own = ROWS.alias("own")
        return exists().where(own.c.import_id == self.import_id, own.c.bsn == bsn)

    def _new_residents(self) -> None:
        applicants = select(
            literal(self.municipality_id), ROWS.c.bsn, ROWS.c.initials, ROWS.c.prefix,
            func.coalesce(ROWS.c.surname, ""), ROWS.c.birth_date, ROWS.c.street,
            ROWS.c.house_number, ROWS.c.house_number_suffix, ROWS.c.postcode, ROWS.c.city,
            ROWS.c.email, ROWS.c.phone, self.now, self.now,
        ).where(self.mine, ~exists().where(self._resident(ROWS.c.bsn)))  # fmt: skip
        columns = ["municipality_id", "bsn", "initials", "prefix", "surname", "birth_date",
                   "street", "house_number", "house_number_suffix", "postcode", "city", "email",
                   "phone", "created_on", "changed_on"]  # fmt: skip
        db.session.execute(insert(RESIDENTS).from_select(columns, applicants))
        partners = select(
            literal(self.municipality_id), ROWS.c.partner_bsn, ROWS.c.partner_initials,
            ROWS.c.partner_prefix, func.coalesce(ROWS.c.partner_surname, ""),
            ROWS.c.partner_birth_date, self.now, self.now,
        ).where(
            self.mine, ROWS.c.partner_bsn.is_not(None), self._last_naming(ROWS),
            ~exists().where(self._resident(ROWS.c.partner_bsn)),
        )  # fmt: skip
        columns = ["municipality_id", "bsn", "initials", "prefix", "surname", "birth_date",
                   "created_on", "changed_on"]  # fmt: skip
        db.session.execute(insert(RESIDENTS).from_select(columns, partners))

    def _changed_partners(self) -> None:
        db.session.execute(
            update(RESIDENTS)
            .where(
                self._resident(ROWS.c.partner_bsn), self.mine, self._last_naming(ROWS),
                RESIDENTS.c.created_on != self.now, ~self._own_row(ROWS.c.partner_bsn),
            )
            .values(
                initials=ROWS.c.partner_initials,
                prefix=ROWS.c.partner_prefix,
                birth_date=ROWS.c.partner_birth_date,
                # An empty partner surname keeps the stored one.
                surname=func.coalesce(ROWS.c.partner_surname, RESIDENTS.c.surname),
                changed_on=self.now,
            )
        )  # fmt: skip

    def _changed_applicants(self) -> None:
        db.session.execute(
            update(RESIDENTS)
            .where(self._resident(ROWS.c.bsn), self.mine, RESIDENTS.c.created_on != self.now)
            .values(
                initials=ROWS.c.initials, prefix=ROWS.c.prefix,
                surname=func.coalesce(ROWS.c.surname, RESIDENTS.c.surname),
                birth_date=ROWS.c.birth_date, street=ROWS.c.street,
                house_number=ROWS.c.house_number,
                house_number_suffix=ROWS.c.house_number_suffix, postcode=ROWS.c.postcode,
                city=ROWS.c.city, email=ROWS.c.email, phone=ROWS.c.phone, changed_on=self.now,
            )
        )  # fmt: skip

    def _id_of(self, bsn: Any) -> Any:
        # The resident's id; NULL for no BSN (a household without a partner).
        found = RESIDENTS.alias("found")
        return (
            select(found.c.id)
            .where(found.c.municipality_id == self.municipality_id, found.c.bsn == bsn)
            .scalar_subquery()
        )

    def _new_cases(self) -> None:
        new = select(
            literal(self.municipality_id), literal(CaseKind.REASSESSMENT, CASES.c.kind.type),
            literal(CaseStatus.NEW, CASES.c.status.type), self._id_of(ROWS.c.bsn),
            self._id_of(ROWS.c.partner_bsn),
            ROWS.c.children_count, ROWS.c.contact_preference, ROWS.c.contract_number,
            self.now, self.now,
        ).where(self.mine, ROWS.c.outcome == "new").order_by(ROWS.c.line)  # fmt: skip
        columns = ["municipality_id", "kind", "status", "applicant_id", "partner_id",
                   "children_count", "contact_preference", "contract_number", "created_on",
                   "changed_on"]  # fmt: skip
        db.session.execute(insert(CASES).from_select(columns, new))

    def _changed_cases(self) -> None:
        db.session.execute(
            update(CASES)
            .where(CASES.c.id == ROWS.c.case_id, self.mine, ROWS.c.outcome == "updated")
            .values(
                applicant_id=self._id_of(ROWS.c.bsn),
                partner_id=self._id_of(ROWS.c.partner_bsn),
                children_count=ROWS.c.children_count,
                contact_preference=ROWS.c.contact_preference,
                # An empty contract number keeps the stored one: it is the key.
                contract_number=func.coalesce(ROWS.c.contract_number, CASES.c.contract_number),
                changed_on=self.now,
            )
        )  # fmt: skip

    def new_cases(self) -> Any:
        """The ids of the cases this switch created (for statements that follow it)."""
        applicant = RESIDENTS.alias("applicant")
        return (
            select(CASES.c.id)
            .join(applicant, applicant.c.id == CASES.c.applicant_id)
            .join(ROWS, and_(self.mine, ROWS.c.outcome == "new", ROWS.c.bsn == applicant.c.bsn))
            .where(
                CASES.c.municipality_id == self.municipality_id,
                CASES.c.created_on == self.now,
                CASES.c.kind == literal(CaseKind.REASSESSMENT, CASES.c.kind.type),
            )
        )

    def _timeline(self) -> None:
        columns = ["case_id", "created_on", "user_id", "actor", "action", "description",
                   "from_status", "to_status"]  # fmt: skip
        created = f"Aangemaakt door import heronderzoek ({self.filename})"
        changed = f"Bijgewerkt door import heronderzoek ({self.filename})"
        new = self.new_cases().subquery()
        db.session.execute(
            insert(EVENTS).from_select(
                columns,
                select(
                    new.c.id, self.now, literal(self.user_id), null(), literal("create"),
                    literal(created), null(), literal(CaseStatus.NEW, EVENTS.c.to_status.type),
                ).order_by(new.c.id),
            )
        )  # fmt: skip
        db.session.execute(
            insert(EVENTS).from_select(
                columns,
                select(
                    ROWS.c.case_id, self.now, literal(self.user_id), null(),
                    literal("import_update"), literal(changed), null(), null(),
                ).where(self.mine, ROWS.c.outcome == "updated").order_by(ROWS.c.line),
            )
        )  # fmt: skip
        zgw_events.created_for(self.municipality_id, self.new_cases(), self.moment)


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of at most `size` (for IN clauses and batches)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
