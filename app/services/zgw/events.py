"""Events for the zaaksysteem: stored in the same unit of work as the change they report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, literal, literal_column, select

from ...extensions import db
from ...models import OPEN_STATUSES, Case, CaseStatus, Municipality, ZgwEvent
from ...models.types import TZDateTime

CREATED, STATUS, DOCUMENT = "CREATED", "STATUS", "DOCUMENT"
DECIDED, ABORTED = "DECIDED", "ABORTED"
# The case's status at delivery (registration turned on for cases that already ran).
CURRENT = "CURRENT"


def record(case: Case, kind: str, now: dt.datetime, **data: Any) -> ZgwEvent | None:
    """Queue one event when the case's municipality registers in a zaaksysteem."""
    if not case.municipality.zgw_enabled:
        return None
    event = ZgwEvent(case=case, kind=kind, data=data, created_on=now, next_attempt_on=now)
    db.session.add(event)
    return event


def status_changed(case: Case, target: CaseStatus, now: dt.datetime) -> None:
    """A status change: decided and aborted close the zaak, any other adds a status."""
    if target == CaseStatus.DECIDED:
        record(case, DECIDED, now)
    elif target == CaseStatus.ABORTED:
        record(case, ABORTED, now)
    else:
        record(case, STATUS, now, status=target.name)


_QUEUED = ["case_id", "kind", "data", "created_on", "attempts", "next_attempt_on"]


def _queue(kind: str, cases: Any, now: dt.datetime) -> int:
    """An event of `kind` for each case `cases` selects (ids), in one set-based statement."""
    rows = select(
        Case.id, literal(kind), literal_column("'{}'"), literal(now, TZDateTime()),
        literal(0), literal(now, TZDateTime()),
    ).where(Case.id.in_(cases)).order_by(Case.id)  # fmt: skip
    return db.session.execute(insert(ZgwEvent).from_select(_QUEUED, rows)).rowcount


def created_for(municipality_id: int, cases: Any, now: dt.datetime) -> int:
    """An import's new cases (the ids `cases` selects), queued in one set-based statement."""
    if not db.session.get(Municipality, municipality_id).zgw_enabled:
        return 0
    return _queue(CREATED, cases, now)


def register_open_cases(municipality_id: int, now: dt.datetime) -> int:
    """Registration turned on: every open case not yet registered gets its zaak and its
    present status, queued in two set-based statements (a municipality may hold
    hundreds of thousands of open cases: nothing is loaded case by case)."""
    open_cases = select(Case.id).where(
        Case.municipality_id == municipality_id,
        Case.status.in_(OPEN_STATUSES),
        Case.zgw_zaak_url.is_(None),
        Case.id.not_in(select(ZgwEvent.case_id)),
    )
    created = _queue(CREATED, open_cases.order_by(None), now)
    # Then, for those that moved on from NEW, their present status (after their zaak).
    just_queued = select(ZgwEvent.case_id).where(
        ZgwEvent.kind == CREATED, ZgwEvent.created_on == now, ZgwEvent.delivered_on.is_(None)
    )
    moved_on = select(Case.id).where(
        Case.municipality_id == municipality_id,
        Case.status != CaseStatus.NEW,
        Case.id.in_(just_queued),
    )
    _queue(CURRENT, moved_on, now)
    return created
