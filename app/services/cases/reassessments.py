"""Start heronderzoek: invite NEW reassessment cases (NEW → INVITED) through the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import Case, CaseEvent, CaseKind, CaseStatus, ContactPreference, ImportRecord
from ...roles import current_user
from .. import tenancy
from ..errors import Conflict, Refused
from ..ockto import invitations
from ..security import audit
from ..unit import Work, unit_of_work
from . import workflow


def _invite(case: Case, work: Work) -> bool:
    """Move one case NEW → INVITED (conditionally, so a parallel start cannot double it)."""
    if case.kind != CaseKind.REASSESSMENT or not case.municipality.module_ockto:
        return False
    try:
        workflow.transition(case, "invite", work, "Uitnodiging Ockto verzonden")
    except Conflict:
        return False  # no longer NEW: invited meanwhile, or another status
    invitations.issue(case, now=work.now)
    return True


def _import_cases(record: ImportRecord) -> Any:
    """The ids of the cases an import created or updated (its timeline entries' moment)."""
    return select(CaseEvent.case_id).where(
        CaseEvent.action.in_(("create", "import_update")),
        CaseEvent.created_on == record.confirmed_on,
    )


def _selection(case_ids: list[int] | None, cbs_code: str | None, import_id: int | None,
               user: Any) -> Any:  # fmt: skip
    if case_ids is not None:
        return select(Case).where(Case.id.in_(case_ids))
    if import_id is not None:
        stmt = select(ImportRecord).where(ImportRecord.id == import_id)
        record = db.session.scalar(tenancy.scope(stmt, ImportRecord, user))
        if record is None or record.confirmed_on is None:
            raise tenancy.NotFound()
        return select(Case).where(
            Case.municipality_id == record.municipality_id,
            Case.kind == CaseKind.REASSESSMENT,
            Case.status == CaseStatus.NEW,
            Case.id.in_(_import_cases(record)),
        )
    municipality = tenancy.get_municipality(cbs_code or "", user)
    return select(Case).where(
        Case.municipality_id == municipality.id,
        Case.kind == CaseKind.REASSESSMENT,
        Case.status == CaseStatus.NEW,
    )


def plan(cbs_code: str | None = None, import_id: int | None = None,
         user: Any = None) -> dict[str, Any]:  # fmt: skip
    """What "Start heronderzoek" would do, before it is done: how many, from which imports."""
    user = user if user is not None else current_user()
    selected = tenancy.scope(
        _selection(None, cbs_code, import_id, user), Case, user
    ).subquery()  # fmt: skip
    count = db.session.scalar(select(func.count()).select_from(selected)) or 0
    by_mail = db.session.scalar(
        select(func.count()).select_from(selected).where(
            selected.c.contact_preference == ContactPreference.EMAIL
        )
    ) or 0  # fmt: skip
    # Where the cases came from: the timeline entry that created each one.
    origins = db.session.execute(
        select(CaseEvent.description, func.min(CaseEvent.created_on), func.count())
        .where(CaseEvent.case_id.in_(select(selected.c.id)), CaseEvent.action == "create")
        .group_by(CaseEvent.description)
        .order_by(func.min(CaseEvent.created_on))
    ).all()
    return {
        "count": count,
        "email": by_mail,
        "letter": count - by_mail,
        "origins": [(text, moment, n) for text, moment, n in origins],
    }


def start(
    case_ids: list[int] | None = None,
    cbs_code: str | None = None,
    user: Any = None,
    now: dt.datetime | None = None,
    import_id: int | None = None,
) -> dict[str, int]:
    """Invite the selected cases, the NEW cases of one import, or of one municipality.

    Answers {"uitgenodigd": n, "geweigerd": m}; cases in another status (or another
    kind) are refused and counted, never changed.
    """
    with unit_of_work(user, now) as work:
        stmt = _selection(case_ids, cbs_code, import_id, work.user)
        scoped = tenancy.scope(stmt, Case, work.user).order_by(Case.id)
        selected = list(db.session.scalars(scoped))
        invited = sum(1 for case in selected if _invite(case, work))
        refused = len(selected) - invited
        if case_ids is not None:
            refused += len(set(case_ids) - {c.id for c in selected})
        audit.object_changed("case", None, f"start_reassessment:{invited}")
    return {"uitgenodigd": invited, "geweigerd": refused}


class InviteRefused(Refused):
    """One case cannot be invited: `status` is the HTTP answer, the message Dutch."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status)


def invite_case(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """Invite one NEW reassessment (the API's case action); refuse with 403/409 otherwise."""
    with unit_of_work(user, now) as work:  # a refusal leaves not even the audit entry
        case = tenancy.get_case(case_id, work.user)
        if not case.municipality.module_ockto:
            raise InviteRefused(403, "De module Ockto staat voor deze gemeente uit.")
        counts = start(case_ids=[case_id], user=work.user, now=work.now)
        if counts["uitgenodigd"] != 1:
            raise InviteRefused(
                409, "Alleen een nieuw heronderzoek (status Nieuw) kan worden uitgenodigd."
            )
    return tenancy.get_case(case_id, user)
