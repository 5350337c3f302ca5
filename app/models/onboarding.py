"""Going live: one-time account links, system emails and a municipality's set-up checklist."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import MessageStatus, SetupStep
from .organisation import Municipality
from .types import TZDateTime, enum_column, utcnow
from .user import User


class AccountLink(Model):
    """A one-time link (72 hours) with which a new user chooses their own password."""

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is stored: the database never holds a usable link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_on: Mapped[dt.datetime] = mapped_column(TZDateTime)
    used_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __str__(self) -> str:
        return f"Activatielink voor {self.user}"


class SystemMail(Model):
    """An email to a user (not a resident): account links; sent by the outbox job."""

    __tablename__ = "system_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    # Holds the link until it is sent; then only a note remains (the link is a key).
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus), default=MessageStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    sent_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    def __str__(self) -> str:
        return self.subject


class SetupProgress(Model):
    """One done item of a municipality's set-up checklist (or one template seen)."""

    __tablename__ = "setup_progress"
    __table_args__ = (UniqueConstraint("municipality_id", "item", name="uq_setup_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    # A SetupStep code, or "TEMPLATE:<event>" for a template seen in Voorbeeld.
    item: Mapped[str] = mapped_column(String(60))
    done_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    municipality: Mapped[Municipality] = relationship()

    def __str__(self) -> str:
        step = SetupStep.parse(self.item)
        return step.label if step else self.item
