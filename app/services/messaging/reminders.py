"""Reminders (seeds 000, 004): on the configured days after the invitation, by email only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy import case as sa_case
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...formatting import AMSTERDAM, local
from ...models import (
    Case,
    CaseStatus,
    ContactPreference,
    Delivery,
    Invitation,
    Message,
    Municipality,
    Template,
    TemplateEvent,
)
from ...models.types import utcnow
from ..cases import records
from ..ockto import invitations
from ..unit import unit_of_work
from . import outbox

# Cases loaded at once by the reminder job.
BATCH = 200
REMINDER_EVENTS = [TemplateEvent.REMINDER_1, TemplateEvent.REMINDER_2, TemplateEvent.REMINDER_3]


def due_reminder(days: list[int], invited_on: dt.datetime, now: dt.datetime) -> int | None:
    """The number (1-3) of the latest reminder due at `now`, counted in Dutch calendar days."""
    elapsed = (local(now).date() - local(invited_on).date()).days
    due = [n for n, day in enumerate(sorted(days)[:3], start=1) if elapsed >= day]
    return max(due) if due else None


def reminding_municipalities() -> list[Municipality]:
    """The municipalities that send reminders: reminders on and the Ockto module in use."""
    return list(
        db.session.scalars(
            select(Municipality).where(
                Municipality.reminders_enabled.is_(True), Municipality.module_ockto.is_(True)
            )
        )
    )


def send_reminders(now: dt.datetime | None = None) -> int:
    """The reminder job: queue each due reminder exactly once; answer how many were queued.

    Only invited cases with EMAIL preference and no delivery get one, only in
    municipalities that have reminders on. A run that comes late sends the latest
    due reminder, not the ones it missed; a second run finds them already stored.
    """
    now = now or utcnow()
    queued = 0
    for municipality in reminding_municipalities():
        due = due_cases(municipality.id, municipality.reminder_days or [], now)
        ids = sorted(due)
        templates = outbox.templates_for(municipality.id, REMINDER_EVENTS)
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            # The batch's cases, applicants and current invitations in three queries; each
            # case's reminder is still a unit of its own, which keeps them loaded.
            cases = {
                case.id: case
                for case in db.session.scalars(
                    select(Case).where(Case.id.in_(batch)).options(selectinload(Case.applicant))
                )
            }
            current = invitations.current_of(batch, now)
            for case_id in batch:
                if case_id not in cases:
                    continue  # removed since due_cases looked (the retention job)
                try:
                    queued += _remind(cases[case_id], due[case_id], current, templates, now)
                except IntegrityError:
                    continue  # a concurrent run stored it first; our unit rolled back whole
    return queued


def _remind(case: Case, number: int, current: dict[int, Invitation],
            templates: dict[TemplateEvent, Template], now: dt.datetime) -> int:  # fmt: skip
    """Queue one case's reminder and its timeline line as a unit of their own; 1 if queued."""
    event = REMINDER_EVENTS[number - 1]
    invitation = current.get(case.id)
    with unit_of_work(now=now, system=True, keep_loaded=True):
        message = outbox.queue(
            case,
            event,
            link=invitations.start_link(invitation) if invitation else "",
            deadline=invitation.expires_on.date() if invitation else None,
            dedupe_key=f"reminder-{number}",
            now=now,
            template=templates.get(event),
            known_new=True,  # due_cases looked; the unique key still guards
        )
        if message is None:
            return 0
        records.add_event(case, "reminder", f"Herinnering {number} verzonden",
                          actor="systeem", now=now)  # fmt: skip
    return 1


def due_cases(municipality_id: int, days: list[int], now: dt.datetime) -> dict[int, int]:
    """Per case of the municipality that needs one now, the number of its reminder.

    The database picks them: `due_reminder`'s rule (counted in Dutch calendar days from the
    first invitation) as the moments at which each reminder falls due, and only cases that
    do not have that reminder or a later one yet. Looking it up case by case in Python
    cost 6 s at a million cases for a morning's thousand reminders.
    """
    days = sorted(days)[:3]
    if not days:
        return {}
    today = local(now).date()
    # Reminder n is due once the invitation's Dutch date is at least days[n] days ago:
    # once it was sent before the start of (today - days[n] + 1), Dutch time.
    falls_due = [_start_of_dutch_day(today - dt.timedelta(days=day - 1)) for day in days]
    first = (
        select(Invitation.case_id.label("case_id"), func.min(Invitation.created_on).label("sent"))
        .join(Case, Case.id == Invitation.case_id)
        .where(
            Case.municipality_id == municipality_id,
            Case.status == CaseStatus.INVITED,
            Case.contact_preference == ContactPreference.EMAIL,
            ~exists().where(Delivery.case_id == Case.id),
        )
        .group_by(Invitation.case_id)
        .subquery()
    )
    number = sa_case(
        *((first.c.sent < moment, n) for n, moment in reversed(list(enumerate(falls_due, 1)))),
        else_=0,
    )
    has_it = exists().where(
        Message.case_id == first.c.case_id,
        or_(*(and_(Message.dedupe_key == f"reminder-{n}", number <= n) for n in (1, 2, 3))),
    )
    return dict(
        db.session.execute(
            select(first.c.case_id, number).where(first.c.sent < falls_due[0], ~has_it)
        ).all()
    )


def _start_of_dutch_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=AMSTERDAM).astimezone(dt.UTC)
