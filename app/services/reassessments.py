"""Start heronderzoek: invite NEW reassessment cases (NEW → INVITED) through the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from ..extensions import db
from ..models import Case, CaseKind, CaseStatus
from ..models.types import utcnow
from ..roles import current_user
from . import audit, cases, invitations, tenancy
from .errors import Refused


def _invite(case: Case, now: dt.datetime) -> bool:
    """Move one case NEW → INVITED (conditionally, so a parallel start cannot double it)."""
    if case.kind != CaseKind.REASSESSMENT or not case.municipality.module_ockto:
        return False
    moved = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == CaseStatus.NEW)
        .values(status=CaseStatus.INVITED, changed_on=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    db.session.refresh(case)
    invitations.issue(case, now=now)
    cases.add_event(
        case, "invite", "Uitnodiging Ockto verzonden", CaseStatus.NEW, CaseStatus.INVITED
    )
    return True


def start(
    case_ids: list[int] | None = None,
    cbs_code: str | None = None,
    user: Any = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Invite the selected cases, or every NEW reassessment of one municipality.

    Answers {"uitgenodigd": n, "geweigerd": m}; cases in another status (or another
    kind) are refused and counted, never changed.
    """
    now = now or utcnow()
    user = user if user is not None else current_user()
    if case_ids is not None:
        stmt = select(Case).where(Case.id.in_(case_ids))
    else:
        municipality = tenancy.get_municipality(cbs_code or "", user)
        stmt = select(Case).where(
            Case.municipality_id == municipality.id,
            Case.kind == CaseKind.REASSESSMENT,
            Case.status == CaseStatus.NEW,
        )
    selected = list(db.session.scalars(tenancy.scope(stmt, Case, user).order_by(Case.id)))
    invited = sum(1 for case in selected if _invite(case, now))
    refused = len(selected) - invited
    if case_ids is not None:
        refused += len(set(case_ids) - {c.id for c in selected})
    audit.object_changed("case", None, f"start_reassessment:{invited}", commit=False)
    db.session.commit()
    return {"uitgenodigd": invited, "geweigerd": refused}


class InviteRefused(Refused):
    """One case cannot be invited: `status` is the HTTP answer, the message Dutch."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status)


def invite_case(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """Invite one NEW reassessment (the API's case action); refuse with 403/409 otherwise."""
    case = tenancy.get_case(case_id, user)
    if not case.municipality.module_ockto:
        raise InviteRefused(403, "De module Ockto staat voor deze gemeente uit.")
    counts = start(case_ids=[case_id], user=user, now=now)
    if counts["uitgenodigd"] != 1:
        raise InviteRefused(
            409, "Alleen een nieuw heronderzoek (status Nieuw) kan worden uitgenodigd."
        )
    return tenancy.get_case(case_id, user)
