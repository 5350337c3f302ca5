"""Outbox, SMTP, letters and reminders with real components (aiosmtpd, pypdf, the CLI)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    CaseStatus,
    Channel,
    ContactPreference,
    Delivery,
    Message,
    MessageStatus,
    Notice,
    NoticeKind,
    TemplateEvent,
)
from app.services.messaging import outbox, reminders
from app.services.ockto import invitations
from tests.factories import new_case
from tests.helpers import municipality, run_job, set_outbox_aside
from tests.smtp import SmtpServer, free_port

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _messages(case_id: int) -> list[Message]:
    return list(
        _db.session.scalars(select(Message).where(Message.case_id == case_id).order_by(Message.id))
    )


def test_email_reaches_a_real_smtp_server_in_house_style(app, db, smtp):
    case = new_case()
    message = outbox.queue(case, TemplateEvent.CONFIRMATION, now=T0)
    _db.session.commit()
    assert message.status == MessageStatus.PENDING
    run_job(app, "outbox", T0)
    assert len(smtp.inbox.messages) == 1
    mail = smtp.inbox.messages[0]
    assert mail["Subject"] == "Wij hebben uw aanvraag voor de Gemeentepolis ontvangen"
    assert mail["To"] == "inwoner@example.nl"
    assert "Gemeente Zwolle" in mail["From"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert f"Uw aanvraagnummer is {case.number}." in text
    assert "Beste A. van Yılmaz," in text
    assert "#c8102e" in html  # Zwolle's colour
    assert "Beste A. van Yılmaz," in html
    _db.session.expire_all()
    assert _db.session.get(Message, message.id).status == MessageStatus.SENT
    run_job(app, "outbox", T0 + dt.timedelta(minutes=5))
    assert len(smtp.inbox.messages) == 1  # never twice


def test_decision_email_carries_the_pdf_letter(app, db, smtp):
    case = new_case()
    case.decision_explanation = "Alles in orde."
    from app.models import Decision

    case.decision = Decision.GRANTED
    outbox.queue(case, TemplateEvent.DECISION_GRANTED, now=T0)
    _db.session.commit()
    run_job(app, "outbox", T0)
    mail = smtp.inbox.messages[-1]
    attachments = list(mail.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    text = PdfReader(io.BytesIO(attachments[0].get_content())).pages[0].extract_text()
    assert "ons besluit en waarom" in " ".join(text.split())  # the decision letter itself


def test_smtp_down_is_tried_again_next_run_then_delivers_exactly_once(app, db):
    set_outbox_aside()
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    try:
        case = new_case()
        message = outbox.queue(case, TemplateEvent.CONFIRMATION, now=T0)
        _db.session.commit()
        run_job(app, "outbox", T0)
        _db.session.expire_all()
        m = _db.session.get(Message, message.id)
        assert (m.status, m.attempts) == (MessageStatus.PENDING, 1)
        # A server that is down is not this email's fault: the next run tries it again.
        assert m.next_attempt_on == T0
        assert "ConnectionRefusedError" in m.last_error
        stored_id = m.email_message_id
        assert stored_id and stored_id.startswith("<") and f"gp{message.id}" in stored_id
        run_job(app, "outbox", T0 + dt.timedelta(minutes=1))
        _db.session.expire_all()
        assert _db.session.get(Message, message.id).attempts == 2
        server = SmtpServer(port).start()
        try:
            run_job(app, "outbox", T0 + dt.timedelta(minutes=2))
            run_job(app, "outbox", T0 + dt.timedelta(minutes=30))
        finally:
            server.stop()
        assert len(server.inbox.messages) == 1
        assert server.inbox.messages[0]["Message-ID"].strip() == stored_id  # fixed at the first try
        _db.session.expire_all()
        m = _db.session.get(Message, message.id)
        assert (m.status, m.attempts) == (MessageStatus.SENT, 3)
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)


def test_a_refused_recipient_backs_off_and_fails_after_24_hours_with_a_notice(app, db, smtp):
    smtp.inbox.refuse_recipients = True  # 450: the mailbox is full, the server works
    case = new_case()
    message = outbox.queue(case, TemplateEvent.CONFIRMATION, now=T0)
    _db.session.commit()
    moment = T0
    gaps = []
    while True:
        run_job(app, "outbox", moment)
        _db.session.expire_all()
        m = _db.session.get(Message, message.id)
        if m.status != MessageStatus.PENDING:
            break
        assert "SMTPRecipientsRefused" in m.last_error
        gaps.append(m.next_attempt_on - moment)
        moment = m.next_attempt_on
    assert m.status == MessageStatus.FAILED
    assert moment - T0 >= dt.timedelta(hours=24)
    assert max(gaps) == dt.timedelta(hours=1)
    assert gaps[:3] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
    ]
    notices = _db.session.scalars(
        select(Notice).where(Notice.case_id == case.id, Notice.kind == NoticeKind.MESSAGE_FAILED)
    ).all()
    assert len(notices) == 1
    assert smtp.inbox.messages == []


def test_a_refused_recipient_does_not_hold_up_the_emails_after_it(app, db, smtp):
    set_outbox_aside()
    refused = new_case(email="vol@example.nl")
    outbox.queue(refused, TemplateEvent.CONFIRMATION, now=T0)
    _db.session.commit()
    smtp.inbox.refuse_recipients = True
    run_job(app, "outbox", T0)
    smtp.inbox.refuse_recipients = False
    later = new_case(email="later@example.nl")
    outbox.queue(later, TemplateEvent.CONFIRMATION, now=T0)
    _db.session.commit()
    run_job(app, "outbox", T0 + dt.timedelta(seconds=30))  # the refused one waits its minute
    assert [m["To"] for m in smtp.inbox.messages] == ["later@example.nl"]


def test_a_mail_server_down_for_24_hours_fails_the_email_with_a_notice(app, db):
    set_outbox_aside()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    try:
        case = new_case()
        message = outbox.queue(case, TemplateEvent.CONFIRMATION, now=T0)
        _db.session.commit()
        run_job(app, "outbox", T0 + dt.timedelta(hours=23, minutes=59))
        _db.session.expire_all()
        assert _db.session.get(Message, message.id).status == MessageStatus.PENDING
        run_job(app, "outbox", T0 + dt.timedelta(hours=24))
        _db.session.expire_all()
        assert _db.session.get(Message, message.id).status == MessageStatus.FAILED
        assert (
            _db.session.scalar(
                select(func.count(Notice.id)).where(
                    Notice.case_id == case.id, Notice.kind == NoticeKind.MESSAGE_FAILED
                )
            )
            == 1
        )
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)


def test_without_smtp_settings_emails_stay_in_the_outbox_unsent(app, db):
    case = new_case()
    message = outbox.queue(case, TemplateEvent.CONFIRMATION, now=T0)
    _db.session.commit()
    assert message.status == MessageStatus.NOT_SENT
    run_job(app, "outbox", T0)
    _db.session.expire_all()
    assert _db.session.get(Message, message.id).status == MessageStatus.NOT_SENT


def test_letter_pdf_holds_address_sender_and_body(app, db):
    case = new_case(preference=ContactPreference.LETTER)
    message = outbox.queue(case, TemplateEvent.INVITATION, link="https://x.nl/s/abc", now=T0)
    _db.session.commit()
    assert (message.channel, message.status) == (Channel.LETTER, MessageStatus.TO_PRINT)
    reader = PdfReader(io.BytesIO(message.pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=1)  # A4
    text = reader.pages[0].extract_text()
    for expected in [
        "A. van Yılmaz",
        f"Teststraat {case.applicant.house_number}",
        "8011 AB ZWOLLE",
        "Gemeente Zwolle",
        "Postbus 10007",
        "Beste A. van Yılmaz,",
        "https://x.nl/s/abc",
        "Datum: 02-11-2026",
    ]:
        assert expected in text, expected


def _fonts(pdf: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_letters_keep_their_font_when_the_server_runs_from_another_directory(
    app, db, tmp_path, monkeypatch, caplog
):
    """xhtml2pdf reads only below the working directory by default: the font was lost."""
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.WARNING)
    case = new_case(preference=ContactPreference.LETTER)
    message = outbox.queue(case, TemplateEvent.INVITATION, link="https://x.nl/s/abc", now=T0)
    _db.session.commit()
    assert any("Vera" in font for font in _fonts(message.pdf)), _fonts(message.pdf)
    assert not [r for r in caplog.records if r.name.startswith("xhtml2pdf")]


def test_pdf_library_warnings_keep_their_first_line_only(app, caplog):
    """xhtml2pdf quotes the letter it renders after its warning: names and addresses."""
    caplog.set_level(logging.WARNING)
    logging.getLogger("xhtml2pdf.context").warning(
        "None of the font families 'brief' is known.\n'<body> J. de Boer, Diezerstraat 69'"
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "xhtml2pdf.context"]
    assert logged == ["None of the font families 'brief' is known."]


def test_unknown_placeholders_and_syntax_errors_are_refused_on_save(app, beheerder_client):
    from tests.conftest import csrf_token

    with app.app_context():
        from app.models import Template

        template = _db.session.scalar(
            select(Template).where(
                Template.municipality_id == municipality("0193").id,
                Template.event == TemplateEvent.REMINDER_1,
            )
        )
        template_id, before = template.id, template.email_body
    path = f"/sjablonen/edit/{template_id}"
    page = beheerder_client.get(path).get_data(as_text=True)
    assert "inwoner.naam" in page  # the placeholders are listed on the screen
    token = csrf_token(beheerder_client, path)
    response = beheerder_client.post(
        path,
        data={
            "csrf_token": token,
            "email_subject": "Herinnering",
            "email_body": "Beste {{ inwoner.naam }},\n\n{{ inwoner.iban }}",
            "letter_body": "Beste {% if %}",
        },
    )
    page = response.get_data(as_text=True)
    assert "regel 3: onbekende placeholder 'inwoner.iban'" in page
    assert "regel 1: syntaxfout" in page
    with app.app_context():
        assert _db.session.get(Template, template_id).email_body == before


def test_template_preview_renders_against_a_case(app, beheerder_client):
    with app.app_context():
        from app.models import Template

        template_id = _db.session.scalar(
            select(Template.id).where(
                Template.municipality_id == municipality("0193").id,
                Template.event == TemplateEvent.INVITATION,
            )
        )
    page = beheerder_client.get(f"/sjablonen/preview/{template_id}").get_data(as_text=True)
    assert "/inwoner/start/" in page
    assert "{{" not in page
    pdf = beheerder_client.get(f"/sjablonen/preview/{template_id}/pdf")
    assert pdf.mimetype == "application/pdf"
    assert "Ockto" in PdfReader(io.BytesIO(pdf.get_data())).pages[0].extract_text()


def test_default_templates_all_pass_the_check():
    from app.services.messaging.template_defaults import DEFAULT_TEMPLATES
    from app.services.messaging.templating import check

    for event, texts in DEFAULT_TEMPLATES.items():
        for field, text in texts.items():
            assert check(text) == [], (event, field)


def _invited_case(preference=ContactPreference.EMAIL, cbs_code="0193"):
    case = new_case(preference=preference, cbs_code=cbs_code)
    invitations.issue(case, now=T0)
    case.status = CaseStatus.INVITED
    _db.session.commit()
    return case


def _reminders(case_id: int) -> list[str]:
    return [m.dedupe_key for m in _messages(case_id) if m.dedupe_key]


def test_reminders_on_days_5_10_14_exactly_once(app, db):
    case = _invited_case()
    for day, expected in [
        (4, []),
        (5, ["reminder-1"]),
        (5, ["reminder-1"]),
        (9, ["reminder-1"]),
        (10, ["reminder-1", "reminder-2"]),
        (14, ["reminder-1", "reminder-2", "reminder-3"]),
        (20, ["reminder-1", "reminder-2", "reminder-3"]),
    ]:
        run_job(app, "reminders", T0 + dt.timedelta(days=day))
        _db.session.expire_all()
        assert _reminders(case.id) == expected, day
    events = [m.event for m in _messages(case.id)]
    assert events == [
        TemplateEvent.INVITATION,
        TemplateEvent.REMINDER_1,
        TemplateEvent.REMINDER_2,
        TemplateEvent.REMINDER_3,
    ]
    assert "/inwoner/start/" in _messages(case.id)[1].body_text


def test_the_database_picks_the_reminders_the_dutch_calendar_rule_gives(app, db):
    """The job's query and `due_reminder` agree around Dutch midnight and both DST changes."""
    sent_at = [
        dt.datetime(2026, 1, 14, 22, 59, tzinfo=dt.UTC),  # 23:59 Dutch winter time
        dt.datetime(2026, 1, 14, 23, 1, tzinfo=dt.UTC),  # 00:01 the next Dutch day
        dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC),  # the night the clocks go forward
        dt.datetime(2026, 3, 29, 21, 59, tzinfo=dt.UTC),  # 23:59 Dutch summer time
        dt.datetime(2026, 3, 29, 22, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 24, 22, 30, tzinfo=dt.UTC),  # the night the clocks go back
    ]
    sent = {}
    for moment in sent_at:
        case = new_case()
        invitations.issue(case, now=moment)
        case.status = CaseStatus.INVITED
        _db.session.flush()
        sent[case.id] = moment
    _db.session.commit()
    zwolle = municipality("0193")
    days = zwolle.reminder_days
    runs = {
        moment + dt.timedelta(days=day, hours=hours)
        for moment in sent_at
        for day in (days[0] - 1, days[0], days[1], days[-1], days[-1] + 3)
        for hours in (-1, 0, 1, 2)
    }
    for run in sorted(runs):
        picked = reminders.due_cases(zwolle.id, days, run)
        mine = {case_id: n for case_id, n in picked.items() if case_id in sent}
        rule = {
            case_id: n
            for case_id, moment in sent.items()
            if (n := reminders.due_reminder(days, moment, run))
        }
        assert mine == rule, run


