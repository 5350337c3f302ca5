"""Case queries and small case actions: the overview counts, memos, BSN search."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select, union
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...formatting import AMSTERDAM, today_nl
from ...models import (
    OPEN_STATUSES,
    Advice,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    InformationRequest,
    Memo,
    Message,
    MessageStatus,
    Municipality,
    Notice,
    Resident,
    case_child,
)
from ...models.types import utcnow
from ...roles import current_user
from .. import bsn, tenancy
from ..errors import ValidationError
from ..security import audit
from ..unit import transactional
from . import tally
from .tally import StatusCounts


@dataclass
class OverviewRow:
    """The overview of one municipality (or the total): counts per status."""

    name: str
    cbs_code: str | None
    per_status: dict[CaseStatus, StatusCounts] = field(
        default_factory=lambda: {s: StatusCounts() for s in CaseStatus}
    )
    total: StatusCounts = field(default_factory=StatusCounts)
    # Open cases per advice (None: no advice yet), for the legitimacy module.
    per_advice: dict[Advice | None, StatusCounts] = field(
        default_factory=lambda: {a: StatusCounts() for a in [*Advice, None]}
    )
    legitimacy: bool = False
    municipality_id: int | None = None
    # Open cases needing attention, per kind of ATTENTION.
    attention: dict[str, int] = field(default_factory=dict)


def overview(user: Any = None) -> tuple[list[OverviewRow], OverviewRow]:
    """Counts per municipality of the user's organisation and in total, per status (seed 003)."""
    municipalities = db.session.scalars(
        tenancy.scope(select(Municipality), Municipality, user).order_by(Municipality.name)
    ).all()
    rows = {
        m.id: OverviewRow(m.name, m.cbs_code, legitimacy=m.module_legitimacy, municipality_id=m.id)
        for m in municipalities
    }
    total = OverviewRow("Totaal", None)
    total.legitimacy = any(r.legitimacy for r in rows.values())
    for municipality_id, status, advice, counts in tally.counts(user):
        row = rows.get(municipality_id)
        if row is None:
            continue
        row.per_status[status].add(counts)
        row.total.add(counts)
        total.per_status[status].add(counts)
        total.total.add(counts)
        if status in OPEN_STATUSES and row.legitimacy:
            row.per_advice[advice].add(counts)
            total.per_advice[advice].add(counts)
    for municipality_id, counts in attention(today_nl(), user).items():
        row = rows.get(municipality_id)
        if row is None:
            continue
        row.attention = counts
        for kind, count in counts.items():
            total.attention[kind] = total.attention.get(kind, 0) + count
    return list(rows.values()), total


