"""The resident's side of the invitation: which links still work, and their openings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...extensions import db
from ...formatting import local
from ...models import Case, CaseStatus, Delivery, Invitation
from ...models.types import utcnow
from ..cases import records
from ..unit import transactional
from . import invitations

# A journey can start while the case waits for data; not once it has it, or is closed.
JOURNEY_STATUSES = frozenset(
    {CaseStatus.NEW, CaseStatus.INVITED, CaseStatus.INFO_REQUESTED, CaseStatus.ON_HOLD}
)


def usable(token: str, now: dt.datetime | None = None) -> Invitation | None:
    """The invitation behind a start link, or None when unknown, expired or finished."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    if invitation is None or invitation.expires_on <= now:
        return None
    if invitation.case.status not in JOURNEY_STATUSES:
        return None
    finished = db.session.scalar(
        select(Delivery.id).where(
            Delivery.invitation_id == invitation.id, Delivery.complete.is_(True)
        )
    )
    return None if finished else invitation


def addressee(invitation: Invitation) -> str:
    """Initials, prefix and surname: all the start page shows of the person."""
    return invitation.case.applicant.full_name


@transactional
def record_opened(invitation: Invitation, now: dt.datetime | None = None) -> None:
    """Note the opening on the invitation; on the timeline once per day, not per reload."""
    now = now or utcnow()
    last = invitation.last_opened_on
    if invitation.opened_on is None:
        invitation.opened_on = now
    invitation.last_opened_on = now
    if last is None or local(last).date() != local(now).date():
        first = last is None
        records.add_event(
            invitation.case,
            "start_page",
            "Startpagina geopend door de inwoner" + ("" if first else " (opnieuw)"),
            actor="inwoner",
            now=now,
        )


def open_invitation(case: Case, now: dt.datetime | None = None) -> Invitation | None:
    """The case's newest invitation whose start link still works, if any."""
    newest = invitations.current(case, now)
    return usable(newest.token, now) if newest else None