def test_two_concurrent_reminder_runs_send_once(app, db):
    case = _invited_case()
    errors = []

    def run():
        try:
            with app.app_context():
                reminders.send_reminders(T0 + dt.timedelta(days=5))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _db.session.expire_all()
    assert _reminders(case.id) == ["reminder-1"]


def test_no_reminders_by_letter_when_switched_off_or_after_delivery(app, db):
    letter = _invited_case(preference=ContactPreference.LETTER)
    delivered = _invited_case()
    _db.session.add(
        Delivery(case=delivered, delivery_key="lev-1", completed_on=T0, complete=True, payload={})
    )
    _db.session.commit()
    hillegom_case = _invited_case(cbs_code="0534")
    hillegom = municipality("0534")
    hillegom.reminders_enabled = False
    _db.session.commit()
    try:
        run_job(app, "reminders", T0 + dt.timedelta(days=14))
        _db.session.expire_all()
        assert _reminders(letter.id) == []
        assert _reminders(delivered.id) == []
        assert _reminders(hillegom_case.id) == []
    finally:
        municipality("0534").reminders_enabled = True
        _db.session.commit()


def test_no_reminders_after_a_decision_or_abort(app, db):
    decided = _invited_case()
    decided.status = CaseStatus.DECIDED
    aborted = _invited_case()
    aborted.status = CaseStatus.ABORTED
    _db.session.commit()
    run_job(app, "reminders", T0 + dt.timedelta(days=14))
    _db.session.expire_all()
    assert _reminders(decided.id) == [] and _reminders(aborted.id) == []


