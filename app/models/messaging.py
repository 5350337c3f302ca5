"""Templates per municipality and event, and the outbox of rendered messages."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .case import Case
from .enums import Channel, MessageStatus, TemplateEvent
from .organisation import Municipality
from .types import TZDateTime, enum_column, utcnow


class Template(Model):
    """A municipality's text for one event: email subject and body, and a letter body."""

    __tablename__ = "template"
    __table_args__ = (UniqueConstraint("municipality_id", "event", name="uq_template_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    event: Mapped[TemplateEvent] = mapped_column(enum_column(TemplateEvent))
    email_subject: Mapped[str] = mapped_column(String(300))
    email_body: Mapped[str] = mapped_column(Text)
    letter_body: Mapped[str] = mapped_column(Text)
    changed_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()

    def __str__(self) -> str:
        return f"{self.event.label} ({self.municipality.name})"


class Message(Model):
    """An email or letter rendered and stored on a case, sent through the outbox."""

    __tablename__ = "message"
    __table_args__ = (UniqueConstraint("case_id", "dedupe_key", name="uq_message_dedupe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    event: Mapped[TemplateEvent] = mapped_column(enum_column(TemplateEvent))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    # Makes a job's second run a no-op, e.g. "reminder-1"; null for messages that may repeat.
    dedupe_key: Mapped[str | None] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus), default=MessageStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The email's Message-ID header, fixed at the first try: a resend after a crash is the
    # same email (mail systems show it once), never a second one.
    email_message_id: Mapped[str | None] = mapped_column(String(250))
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    sent_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    printed_on: Mapped[dt.datetime | None] = mapped_column(TZDateTime)

    case: Mapped[Case] = relationship()
    municipality: Mapped[Municipality] = relationship()

    def __str__(self) -> str:
        return f"{self.event.label} per {self.channel.label.lower()}"


class ShortLink(Model):
    """A short code for a link in a letter: typed on the short address or scanned as QR."""

    __tablename__ = "short_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 11 characters of Crockford's base32: 55 bits, so guessing is hopeless under the
    # rate limit; stored without dashes, in capitals.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    # The path the code leads to, e.g. /inwoner/start/<token> (never an outside address).
    target: Mapped[str] = mapped_column(String(300))
    created_on: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)

    def __str__(self) -> str:
        return f"Code {self.code}"
