"""`flask demo generate`: many realistic cases at once, for benchmarks and load tests.

The demo (app/demo.py) builds 200 cases through the real services; that takes a
few seconds and cannot scale to an ISD's 100,000. This generator writes the same kinds
of rows with Core bulk inserts: residents (applicant, partner, children), cases over
the demo municipalities in the demo's status mix, their timeline, an invitation and its
email per invited case (so the reminder job has the work it has in practice), and for
every case past the invitation an Ockto delivery with its persons, income, assets and
debts and the advice. The deliveries and advice are copies of the demo's own (computed
by the real engine) with the new household's BSNs and names.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text

from .demo import FIRST_NAMES, PLACES, STATUS_WEIGHTS, SURNAMES, is_loaded
from .extensions import db
from .models import (
    Case,
    CaseEvent,
    Delivery,
    DeliveryAsset,
    DeliveryDebt,
    DeliveryIncome,
    DeliveryPerson,
    Invitation,
    Message,
    Municipality,
    Resident,
    User,
    case_child,
)
from .models.enums import (
    CaseKind,
    CaseStatus,
    Channel,
    ContactPreference,
    Decision,
    DeliveryRole,
    MessageStatus,
    TemplateEvent,
)
from .models.types import utcnow
from .services.bsn import generate as make_bsn
from .services.ockto.invitations import VALID_FOR

CHUNK = 5000
WITH_DATA = {CaseStatus.DATA_RECEIVED, CaseStatus.INFO_REQUESTED, CaseStatus.DECIDED}
ITEM_MODELS = (DeliveryIncome, DeliveryAsset, DeliveryDebt)


class NotLoadedError(Exception):
    """The demo must be loaded first: its municipalities and deliveries are the model."""


def generate(count: int, seed: int = 1) -> dict[str, int]:
    """Add `count` cases with bulk inserts; answer how many rows went into each table."""
    if not is_loaded():
        raise NotLoadedError("Laad eerst de demo: flask demo load.")
    builder = _Builder(seed)
    totals: dict[str, int] = {}
    sizes = [min(CHUNK, count - start) for start in range(0, count, CHUNK)]
    rows: dict[Any, list[dict[str, Any]]] = {}
    # The next chunk is made while the database stores this one: on PostgreSQL the database
    # is the slower half, and the two use a core each. The builder touches no session.
    with ThreadPoolExecutor(max_workers=1) as maker:
        upcoming = maker.submit(builder.chunk, sizes[0]) if sizes else None
        for number in range(len(sizes)):
            rows = upcoming.result()
            if number + 1 < len(sizes):
                upcoming = maker.submit(builder.chunk, sizes[number + 1])
            for table, values in rows.items():
                if values:
                    _insert(table, values)
                totals[table.name] = totals.get(table.name, 0) + len(values)
            db.session.commit()
    if rows:
        _advance_sequences(rows)
    return totals


def _insert(table: Any, values: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL (several times faster), executemany elsewhere."""
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        db.session.execute(insert(table), values)
        return
    names = list(values[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.driver_connection.cursor()
    # Names from our own metadata, never from input. The triggers (case tally) fire as
    # for an INSERT.
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in values:
            copy.write_row([
                value if process is None or value is None else process(value)
                for value, process in zip((row[n] for n in names), processors, strict=True)
            ])  # fmt: skip


def _advance_sequences(rows: dict[Any, list[dict[str, Any]]]) -> None:
    # Explicit ids leave PostgreSQL's sequences behind; SQLite takes max(id) + 1 itself.
    if db.engine.dialect.name != "postgresql":
        return
    for table in rows:
        if "id" in table.c:
            db.session.execute(
                text(  # table names from our own metadata, never from input
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608
                    f'(SELECT coalesce(max(id), 1) FROM "{table.name}"))'
                )
            )
    db.session.commit()


@dataclass(frozen=True)
class _Place:
    """A municipality as the builder needs it."""

    id: int
    cbs_code: str


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.now = utcnow()
        # Plain values, not ORM objects: the builder runs beside the session's commits.
        self.municipalities = [
            _Place(m.id, m.cbs_code)
            for m in db.session.scalars(select(Municipality).order_by(Municipality.id))
        ]
        self.user_ids = db.session.scalars(
            select(User.id).where(User.organisation_id.is_not(None))
        ).all()
        self.bsns = set(db.session.scalars(select(Resident.bsn)))
        self.templates = _templates()
        self.ids = {
            model: (db.session.scalar(select(func.max(model.id))) or 0)
            for model in (Resident, Case, CaseEvent, Invitation, Message, Delivery,
                          DeliveryPerson, *ITEM_MODELS)
        }  # fmt: skip
        self.contract = 900_000
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        self.statuses, self.weights = list(statuses), list(weights)

    def next_id(self, model: Any) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def chunk(self, count: int) -> dict[Any, list[dict[str, Any]]]:
        rows: dict[Any, list[dict[str, Any]]] = {
            table: []
            for table in (Resident.__table__, Case.__table__, case_child, CaseEvent.__table__,
                          Invitation.__table__, Message.__table__, Delivery.__table__,
                          DeliveryPerson.__table__,
                          *(m.__table__ for m in ITEM_MODELS))
        }  # fmt: skip
        for _ in range(count):
            self.case(rows)
        return rows

    def person(self, rows: dict, municipality: _Place, adult: bool, surname: Any = None):
        rng = self.rng
        first, initials = rng.choice(FIRST_NAMES)
        prefix, last = surname or rng.choice(SURNAMES)
        age = rng.randint(19, 84) if adult else rng.randint(0, 17)
        city, pc, streets = rng.choice(PLACES[municipality.cbs_code])
        row = {
            "id": self.next_id(Resident),
            "municipality_id": municipality.id,
            "bsn": make_bsn(rng, self.bsns),
            "initials": initials,
            "first_names": first,
            "prefix": prefix,
            "surname": last,
            "birth_date": self.now.date() - dt.timedelta(days=age * 365 + rng.randint(0, 364)),
            "email": f"inwoner{self.ids[Resident]}@example.nl" if adult else None,
            "phone": None,
            "street": rng.choice(streets),
            "house_number": str(rng.randint(1, 180)),
            "house_number_suffix": None,
            "postcode": f"{pc}{rng.randint(10, 99) if len(pc) == 2 else rng.randint(0, 9)} AB",
            "city": city,
            "created_on": self.now,
            "changed_on": self.now,
        }
        rows[Resident.__table__].append(row)
        return row

    def case(self, rows: dict) -> None:
        rng = self.rng
        municipality = rng.choice(self.municipalities)
        status = rng.choices(self.statuses, self.weights)[0]
        kind = CaseKind.APPLICATION if rng.random() < 0.45 else CaseKind.REASSESSMENT
        created = self.now - dt.timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1439))
        applicant = self.person(rows, municipality, True)
        partner = self.person(rows, municipality, True) if rng.random() < 0.4 else None
        children = [
            self.person(rows, municipality, False, (applicant["prefix"], applicant["surname"]))
            for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))
        ]
        case_id = self.next_id(Case)
        worker = rng.choice(self.user_ids) if self.user_ids else None
        case = {
            "id": case_id,
            "municipality_id": municipality.id,
            "kind": kind,
            "status": status,
            "previous_status": CaseStatus.INVITED
            if status in (CaseStatus.ON_HOLD, CaseStatus.ABORTED)
            else None,
            "hold_reason": "Wacht op de inwoner." if status == CaseStatus.ON_HOLD else None,
            "abort_reason": "Inwoner verhuisd." if status == CaseStatus.ABORTED else None,
            "application_number": f"GV-G{case_id:08d}" if kind == CaseKind.APPLICATION else None,
            "contract_number": None
            if kind == CaseKind.APPLICATION
            else f"{municipality.cbs_code}-{self.contract + case_id}",
            "submitted_on": created if kind == CaseKind.APPLICATION else None,
            "applicant_id": applicant["id"],
            "partner_id": partner["id"] if partner else None,
            "children_count": len(children),
            "contact_preference": ContactPreference.EMAIL
            if rng.random() < 0.75
            else ContactPreference.LETTER,
            "advice": None,
            "advice_reasons": None,
            "advice_on": None,
            "advice_calculation": None,
            "decision": None,
            "decision_reasons": None,
            "decided_on": None,
            "decided_by_id": None,
            "created_on": created,
            "changed_on": created,
        }
        rows[Case.__table__].append(case)
        rows[case_child].extend({"case_id": case_id, "resident_id": c["id"]} for c in children)
        t = created
        self.event(rows, case_id, t, "create", "Aangemaakt", None, CaseStatus.NEW)
        if status == CaseStatus.NEW:
            return
        t += dt.timedelta(hours=1)
        self.event(rows, case_id, t, "invite", "Uitnodiging Ockto verzonden",
                   CaseStatus.NEW, CaseStatus.INVITED)  # fmt: skip
        invitation_id = self.next_id(Invitation)
        rows[Invitation.__table__].append(
            {"id": invitation_id, "case_id": case_id, "created_on": t, "expires_on": t + VALID_FOR,
             "token": f"{rng.getrandbits(256):064x}", "opened_on": None, "last_opened_on": None}
        )  # fmt: skip
        rows[Message.__table__].append(self.invitation(case, applicant, t))
        if status in WITH_DATA:
            t += dt.timedelta(days=rng.randint(1, 10))
            self.deliver(rows, case, applicant, partner, t)
            self.event(rows, case_id, t, "delivery", "Ockto-levering ontvangen",
                       CaseStatus.INVITED, CaseStatus.DATA_RECEIVED, actor="Ockto")  # fmt: skip
        if status in (CaseStatus.INVITED, CaseStatus.DATA_RECEIVED):
            case["changed_on"] = t
            return
        t += dt.timedelta(days=rng.randint(1, 10))
        before = CaseStatus.DATA_RECEIVED if status in WITH_DATA else CaseStatus.INVITED
        if status == CaseStatus.DECIDED:
            rejected = case["advice"] is not None and case["advice"].name == "REJECT"
            case["decision"] = Decision.REJECTED if rejected else Decision.GRANTED
            case["decision_reasons"] = ["INCOME_TOO_HIGH"] if rejected else None
            case["decided_on"] = t
            case["decided_by_id"] = worker
        self.event(rows, case_id, t, status.name.lower(), status.label, before, status,
                   user_id=worker)  # fmt: skip
        case["changed_on"] = t

    def event(
        self,
        rows: dict,
        case_id: int,
        when: dt.datetime,
        action: str,
        text_: str,
        frm: Any,
        to: Any,
        user_id: int | None = None,
        actor: str | None = None,
    ) -> None:
        rows[CaseEvent.__table__].append(
            {
                "id": self.next_id(CaseEvent),
                "case_id": case_id,
                "created_on": when,
                "user_id": user_id,
                "actor": None if user_id else (actor or "systeem"),
                "action": action,
                "from_status": frm,
                "to_status": to,
                "description": text_,
            }
        )

    def invitation(self, case: dict, applicant: dict, when: dt.datetime) -> dict[str, Any]:
        return {
            "id": self.next_id(Message),
            "case_id": case["id"],
            "municipality_id": case["municipality_id"],
            "event": TemplateEvent.INVITATION,
            "channel": Channel.EMAIL,
            "dedupe_key": f"invitation-{case['id']}",
            "recipient": applicant["email"],
            "subject": "Uitnodiging: lever uw gegevens aan met de Ockto-app",
            "body_text": "Beste inwoner,\n\nLever uw gegevens aan via de link.\n",
            "body_html": None,
            "pdf": None,
            "status": MessageStatus.SENT,
            "attempts": 1,
            "next_attempt_on": None,
            "last_error": None,
            "created_on": when,
            "sent_on": when,
            "printed_on": None,
        }

    def deliver(self, rows: dict, case: dict, applicant: dict, partner: dict | None,
                when: dt.datetime) -> None:  # fmt: skip
        options = self.templates[partner is not None] or self.templates[not partner]
        if not options:
            return
        template = self.rng.choice(options)
        for key in ("advice", "advice_reasons", "advice_calculation"):
            case[key] = template["case"][key]
        case["advice_on"] = when
        delivery_id = self.next_id(Delivery)
        rows[Delivery.__table__].append(
            {
                **template["delivery"],
                "id": delivery_id,
                "case_id": case["id"],
                "invitation_id": None,
                "delivery_key": uuid.UUID(int=self.rng.getrandbits(128)).hex,
                "completed_on": when,
                "payload": {"bron": "flask demo generate"},
                "answer": None,
                "found_partner_bsn": partner["bsn"] if partner else None,
                "given_partner_bsn": partner["bsn"] if partner else None,
                "created_on": when,
            }
        )
        people = {DeliveryRole.APPLICANT: applicant, DeliveryRole.PARTNER: partner}
        for person, items in template["persons"]:
            resident = people.get(person["role"]) or applicant
            person_id = self.next_id(DeliveryPerson)
            rows[DeliveryPerson.__table__].append(
                {
                    **person,
                    "id": person_id,
                    "delivery_id": delivery_id,
                    "bsn": resident["bsn"],
                    "resident_id": resident["id"],
                    "first_names": resident["first_names"],
                    "prefix": resident["prefix"],
                    "surname": resident["surname"],
                    "partner_bsn": partner["bsn"] if partner and resident is applicant else None,
                    "children": [],
                    "address": None,
                }
            )
            for model, item in items:
                rows[model.__table__].append(
                    {**item, "id": self.next_id(model), "person_id": person_id}
                )


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def _templates() -> dict[bool, list[dict[str, Any]]]:
    """The demo's deliveries with their advice, by whether the household has a partner."""
    found: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    cases = db.session.scalars(
        select(Case).where(Case.advice.is_not(None), Case.deliveries.any())
    ).all()
    for case in cases:
        delivery = case.deliveries[-1]
        persons = []
        for person in delivery.persons:
            items = [
                (model, {k: v for k, v in _row(item).items() if k not in ("id", "person_id")})
                for model in ITEM_MODELS
                for item in db.session.scalars(select(model).where(model.person_id == person.id))
            ]
            persons.append(({k: v for k, v in _row(person).items()}, items))
        found[case.partner_id is not None].append(
            {
                "case": {
                    k: getattr(case, k) for k in ("advice", "advice_reasons", "advice_calculation")
                },
                "delivery": _row(delivery),
                "persons": persons,
            }
        )
    return found
