"""Events for the zaaksysteem: stored in the same unit of work as the change they report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...extensions import db
from ...models import Case, CaseStatus, ZgwEvent

CREATED, STATUS, DECIDED, ABORTED = "CREATED", "STATUS", "DECIDED", "ABORTED"


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
