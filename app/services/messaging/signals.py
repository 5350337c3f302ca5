"""Signals (signaleringen): personal alerts to the handler of a case.

A signal is raised in the same unit of work as the event it reports (a document
uploaded, a delivery received, a term expired, a hold's end passed, a case assigned, a
decision sent back), once per event (its key), to one user. It is read when opened;
the bell counts the unread ones; a daily digest email names only how many there are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...formatting import date_in_nl
from ...models import Case, MessageStatus, Signal, SignalKind, SystemMail, User
from ...roles import current_user
from .. import tenancy
from ..unit import Work, transactional, unit_of_work

LIST_LIMIT = 200


def raise_signal(case: Case, kind: SignalKind, key: str, now: dt.datetime,
                 user_id: int | None = None) -> Signal | None:  # fmt: skip
    """Signal the case's handler (or `user_id`) once per `key`, in the running unit of work.

    Nobody to signal (no handler) or already signalled: None.
    """
    target = user_id if user_id is not None else case.handler_id
    if target is None:
        return None
    dedupe = f"{kind.name}:{case.id}:{key}"[:100]
    exists = db.session.scalar(
        select(Signal.id).where(Signal.user_id == target, Signal.dedupe_key == dedupe)
    )
    if exists:
        return None
    signal = Signal(user_id=target, case_id=case.id, kind=kind, dedupe_key=dedupe,
                    created_on=now)  # fmt: skip
    try:
        with db.session.begin_nested():  # a concurrent run raised it first: keep the rest
            db.session.add(signal)
    except IntegrityError:
        return None
    return signal


def unread_count(user: Any = None) -> int:
    """How many of the user's signals are unread (the bell)."""
    user = user if user is not None else current_user()
    if getattr(user, "id", None) is None:
        return 0
    return db.session.scalar(
        select(func.count(Signal.id)).where(Signal.user_id == user.id, Signal.read_on.is_(None))
    ) or 0  # fmt: skip


def for_user(user: Any = None, unread_only: bool = False) -> list[Signal]:
    """The user's own signals, newest first (at most LIST_LIMIT), with their cases."""
    user = user if user is not None else current_user()
    stmt = select(Signal).where(Signal.user_id == getattr(user, "id", None))
    if unread_only:
        stmt = stmt.where(Signal.read_on.is_(None))
    return list(db.session.scalars(stmt.order_by(Signal.id.desc()).limit(LIST_LIMIT)))


def mark_read(signal_id: int, user: Any = None, now: dt.datetime | None = None) -> Signal:
    """Mark one of the user's own signals read (another user's: NotFound); idempotent."""
    with unit_of_work(user, now) as work:
        signal = _own(signal_id, work)
        if signal.read_on is None:
            db.session.execute(
                update(Signal)
                .where(Signal.id == signal.id, Signal.read_on.is_(None))
                .values(read_on=work.now)
                .execution_options(synchronize_session=False)
            )
    db.session.refresh(signal)
    return signal


def _own(signal_id: int, work: Work) -> Signal:
    signal = db.session.get(Signal, signal_id)
    if signal is None or signal.user_id != getattr(work.user, "id", None):
        raise tenancy.NotFound()
    # A case moved out of the user's organisation is not shown through an old signal.
    tenancy.get_case(signal.case_id, work.user)
    return signal


@transactional
def set_digest(on: bool, user: Any = None) -> None:
    """Turn the user's daily digest email on or off (the profile's setting)."""
    user = user if user is not None else current_user()
    user.signal_digest = bool(on)


def send_digests(now: dt.datetime | None = None) -> int:
    """The daily digest: one email per user with unread signals since their last digest.

    Only a count and a link: no name, case number or BSN leaves by email. Safe to run
    twice a day: a user gets one digest per day.
    """
    sent = 0
    with unit_of_work(now=now, system=True) as work:
        users = db.session.scalars(
            select(User).where(User.signal_digest.is_(True), User.active.is_(True))
        ).all()
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        for user in users:
            last = user.signal_digest_sent_on
            if last is not None and date_in_nl(last) == date_in_nl(work.now):
                continue
            stmt = select(func.count(Signal.id)).where(
                Signal.user_id == user.id, Signal.read_on.is_(None)
            )
            if last is not None:
                stmt = stmt.where(Signal.created_on > last)
            count = db.session.scalar(stmt) or 0
            if not count or not user.email:
                continue
            db.session.add(
                SystemMail(
                    recipient=user.email,
                    subject="Nieuwe signalen in de Gemeentepolis Backoffice",
                    body_text=(
                        f"Beste {user.first_name},\n\nU heeft {count} nieuwe signaal/signalen "
                        f"over zaken die u behandelt.\n\nBekijk ze na het inloggen: "
                        f"{base}/signalen/\n\nDeze e-mail zet u uit onder Mijn account > "
                        "Signalen.\n"
                    ),
                    status=MessageStatus.PENDING,
                    created_on=work.now,
                    next_attempt_on=work.now,
                )
            )
            user.signal_digest_sent_on = work.now
            sent += 1
    return sent
