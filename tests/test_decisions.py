"""Deciding a case and its lawful beschikking: by email with the PDF, or into the print batch."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import select

from app.models import (
    Case,
    CaseStatus,
    Channel,
    ContactPreference,
    Message,
    MessageStatus,
    Template,
    TemplateEvent,
    User,
)
from tests.conftest import api_token, bearer, csrf_token, login
from tests.helpers import delivered_case, run_job


def decide(app, case_id: int, body: dict, user: str = "medewerker.zwolle"):
    token = api_token(app.test_client(), user)
    return app.test_client().post(
        f"/api/v1/case/{case_id}/decide", json=body, headers=bearer(token)
    )


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def beschikking(db, case_id: int) -> Message:
    return db.session.scalar(
        select(Message).where(
            Message.case_id == case_id,
            Message.event.in_([TemplateEvent.DECISION_GRANTED, TemplateEvent.DECISION_REJECTED]),
        )
    )


def test_a_grant_sends_a_lawful_beschikking_by_email_with_the_pdf(app, db, client, smtp):
    case = delivered_case(client)
    response = decide(app, case.id, {"besluit": "GRANTED"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "DECIDED"
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.decided_on is not None and case.decided_by_id is not None
    message = beschikking(db, case.id)
    assert message.channel == Channel.EMAIL
    text = " ".join(pdf_text(message.pdf).split())
    assert case.number in text and "toegekend" in text
    assert case.applicant.full_name in text and case.partner.full_name in text  # both covered
    assert "€ 2.096,66" in text and "€ 2.472,63" in text and "€ 2.002,13" in text
    assert "€ 3.087,55" in text and "€ 16.000,00" in text
    assert "tot en met 31-12-" in text
    assert "binnen zes weken" in text and "bezwaar" in text and "Postbus 10007" in text
    assert "college van burgemeester en wethouders van de gemeente Zwolle" in text
    run_job(app, "outbox")
    (mail,) = [
        m for m in smtp.inbox.messages
        if m["To"] == case.applicant.email and m["Subject"].startswith("Besluit")
    ]  # fmt: skip
    attachments = [p for p in mail.iter_attachments()]
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert "binnen zes weken" in " ".join(pdf_text(attachments[0].get_content()).split())
    assert case.events[0].action == "decide"


def test_a_rejection_by_letter_goes_into_the_print_batch_with_its_grounds(app, db, client):
    case = delivered_case(client, partner=False)
    case.contact_preference = ContactPreference.LETTER
    db.session.commit()
    response = decide(
        app, case.id, {"besluit": "REJECTED", "redenen": ["INCOME_TOO_HIGH"],
                       "toelichting": "Besproken aan de telefoon."},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    message = beschikking(db, case.id)
    assert (message.channel, message.status) == (Channel.LETTER, MessageStatus.TO_PRINT)
    text = " ".join(pdf_text(message.pdf).split())
    assert "afgewezen" in text and "Uw inkomen is hoger dan de inkomensgrens." in text
    assert "Besproken aan de telefoon." in text and "binnen zes weken" in text


def test_bad_decisions_are_refused_per_field_and_change_nothing(app, db, client):
    case = delivered_case(client)
    response = decide(app, case.id, {"besluit": "REJECTED"})
    assert response.status_code == 422
    assert response.get_json()["fouten"] == [
        {"veld": "redenen", "melding": "Geef bij een afwijzing de reden(en)."}
    ]
    response = decide(app, case.id, {"besluit": "REJECTED", "redenen": ["CUSTOM"]})
    assert response.get_json()["fouten"][0]["veld"] == "toelichting"
    response = decide(app, case.id, {"besluit": "MAYBE"})
    assert response.get_json()["fouten"][0]["veld"] == "besluit"
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.DATA_RECEIVED
    assert beschikking(db, case.id) is None


def test_without_the_decisions_module_deciding_is_forbidden(app, db, client):
    case = delivered_case(client, partner=False, cbs="1525")  # Teylingen
    response = decide(app, case.id, {"besluit": "GRANTED"}, user="medewerker.bollenstreek")
    assert response.status_code == 403
    assert response.get_json()["fouten"][0]["melding"] == (
        "Deze gemeente heeft de module besluiten niet."
    )


def test_a_decided_case_is_read_only(app, db, client):
    case = delivered_case(client)
    assert decide(app, case.id, {"besluit": "GRANTED"}).status_code == 200
    assert decide(app, case.id, {"besluit": "GRANTED"}).status_code == 409
    token = api_token(app.test_client(), "medewerker.zwolle")
    hold = app.test_client().post(
        f"/api/v1/case/{case.id}/hold", json={"reden": "x"}, headers=bearer(token)
    )
    assert hold.status_code == 409
    with app.app_context():
        page = login(app, "medewerker.zwolle").get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert 'id="besluiten"' not in page and 'id="acties"' not in page
    assert 'name="bestanden"' not in page


def test_the_screen_previews_the_beschikking_then_sends_it(app, db, client):
    case = delivered_case(client)
    with app.app_context():
        worker = login(app, "medewerker.zwolle")
        page = worker.get(f"/zaken/show/{case.id}").get_data(as_text=True)
        assert 'id="besluiten"' in page and "Akkoord en verzenden" in page
        token = csrf_token(worker, f"/zaken/show/{case.id}")
        preview = worker.post(
            f"/zaken/show/{case.id}/besluit",
            data={"csrf_token": token, "besluit": "GRANTED", "stap": "voorbeeld"},
        )
        assert preview.mimetype == "application/pdf"
        assert "binnen zes weken" in " ".join(pdf_text(preview.data).split())
        db.session.expire_all()
        assert db.session.get(Case, case.id).status == CaseStatus.DATA_RECEIVED  # only a preview
        assert beschikking(db, case.id) is None
        asked = worker.post(
            f"/zaken/show/{case.id}/besluit",
            data={"csrf_token": token, "besluit": "GRANTED", "stap": "verzenden"},
        ).get_data(as_text=True)
        # "Akkoord en verzenden" asks once more, naming the resident and the channel.
        assert 'id="bevestigen"' in asked and case.applicant.full_name in asked
        assert 'data-kanaal="EMAIL"' in asked or 'data-kanaal="LETTER"' in asked
        db.session.expire_all()
        assert db.session.get(Case, case.id).status == CaseStatus.DATA_RECEIVED
        assert beschikking(db, case.id) is None
        sent = worker.post(
            f"/zaken/show/{case.id}/besluit",
            data={"csrf_token": token, "besluit": "GRANTED", "stap": "bevestigd"},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "Besluit genomen: Toegekend. De beschikking is verstuurd." in sent
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.DECIDED
    assert beschikking(db, case.id).pdf


def test_the_mandatory_part_stands_before_the_closing_and_survives_an_edited_template(
    app, db, client
):
    case = delivered_case(client)
    assert decide(app, case.id, {"besluit": "GRANTED"}).status_code == 200
    text = " ".join(pdf_text(beschikking(db, case.id).pdf).split())
    assert text.index("Bezwaar maken") < text.index("Met vriendelijke groet")
    template = db.session.scalar(
        select(Template).where(
            Template.municipality_id == case.municipality_id,
            Template.event == TemplateEvent.DECISION_GRANTED,
        )
    )
    saved = (template.letter_body, template.email_body)
    template.letter_body = template.email_body = "Beste {{ inwoner.naam }},\n\nKort en goed."
    db.session.commit()
    try:
        other = delivered_case(client)
        assert decide(app, other.id, {"besluit": "GRANTED"}).status_code == 200
        text = " ".join(pdf_text(beschikking(db, other.id).pdf).split())
        assert "Kort en goed." in text and "binnen zes weken" in text and "€ 2.472,63" in text
    finally:
        template.letter_body, template.email_body = saved
        db.session.commit()


def test_a_sent_beschikking_names_its_legal_basis_mandate_official_grant_and_duty_to_report(
    app, db, client
):
    case = delivered_case(client)
    response = decide(app, case.id, {"besluit": "GRANTED"})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    text = " ".join(pdf_text(beschikking(db, case.id).pdf).split())
    zwolle = case.municipality
    assert "artikel 35 van de Participatiewet" in text
    assert zwolle.legal_basis_regulation in text  # the municipality's regulation
    assert "namens het college van burgemeester en wethouders van de gemeente Zwolle" in text
    worker = db.session.scalar(select(User).where(User.username == "medewerker.zwolle"))
    assert f"{worker.first_name} {worker.last_name}" in text  # the official who decided
    assert "rechtstreeks aan uw zorgverzekeraar" in text  # what is granted and how
    assert "Wijzigingen doorgeven" in text and "artikel 17 van de Participatiewet" in text
    assert "binnen zes weken" in text
    # The calculation is explained, not only shown.
    assert "108 procent" in text or "95 procent" in text
    assert text.count("toegekend") == 1  # the outcome is said once in the mandatory part


def test_sending_is_refused_in_dutch_while_a_part_of_the_beschikking_is_empty(app, db, client):
    case = delivered_case(client)
    zwolle = case.municipality
    kept = zwolle.duty_to_report_text
    zwolle.duty_to_report_text = ""
    db.session.commit()
    try:
        response = decide(app, case.id, {"besluit": "GRANTED"})
    finally:
        zwolle = db.session.get(type(zwolle), zwolle.id)
        zwolle.duty_to_report_text = kept
        db.session.commit()
    assert response.status_code == 409
    assert "Inlichtingenplicht" in response.get_json()["fouten"][0]["melding"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.DATA_RECEIVED
    assert beschikking(db, case.id) is None


def test_the_officials_own_function_is_named_under_the_beschikking(app, db, client):
    case = delivered_case(client)
    worker = db.session.scalar(select(User).where(User.username == "medewerker.zwolle"))
    kept = worker.job_title
    worker.job_title = "consulent inkomensondersteuning"
    db.session.commit()
    try:
        assert decide(app, case.id, {"besluit": "GRANTED"}).status_code == 200
    finally:
        worker = db.session.get(User, worker.id)
        worker.job_title = kept
        db.session.commit()
    text = " ".join(pdf_text(beschikking(db, case.id).pdf).split())
    assert "consulent inkomensondersteuning" in text


def test_a_beschikking_sent_after_dutch_midnight_carries_the_dutch_date(app, db, client):
    """At 00:30 on 3 December in the Netherlands it is still 2 December in UTC."""
    from app.services.cases import decisions

    case = delivered_case(client)
    worker = db.session.scalar(select(User).where(User.username == "medewerker.zwolle"))
    moment = dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC)
    with app.test_request_context():
        decisions.decide(case.id, "GRANTED", user=worker, now=moment)
    db.session.expire_all()
    text = " ".join(pdf_text(beschikking(db, case.id).pdf).split())
    assert "Datum: 03-12-2026" in text, text[:400]
    assert "02-12-2026" not in text