def test_print_batch_downloads_unprinted_letters_and_marks_them(app, beheerder_client):
    from tests.conftest import csrf_token

    with app.app_context():
        case = new_case(preference=ContactPreference.LETTER)
        outbox.queue(case, TemplateEvent.INVITATION, link="https://x.nl/a", now=T0)
        _db.session.commit()
        own = [
            m.id for m in outbox.unprinted_letters(_admin()) if m.municipality.cbs_code == "0193"
        ]
        foreign = [
            m.id for m in outbox.unprinted_letters(_admin()) if m.municipality.cbs_code != "0193"
        ]
    assert own and foreign
    page = beheerder_client.get("/printbatch/").get_data(as_text=True)
    assert f"{len(own)} brie" in page
    ids = ",".join(map(str, own + foreign))
    pdf = beheerder_client.get(f"/printbatch/pdf?ids={ids}")
    assert pdf.mimetype == "application/pdf"
    with app.app_context():
        # A beschikking may run over two pages: count the pages of the own letters.
        pages = sum(len(PdfReader(io.BytesIO(_db.session.get(Message, i).pdf)).pages) for i in own)
    assert len(PdfReader(io.BytesIO(pdf.get_data())).pages) == pages
    token = csrf_token(beheerder_client, "/printbatch/")
    beheerder_client.post("/printbatch/printed", data={"csrf_token": token, "ids": ids})
    with app.app_context():
        statuses = {
            m.id: m.status
            for m in _db.session.scalars(select(Message).where(Message.id.in_(own + foreign)))
        }
        assert all(statuses[i] == MessageStatus.PRINTED for i in own)
        assert all(statuses[i] == MessageStatus.TO_PRINT for i in foreign)
        assert (
            _db.session.scalar(
                select(func.count(Message.id)).where(
                    Message.id.in_(own), Message.printed_on.is_(None)
                )
            )
            == 0
        )


