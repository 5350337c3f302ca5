"""Invitations to deliver data through Ockto: an unguessable token, a link, a deadline."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Case, Invitation, TemplateEvent
from ...models.types import utcnow
from ..messaging import outbox

VALID_FOR = dt.timedelta(days=42)


def start_link(invitation: Invitation) -> str:
    """The resident's personal start page of the Ockto journey."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/inwoner/start/{invitation.token}"


def current(case: Case, now: dt.datetime | None = None) -> Invitation | None:
    """The newest invitation of a case that has not expired."""
    return current_of([case.id], now).get(case.id)


def current_of(case_ids: list[int], now: dt.datetime | None = None) -> dict[int, Invitation]:
    """`current` for many cases at once: per case id, its newest invitation not expired."""
    now = now or utcnow()
    found: dict[int, Invitation] = {}
    for invitation in db.session.scalars(
        select(Invitation)
        .where(Invitation.case_id.in_(case_ids), Invitation.expires_on > now)
        .order_by(Invitation.created_on.desc(), Invitation.id.desc())
    ):
        found.setdefault(invitation.case_id, invitation)
    return found


def issue(case: Case, now: dt.datetime | None = None) -> Invitation:
    """Create an invitation (256-bit token) and queue its email or letter, in this transaction."""
    now = now or utcnow()
    invitation = Invitation(
        case=case, token=secrets.token_urlsafe(32), created_on=now, expires_on=now + VALID_FOR
    )
    db.session.add(invitation)
    db.session.flush()
    outbox.queue(
        case,
        TemplateEvent.INVITATION,
        link=start_link(invitation),
        deadline=(now + VALID_FOR).date(),
        now=now,
    )
    return invitation
