"""Login security: failed attempts for throttling, server-side sessions, recovery codes."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .types import TZDateTime, utcnow


class LoginFailure(Model):
    """One refused login; keyed by a keyed hash of the user name or the address, never plain."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<hmac>" or "addr:<hmac>"
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)

    def __str__(self) -> str:
        return f"{self.key[:5]} {self.at:%Y-%m-%d %H:%M}"


class UserSession(Model):
    """A logged-in browser session; the cookie carries only its random id, we keep its hash."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    ended_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    # logout | idle | absolute | reset
    end_reason: Mapped[str | None] = mapped_column(String(20))

    def __str__(self) -> str:
        return f"sessie {self.id}"


class RecoveryCode(Model):
    """A one-time code that replaces the authenticator app once; stored as a keyed hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    def __str__(self) -> str:
        return f"herstelcode {self.id}"
