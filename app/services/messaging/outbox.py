"""The outbox (DESIGN.md 7.2): render, store on the case, send by SMTP or print; never lose."""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...formatting import date_in_nl
from ...models import (
    Case,
    CaseKind,
    Channel,
    ContactPreference,
    Message,
    MessageStatus,
    Notice,
    NoticeKind,
    Template,
    TemplateEvent,
)
from ...models.types import utcnow
from .. import tenancy
from ..unit import transactional, unit_of_work
from . import documents, short_links, templating

log = logging.getLogger(__name__)

RETRY_FOR = dt.timedelta(hours=24)
MAX_BACKOFF = dt.timedelta(hours=1)
FIRST_BACKOFF = dt.timedelta(minutes=1)
BESCHIKKING = re.compile(r"{{\s*beschikking\s*}}")
ATTACH_PDF = {TemplateEvent.DECISION_GRANTED, TemplateEvent.DECISION_REJECTED}


class MessagingError(ValueError):
    """A message that cannot be made, with a Dutch reason."""


def smtp_configured() -> bool:
    """Whether outgoing email is set up (without it, emails stay in the outbox unsent)."""
    return bool(current_app.config.get("SMTP_HOST"))


def channel_for(case: Case) -> Channel:
    """Email for online applications and EMAIL preference with an address, else a letter."""
    if case.kind == CaseKind.APPLICATION:
        return Channel.EMAIL
    if case.contact_preference == ContactPreference.EMAIL and case.applicant.email:
        return Channel.EMAIL
    return Channel.LETTER


def template_for(case: Case, event: TemplateEvent) -> Template:
    """The municipality's template for an event."""
    template = db.session.scalar(
        select(Template).where(
            Template.municipality_id == case.municipality_id, Template.event == event
        )
    )
    if template is None:
        raise MessagingError(f"De gemeente heeft geen sjabloon voor '{event.label}'.")
    return template


def templates_for(
    municipality_id: int, events: list[TemplateEvent]
) -> dict[TemplateEvent, Template]:
    """The municipality's templates for several events at once (a job's whole run)."""
    return {
        template.event: template
        for template in db.session.scalars(
            select(Template).where(
                Template.municipality_id == municipality_id, Template.event.in_(events)
            )
        )
    }


def letter_address(case: Case) -> list[str]:
    """Name and postal address of the applicant, for the envelope window."""
    lines = case.applicant.address_lines
    return [case.applicant.full_name, *lines] if lines else []


def render_message(
    case: Case,
    event: TemplateEvent,
    channel: Channel,
    context: dict[str, Any],
    today: dt.date | None = None,
    extra: str = "",
    short_code: str | None = None,
    template: Template | None = None,
) -> documents.Rendered:
    """Render the template of `event` for `case` in house style, as email or letter.

    `extra` is text the product adds after the template's own (the beschikking's
    mandatory part), in the email and in the letter. A letter with a link carries it as
    a QR code and `short_code` to type.
    """
    template = template or template_for(case, event)
    subject = templating.render(template.email_subject, context).strip()
    municipality = case.municipality
    context = {**context, "beschikking": extra}

    def body_of(source: str) -> str:
        # The mandatory part goes where the template puts it, else at the end.
        text = templating.render(source, context)
        return text if not extra or BESCHIKKING.search(source) else f"{text}\n\n{extra}"

    if channel == Channel.EMAIL:
        body = body_of(template.email_body)
        rendered = documents.email(municipality, subject, body)
        if event in ATTACH_PDF:
            letter_body = body_of(template.letter_body)
            rendered.pdf = documents.letter_pdf(
                municipality, letter_address(case), subject, letter_body, case.number, today
            )
        return rendered
    body = body_of(template.letter_body)
    pdf = documents.letter_pdf(
        municipality, letter_address(case), subject, body, case.number, today,
        qr_link=context.get("link") or None, short_code=short_code,
    )  # fmt: skip
    return documents.Rendered(subject=subject, text=body, pdf=pdf)


