"""Reminders (seeds 000, 004): on the configured days after the invitation, by email only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select

from ..extensions import db
from ..formatting import local
from ..models import (
    Case,
    CaseStatus,
    ContactPreference,
    Delivery,
    Message,
    Municipality,
    TemplateEvent,
)
from ..models.types import utcnow
from . import cases, invitations, messaging

REMINDER_EVENTS = [TemplateEvent.REMINDER_1, TemplateEvent.REMINDER_2, TemplateEvent.REMINDER_3]


def due_reminder(days: list[int], invited_on: dt.datetime, now: dt.datetime) -> int | None:
    """The number (1-3) of the latest reminder due at `now`, counted in Dutch calendar days."""
    elapsed = (local(now).date() - local(invited_on).date()).days
    due = [n for n, day in enumerate(sorted(days)[:3], start=1) if elapsed >= day]
    return max(due) if due else None


def send_reminders(now: dt.datetime | None = None) -> int:
    """The reminder job: queue each due reminder exactly once; answer how many were queued.

    Only invited cases with EMAIL preference and no delivery get one, only in
    municipalities that have reminders on. A run that comes late sends the latest
    due reminder, not the ones it missed; a second run finds them already stored.
    """
    now = now or utcnow()
    queued = 0
    municipalities = db.session.scalars(
        select(Municipality).where(
            Municipality.reminders_enabled.is_(True), Municipality.module_ockto.is_(True)
        )
    ).all()
    for municipality in municipalities:
        candidates = db.session.scalars(
            select(Case).where(
                Case.municipality_id == municipality.id,
                Case.status == CaseStatus.INVITED,
                Case.contact_preference == ContactPreference.EMAIL,
                ~exists().where(Delivery.case_id == Case.id),
            )
        ).all()
        for case in candidates:
            invited_on = invitations.first_sent_on(case)
            number = (
                due_reminder(municipality.reminder_days or [], invited_on, now)
                if invited_on
                else None
            )
            if number is None:
                continue
            later_keys = [f"reminder-{n}" for n in range(number, 4)]
            if db.session.scalar(
                select(Message.id).where(
                    Message.case_id == case.id, Message.dedupe_key.in_(later_keys)
                )
            ):
                continue
            invitation = invitations.current(case, now)
            message = messaging.queue(
                case,
                REMINDER_EVENTS[number - 1],
                link=invitations.start_link(invitation) if invitation else "",
                deadline=invitation.expires_on.date() if invitation else None,
                dedupe_key=f"reminder-{number}",
                now=now,
            )
            if message is not None:
                cases.add_event(
                    case, "reminder", f"Herinnering {number} verzonden", actor="systeem"
                )
                queued += 1
            db.session.commit()
    return queued