def add_event(
    case: Case,
    action: str,
    description: str,
    from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """Append a line to the case's timeline (in the caller's transaction)."""
    user = current_user()
    event = CaseEvent(
        case=case,
        created_on=now or utcnow(),
        user_id=getattr(user, "id", None),
        actor=actor if actor else (None if user else "systeem"),
        action=action,
        description=description,
        from_status=from_status,
        to_status=to_status,
    )
    db.session.add(event)
    return event


@transactional
def add_memo(case_id: int, text: str, user: Any = None) -> Memo:
    """Add a caseworker's memo to a case of the user's organisation."""
    text = (text or "").strip()
    if not text:
        raise ValidationError([{"veld": "tekst", "melding": "Vul de tekst van het memo in."}])
    if len(text) > 10000:
        raise ValidationError(
            [{"veld": "tekst", "melding": "Een memo is maximaal 10.000 tekens lang."}]
        )
    user = user if user is not None else current_user()
    case = tenancy.get_case(case_id, user)
    memo = Memo(case=case, text=text, created_by_id=getattr(user, "id", None))
    db.session.add(memo)
    add_event(case, "memo", "Memo toegevoegd")
    db.session.flush()
    audit.object_changed("memo", memo.id, "create")
    return memo


def search_by_bsn(raw_bsn: str, user: Any = None) -> list[Case]:
    """Cases in which a resident with this BSN is applicant, partner or child (POST only)."""
    number = bsn.normalise(raw_bsn)
    if not bsn.is_valid(number):
        raise ValidationError([{"veld": "bsn", "melding": "Dit is geen geldig BSN (elfproef)."}])
    residents = select(Resident.id).where(Resident.bsn == number)
    # Three indexed lookups joined by UNION; an OR of the three made SQLite scan every case.
    matching = union(
        select(Case.id).where(Case.applicant_id.in_(residents)),
        select(Case.id).where(Case.partner_id.in_(residents)),
        select(case_child.c.case_id).where(case_child.c.resident_id.in_(residents)),
    )
    stmt = tenancy.scope(select(Case).where(Case.id.in_(matching)), Case, user).order_by(
        Case.created_on.desc()
    )
    found = list(db.session.scalars(stmt))
    audit.bsn_searched(len(found))
    return found


# "Aandacht nodig" on the dashboard: what needs a caseworker, as filters on the case list.
ATTENTION = {
    "meldingen": "Open meldingen",
    "termijn": "Termijn aanvullende informatie verstreken",
    "wacht": "Wachttijd voorbij",
    "berichten": "Bericht niet verzonden",
}


def attention_case_ids(kind: str, today: dt.date) -> Any:
    """A subquery of case ids that need attention of one kind."""
    if kind == "meldingen":
        return select(Notice.case_id).where(Notice.resolved_on.is_(None))
    if kind == "termijn":
        return (
            select(InformationRequest.case_id)
            .join(Case, Case.id == InformationRequest.case_id)
            .where(
                InformationRequest.fulfilled_on.is_(None),
                InformationRequest.deadline < today,
                Case.status.in_(OPEN_STATUSES),
            )
        )
    if kind == "wacht":
        return select(Case.id).where(Case.status == CaseStatus.ON_HOLD, Case.hold_until < today)
    if kind == "berichten":
        return select(Message.case_id).where(Message.status == MessageStatus.FAILED)
    raise ValueError(kind)


def attention_ids(today: dt.date) -> Any:
    """Ids of the cases needing attention of any kind: a small set, whatever the case count."""
    return union(*(attention_case_ids(kind, today) for kind in ATTENTION))


def attention(today: dt.date, user: Any = None) -> dict[int, dict[str, int]]:
    """Per municipality id: the number of cases needing attention, per kind.

    Notices and failed messages count on any case (a beschikking that could not be sent
    needs a caseworker after the decision too); deadlines only on open cases.
    """
    found: dict[int, dict[str, int]] = {}
    for kind in ATTENTION:
        stmt = tenancy.scope(
            select(Case.municipality_id, func.count(Case.id))
            .where(Case.id.in_(attention_case_ids(kind, today)))
            .group_by(Case.municipality_id),
            Case,
            user,
        )
        for municipality_id, count in db.session.execute(stmt):
            found.setdefault(municipality_id, {})[kind] = int(count)
    return found


def applications_per_week(
    today: dt.date, weeks: int = 12, user: Any = None
) -> list[tuple[dt.date, int]]:
    """New applications per ISO week (Monday) over the last `weeks` weeks, oldest first."""
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(weeks=weeks - 1)
    # Weeks are Dutch weeks: a Sunday-night application at 00:30 belongs to Monday. Each
    # week is a range of moments, counted in the database from the index alone.
    mondays = [first + dt.timedelta(weeks=i) for i in range(weeks + 1)]
    bounds = [dt.datetime.combine(d, dt.time(), tzinfo=AMSTERDAM) for d in mondays]
    sums = [
        func.sum(sql_case((and_(Case.created_on >= low, Case.created_on < high), 1), else_=0))
        for low, high in itertools.pairwise(bounds)
    ]
    stmt = tenancy.scope(
        select(*sums).where(
            Case.kind == CaseKind.APPLICATION,
            Case.created_on >= bounds[0],
            Case.created_on < bounds[-1],
        ),
        Case,
        user,
    )
    found = db.session.execute(stmt).one()
    return [(monday, int(n or 0)) for monday, n in zip(mondays[:-1], found, strict=True)]


def for_detail(case_id: int, user: Any = None) -> Case:
    """A case of the user's organisation with everything its page shows, in a fixed
    number of queries whatever the number of events, memos, notices or documents."""
    stmt = tenancy.scope(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.municipality),
            joinedload(Case.applicant),
            joinedload(Case.partner),
            joinedload(Case.linked_case),
            joinedload(Case.handler),
            joinedload(Case.decided_by),
            selectinload(Case.children),
            selectinload(Case.events).joinedload(CaseEvent.user),
            selectinload(Case.memos).joinedload(Memo.created_by),
            selectinload(Case.notices),
            selectinload(Case.documents),
            selectinload(Case.information_requests),
        ),
        Case,
        user,
    )
    case = db.session.scalar(stmt)
    if case is None:
        raise tenancy.NotFound()
    return case