def queue(
    case: Case,
    event: TemplateEvent,
    *,
    link: str = "",
    deadline: dt.date | None = None,
    request_description: str = "",
    dedupe_key: str | None = None,
    channel: Channel | None = None,
    now: dt.datetime | None = None,
    extra: str = "",
    template: Template | None = None,
    known_new: bool = False,
) -> Message | None:
    """Render and store a message in the caller's transaction; None if already queued.

    `dedupe_key` makes a second call (a second job run, a retry) a no-op, enforced by a
    unique constraint so that two concurrent runs cannot both store it. A caller that
    has just looked (`known_new`) and has the municipality's `template` at hand saves four
    round trips per message (the reminder job, a thousand a morning); it then meets a
    concurrent run's message as an IntegrityError at its commit.
    """
    now = now or utcnow()
    if (
        dedupe_key
        and not known_new
        and db.session.scalar(
            select(Message.id).where(Message.case_id == case.id, Message.dedupe_key == dedupe_key)
        )
    ):
        return None
    channel = channel or channel_for(case)
    context = templating.context_for(
        case,
        link=link,
        deadline=deadline,
        request_description=request_description,
        today=date_in_nl(now),
    )
    # A letter's link gets a short code (and a QR code): nobody types 43 characters.
    short = short_links.new(case, link) if channel == Channel.LETTER and link else None
    rendered = render_message(case, event, channel, context, date_in_nl(now), extra=extra,
                              short_code=short.code if short else None,
                              template=template)  # fmt: skip
    if channel == Channel.EMAIL:
        recipient = case.applicant.email or ""
        status = MessageStatus.PENDING if smtp_configured() else MessageStatus.NOT_SENT
    else:
        recipient = "\n".join(letter_address(case))
        status = MessageStatus.TO_PRINT
    message = Message(
        case_id=case.id,
        municipality_id=case.municipality_id,
        event=event,
        channel=channel,
        dedupe_key=dedupe_key,
        recipient=recipient,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        pdf=rendered.pdf,
        status=status,
        created_on=now,
        next_attempt_on=now if status == MessageStatus.PENDING else None,
    )
    problem = None
    if channel == Channel.EMAIL and not recipient:
        problem = "Geen e-mailadres bekend."
    if channel == Channel.LETTER and not case.applicant.address_lines:
        problem = "Geen postadres bekend."
    if problem:
        message.status = MessageStatus.FAILED
        message.last_error = problem
    if known_new:
        # No savepoint: a concurrent run that stored the same key first makes the caller's
        # unit fail at its commit (IntegrityError), with everything it wrote for this case.
        _store(message, short, case.id, event, problem, now)
        return message
    try:
        with db.session.begin_nested():
            _store(message, short, case.id, event, problem, now)
    except IntegrityError:
        return None  # a concurrent run stored the same dedupe key first
    return message


def _store(message: Message, short: Any, case_id: int, event: TemplateEvent,
           problem: str | None, now: dt.datetime) -> None:  # fmt: skip
    """Add the message, its short link and, when it cannot be sent, the case's notice."""
    db.session.add(message)
    if short is not None:
        db.session.add(short)
    if problem:
        _raise_notice(case_id, f"{event.label} kon niet worden gemaakt: {problem}", now)


def _raise_notice(case_id: int, text: str, now: dt.datetime) -> None:
    db.session.add(
        Notice(case_id=case_id, kind=NoticeKind.MESSAGE_FAILED, message=text, created_on=now)
    )


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: 1, 2, 4, ... minutes, at most one hour."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _email(message: Message) -> EmailMessage:
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = message.subject
    sender_name = message.municipality.sender_name or f"Gemeente {message.municipality.name}"
    mail["From"] = f"{sender_name} <{config['MAIL_FROM']}>"
    mail["To"] = message.recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message.email_message_id or make_msgid(idstring=f"gp{message.id}")
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    if message.pdf:
        mail.add_attachment(
            message.pdf,
            maintype="application",
            subtype="pdf",
            filename=f"{message.event.name.lower()}-{message.case_id}.pdf",
        )
    return mail


def _smtp_connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    try:
        if config["SMTP_USE_TLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _smtp_send(mail: EmailMessage) -> None:
    smtp = _smtp_connect()
    try:
        smtp.send_message(mail)
    finally:
        _smtp_close(smtp)


def _smtp_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


# Refusals of one email (its recipient, sender or content); every other error means the
# mail server cannot be used right now, whichever email is tried.
MESSAGE_REFUSALS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def send_plain(recipient: str, subject: str, body: str, sender_name: str | None = None) -> None:
    """Send one plain-text email now through the configured mail server (raises on failure)."""
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = f"{sender_name or config['APP_NAME']} <{config['MAIL_FROM']}>"
    mail["To"] = recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring="gp-system")
    mail.set_content(body)
    _smtp_send(mail)


