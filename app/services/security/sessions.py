"""Server-side sessions: a login opens one, logout or a timeout ends it for good."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import select, update

from ...extensions import db
from ...models import UserSession
from ...models.types import utcnow
from ..unit import transactional, unit_of_work

# last_seen is written at most this often, so not every click is a database write.
TOUCH_EVERY = dt.timedelta(seconds=60)


def now() -> dt.datetime:
    """The clock of the sessions (tests replace it)."""
    return utcnow()


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@transactional
def start(user_id: int) -> str:
    """Open a session for a user who just logged in; return the id the cookie carries."""
    sid = secrets.token_urlsafe(32)
    at = now()
    db.session.add(UserSession(sid_hash=_hash(sid), user_id=user_id, started_on=at, last_seen=at))
    return sid


def check(sid: str | None, user_id: int) -> str | None:
    """None when the session may go on (and mark it seen); else why it ended."""
    if not sid:
        return "unknown"
    row = db.session.scalar(select(UserSession).where(UserSession.sid_hash == _hash(sid)))
    if row is None or row.user_id != user_id:
        return "unknown"
    if row.ended_on is not None:
        return row.end_reason or "ended"
    at = now()
    idle = dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    reason = None
    if at - row.started_on > absolute:
        reason = "absolute"
    elif at - row.last_seen > idle:
        reason = "idle"
    if reason:
        with unit_of_work(system=True):
            row.ended_on, row.end_reason = at, reason
        return reason
    if at - row.last_seen > TOUCH_EVERY:
        with unit_of_work(system=True):
            row.last_seen = at
    return None


@transactional
def end(sid: str | None, reason: str = "logout") -> None:
    """End one session (logout); its cookie is worthless from now on."""
    if not sid:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.sid_hash == _hash(sid), UserSession.ended_on.is_(None))
        .values(ended_on=now(), end_reason=reason)
    )


@transactional
def end_all(user_id: int, reason: str) -> int:
    """End every open session of a user (password or second factor reset); return the count."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_on.is_(None))
        .values(ended_on=now(), end_reason=reason)
    )
    return result.rowcount
