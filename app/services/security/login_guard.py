"""Login throttling per user name and per address, stored in the database for every worker."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, func, select

from ...extensions import db
from ...models import LoginFailure
from ...models.types import utcnow
from ..unit import transactional

THROTTLED_MESSAGE = (
    "Te veel mislukte inlogpogingen. Probeer het over {minutes} minuten opnieuw "
    "of neem contact op met uw beheerder."
)


class Throttled(Exception):  # noqa: N818 - reads as `except login_guard.Throttled`
    """Too many failed logins for this user name or address (HTTP 429), in Dutch."""

    status = 429

    def __init__(self, minutes: int) -> None:
        self.message = THROTTLED_MESSAGE.format(minutes=minutes)
        super().__init__(self.message)


def now() -> dt.datetime:
    """The clock of the throttle (tests replace it)."""
    return utcnow()


def _key(kind: str, value: str) -> str:
    # A keyed hash: the table never shows which user names were tried.
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"{kind}:{value.strip().lower()}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:64]}"


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def check(username: str, address: str | None) -> None:
    """Raise Throttled when this user name or address failed too often in the window."""
    since = now() - _window()
    limits = [(_key("user", username or ""), current_app.config["LOGIN_MAX_FAILURES_PER_USER"])]
    if address:
        limits.append((_key("addr", address), current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]))
    for key, limit in limits:
        count = db.session.scalar(
            select(func.count()).where(LoginFailure.key == key, LoginFailure.at > since)
        )
        if count >= limit:
            raise Throttled(current_app.config["LOGIN_LOCK_MINUTES"])


@transactional
def failed(username: str, address: str | None) -> None:
    """Count a refused login (wrong password, unknown user, wrong second-factor code)."""
    at = now()
    db.session.add(LoginFailure(key=_key("user", username or ""), at=at))
    if address:
        db.session.add(LoginFailure(key=_key("addr", address), at=at))
    # Old rows serve no purpose; removing them here keeps the table small without a job.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < at - 4 * _window()))


@transactional
def succeeded(username: str) -> None:
    """A successful login clears the user name's failures (not the address's)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _key("user", username)))