def smtp_problem_nl(exc: BaseException) -> str:
    """A Dutch explanation of why the mail server refused or could not be reached."""
    config = current_app.config
    server = f"{config.get('SMTP_HOST')}:{config.get('SMTP_PORT')}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"De mailserver {server} weigert de inloggegevens (SMTP_USER/SMTP_PASSWORD)."
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"De mailserver {server} weigert het adres van de ontvanger."
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"De mailserver {server} weigert het afzenderadres (MAIL_FROM)."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"De mailserver {server} ondersteunt STARTTLS of inloggen niet (SMTP_USE_TLS)."
    if isinstance(exc, smtplib.SMTPException):
        return f"De mailserver {server} weigerde de e-mail ({type(exc).__name__})."
    if isinstance(exc, TimeoutError):
        return f"De mailserver {server} antwoordt niet (time-out)."
    if isinstance(exc, OSError):
        return f"De mailserver {server} is niet bereikbaar (geweigerd of onbekende naam)."
    return f"De e-mail kon niet worden verstuurd ({type(exc).__name__})."


@transactional
def _claim(message_id: int, attempts: int, now: dt.datetime) -> bool:
    """Take one message for this run and fix its Message-ID; a run that lost the race skips it."""
    lease = dt.timedelta(seconds=int(current_app.config["OUTBOX_CLAIM_SECONDS"]))
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or None
    result = db.session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.PENDING,
            Message.attempts == attempts,
            or_(Message.next_attempt_on.is_(None), Message.next_attempt_on <= now),
        )
        .values(
            attempts=attempts + 1,
            next_attempt_on=now + lease,
            # Stored before the first send, kept on every later one.
            email_message_id=func.coalesce(
                Message.email_message_id, make_msgid(idstring=f"gp{message_id}", domain=domain)
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_pending(now: dt.datetime | None = None) -> dict[str, int]:
    """The outbox job: send due emails oldest first over one connection; retry, give up after 24 h.

    When the mail server cannot be used, the run stops at the oldest email and the next
    run (a minute later) tries that one again: the backlog then drains in the order it
    was made, instead of newer emails overtaking older ones waiting in a back-off.
    """
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not smtp_configured():
        return counts
    due = db.session.execute(
        select(Message.id, Message.attempts)
        .where(
            Message.status == MessageStatus.PENDING,
            Message.channel == Channel.EMAIL,
            or_(Message.next_attempt_on.is_(None), Message.next_attempt_on <= now),
        )
        .order_by(Message.id)
    ).all()
    db.session.rollback()  # end the read: each message is its own unit of work below
    connection: list[smtplib.SMTP] = []
    try:
        for message_id, attempts in due:
            if not _claim(message_id, attempts, now):
                continue
            with unit_of_work(now=now, system=True):  # its outcome is stored at once
                server_down = _send_one(message_id, now, counts, connection)
            if server_down:
                with unit_of_work(now=now, system=True):
                    _give_up_waiting(now, counts)
                break
    finally:
        if connection:
            _smtp_close(connection[0])
    return counts


def _give_up_waiting(now: dt.datetime, counts: dict[str, int]) -> None:
    """Fail the emails that waited 24 hours behind a mail server that is down, with a notice."""
    expired = db.session.scalars(
        select(Message).where(
            Message.status == MessageStatus.PENDING,
            Message.channel == Channel.EMAIL,
            Message.created_on <= now - RETRY_FOR,
        )
    ).all()
    for message in expired:
        message.last_error = message.last_error or "De mailserver was 24 uur niet bereikbaar."
        _give_up(message, now, counts)


def _give_up(message: Message, now: dt.datetime, counts: dict[str, int]) -> None:
    """Mark an email failed after 24 hours of tries, with a notice on its case."""
    message.status = MessageStatus.FAILED
    message.next_attempt_on = None
    _raise_notice(
        message.case_id,
        f"{message.event.label} per e-mail kon na 24 uur niet worden verzonden.",
        now,
    )
    counts["failed"] += 1


def _send_one(
    message_id: int, now: dt.datetime, counts: dict[str, int], connection: list[smtplib.SMTP]
) -> bool:
    """Send one claimed message and record what happened; True when the server is unusable."""
    message = db.session.get(Message, message_id)
    try:
        if not connection:
            connection.append(_smtp_connect())
        connection[0].send_message(_email(message))
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        server_down = not isinstance(exc, MESSAGE_REFUSALS)
        if server_down and connection:
            _smtp_close(connection.pop())
        if now - message.created_on >= RETRY_FOR:
            _give_up(message, now, counts)
        else:
            # A server that is down is tried again next run, this email first; a refusal
            # of this email alone waits its back-off.
            message.next_attempt_on = now if server_down else now + backoff(message.attempts)
            counts["retry"] += 1
        log.warning("outbox: message %s not sent (%s)", message_id, message.last_error)
        return server_down
    message.status = MessageStatus.SENT
    message.sent_on = now
    message.next_attempt_on = None
    message.last_error = None
    counts["sent"] += 1
    return False


def for_case(case: Case, user: Any = None) -> list[Message]:
    """Every message of a case, newest first (the case page's outbox)."""
    stmt = tenancy.scope(select(Message), Message, user).where(Message.case_id == case.id)
    return list(db.session.scalars(stmt.order_by(Message.created_on.desc(), Message.id.desc())))


def unprinted_letters(user: Any = None) -> list[Message]:
    """Letters waiting for the print batch, in the user's municipalities."""
    stmt = tenancy.scope(
        select(Message).where(
            Message.channel == Channel.LETTER, Message.status == MessageStatus.TO_PRINT
        ),
        Message,
        user,
    ).order_by(Message.municipality_id, Message.id)
    return list(db.session.scalars(stmt))


def print_batch(message_ids: list[int], user: Any = None) -> bytes:
    """One PDF with the given unprinted letters of the user's municipalities."""
    wanted = set(message_ids)
    letters = [m for m in unprinted_letters(user) if m.id in wanted]
    if not letters:
        raise MessagingError("Er zijn geen brieven om te printen.")
    return documents.merge_pdfs([m.pdf for m in letters if m.pdf])


@transactional
def mark_printed(message_ids: list[int], user: Any = None, now: dt.datetime | None = None) -> int:
    """Mark letters of the batch as printed; answer how many changed."""
    now = now or utcnow()
    scoped = tenancy.scope(select(Message.id), Message, user).where(Message.id.in_(message_ids))
    result = db.session.execute(
        update(Message)
        .where(
            Message.id.in_(scoped.scalar_subquery()),
            Message.status == MessageStatus.TO_PRINT,
        )
        .values(status=MessageStatus.PRINTED, printed_on=now)
        .execution_options(synchronize_session=False)
    )
    from ..security import audit

    audit.object_changed("message", ",".join(map(str, sorted(message_ids)))[:60], "printed")
    return result.rowcount


def preview_case(municipality: Any) -> Case:
    """A made-up case (never stored) to show a template with realistic values."""
    from ...models import Resident

    applicant = Resident(
        bsn="000000000",
        initials="J.",
        prefix="van",
        surname="Dijk",
        email="j.vandijk@example.nl",
        street="Kerkstraat",
        house_number="12",
        house_number_suffix="A",
        postcode="1234 AB",
        city=municipality.name,
    )
    case = Case(
        kind=CaseKind.APPLICATION,
        application_number="GV-2026-000123",
        submitted_on=utcnow(),
        created_on=utcnow(),
        contact_preference=ContactPreference.EMAIL,
        decision_explanation="Uw inkomen ligt onder de grens.",
        decision_reasons=["INCOME_TOO_HIGH"],
    )
    # Plain attribute assignment: the relationships would pull the case into the session.
    case.__dict__["applicant"] = applicant
    case.__dict__["municipality"] = municipality
    return case


def preview(
    template: Template,
    now: dt.datetime | None = None,
    link: str | None = None,
    texts: dict[str, str] | None = None,
) -> documents.Rendered:
    """The template rendered against a made-up case: email (HTML and text) and letter PDF.

    `texts` replaces the saved subject and bodies (the unsaved text being edited).
    """
    now = now or utcnow()
    texts = texts or {}
    subject_text = texts.get("email_subject", template.email_subject)
    email_text = texts.get("email_body", template.email_body)
    letter_text = texts.get("letter_body", template.letter_body)
    case = preview_case(template.municipality)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    context = templating.context_for(
        case,
        template.municipality,
        link=link or f"{base}/inwoner/start/voorbeeld",
        deadline=date_in_nl(now + dt.timedelta(days=14)),
        request_description="Een kopie van uw laatste loonstrook.",
        today=date_in_nl(now),
    )
    subject = templating.render(subject_text, context).strip()
    extra = ""
    if template.event in ATTACH_PDF:
        from ..cases import decisions

        extra = decisions.preview_mandatory_text(case, template.event)
    context = {**context, "beschikking": extra}

    def body_of(source: str) -> str:
        text = templating.render(source, context)
        return text if not extra or BESCHIKKING.search(source) else f"{text}\n\n{extra}"

    rendered = documents.email(template.municipality, subject, body_of(email_text))
    rendered.pdf = documents.letter_pdf(
        template.municipality,
        letter_address(case),
        subject,
        body_of(letter_text),
        case.number,
        date_in_nl(now),
    )
    return rendered