def _admin():
    from app.models import User

    return _db.session.scalar(select(User).where(User.username == "admin"))


def test_scheduler_runs_every_job_coalescing_with_an_hour_of_grace(app):
    from app.jobs import JOBS, start_scheduler

    scheduler = start_scheduler(app, paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == set(JOBS) >= {"outbox", "reminders"}
        for job in jobs.values():
            assert job.coalesce is True
            assert job.misfire_grace_time == 3600
            assert job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)


def test_jobs_list_and_unknown_job_on_the_cli(app):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "outbox" in listing and "reminders" in listing
    result = runner.invoke(args=["jobs", "run", "bestaat-niet"])
    assert result.exit_code != 0
    assert "Onbekende taak" in result.output


def test_stored_letter_pdf_is_served_only_within_the_organisation(app, beheerder_client):
    with app.app_context():
        zwolle_letter = _db.session.scalar(
            select(Message.id).where(
                Message.channel == Channel.LETTER,
                Message.municipality_id == municipality("0193").id,
            )
        )
        isd_letter = _db.session.scalar(
            select(Message.id).where(
                Message.channel == Channel.LETTER,
                Message.municipality_id != municipality("0193").id,
            )
        )
    response = beheerder_client.get(f"/berichten/pdf/{zwolle_letter}")
    assert response.mimetype == "application/pdf"
    assert beheerder_client.get(f"/berichten/pdf/{isd_letter}").status_code == 404


def test_no_link_in_a_default_email_or_letter_is_followed_by_punctuation(app, db):
    from app.services.messaging import templating
    from app.services.messaging.template_defaults import DEFAULT_TEMPLATES

    for event, texts in DEFAULT_TEMPLATES.items():
        for name, text in texts.items():
            assert not templating.link_problems(text), (event, name)


def test_a_template_with_punctuation_after_the_link_is_refused_naming_the_line(app, db):
    from app.services.messaging import templating

    problems = templating.check("Beste {{ inwoner.naam }},\n\nUpload via {{ link }}.")
    assert [p.line for p in problems] == [3] and "eigen regel" in problems[0].message
    assert templating.check("Upload via:\n{{ link }}\n") == []
