"""Information requests, the resident's upload page, caseworker documents, the deadline job."""

from __future__ import annotations

import datetime as dt
import html
import io

from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    AuditLog,
    Case,
    CaseStatus,
    Document,
    InformationRequest,
    Message,
    NoticeKind,
    StoredFile,
    TemplateEvent,
)
from tests.conftest import api_token, bearer, csrf_token, login
from tests.factories import new_case
from tests.helpers import dutch_today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def html_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def case_in(db, status: CaseStatus) -> Case:
    case = new_case()
    case.status = status
    db.session.commit()
    return case


def ask(app, case_id: int, body: dict, user: str = "medewerker.zwolle"):
    token = api_token(app.test_client(), user)
    return app.test_client().post(
        f"/api/v1/case/{case_id}/request-info", json=body, headers=bearer(token)
    )


def asked(app, db) -> tuple[Case, InformationRequest]:
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    response = ask(app, case.id, {"omschrijving": "Uw laatste loonstrook van oktober."})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    request_ = db.session.scalar(
        select(InformationRequest).where(InformationRequest.case_id == case.id)
    )
    return db.session.get(Case, case.id), request_


def stored_files(app) -> set[str]:
    with app.app_context():
        return set(_db.session.scalars(select(StoredFile.key)))


def test_a_request_moves_the_case_and_sends_the_upload_link(app, db):
    case, request_ = asked(app, db)
    assert case.status == CaseStatus.INFO_REQUESTED
    assert request_.deadline == dutch_today() + dt.timedelta(days=14)  # the default term
    message = db.session.scalar(
        select(Message).where(
            Message.case_id == case.id, Message.event == TemplateEvent.INFORMATION_REQUEST
        )
    )
    assert f"/inwoner/upload/{request_.token}" in message.body_text
    assert "Uw laatste loonstrook van oktober." in message.body_text
    assert f"{request_.deadline:%d-%m-%Y}" in message.body_text
    assert case.events[0].action == "request_info"


def test_a_request_needs_a_description_and_a_future_deadline(app, db):
    case = case_in(db, CaseStatus.INVITED)
    response = ask(app, case.id, {"omschrijving": ""})
    assert response.status_code == 422
    assert response.get_json()["fouten"][0]["veld"] == "omschrijving"
    response = ask(app, case.id, {"omschrijving": "x", "termijn": "2020-01-01"})
    assert response.get_json()["fouten"] == [
        {"veld": "termijn", "melding": "Kies een datum na vandaag."}
    ]
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.INVITED
    assert db.session.scalar(select(func.count(Message.id)).where(Message.case_id == case.id)) == 0


def test_a_request_on_a_decided_case_is_refused(app, db):
    case = case_in(db, CaseStatus.DECIDED)
    response = ask(app, case.id, {"omschrijving": "x"})
    assert response.status_code == 409
    assert "Besluit genomen" in response.get_json()["fouten"][0]["melding"]


def test_the_resident_uploads_a_pdf_and_the_case_returns_to_data_received(app, db, client):
    case, request_ = asked(app, db)
    page = client.get(f"/inwoner/upload/{request_.token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Uw laatste loonstrook van oktober." in text
    assert f"uiterlijk {request_.deadline:%d-%m-%Y}" in text and 'lang="nl"' in text
    token = csrf_token(client, f"/inwoner/upload/{request_.token}")
    response = client.post(
        f"/inwoner/upload/{request_.token}",
        data={
            "csrf_token": token,
            "bestanden": [(io.BytesIO(PDF), "../../etc/loonstrook okt.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "wij hebben uw stukken ontvangen" in response.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.DATA_RECEIVED
    assert [n.kind for n in case.open_notices] == [NoticeKind.DOCUMENTS_RECEIVED]
    (document,) = case.documents
    assert document.original_name == "loonstrook okt.pdf"
    assert document.uploaded_by_resident and document.content_type == "application/pdf"
    assert document.stored_name != document.original_name
    # The link has done its work: the same page as any unknown link.
    assert client.get(f"/inwoner/upload/{request_.token}").status_code == 404


def test_bad_files_are_refused_by_content_and_nothing_is_stored(app, db, client):
    case, request_ = asked(app, db)
    before = stored_files(app)
    path = f"/inwoner/upload/{request_.token}"
    html = b"<!doctype html><script>alert(1)</script>"
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path),
              "bestanden": [(io.BytesIO(PDF), "goed.pdf"), (io.BytesIO(html), "nep.pdf")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert "'nep.pdf' is geen PDF, JPEG of PNG." in html_text(response)
    app.config["UPLOAD_MAX_MB"] = 1
    try:
        big = PNG + b"\x00" * (1024 * 1024)
        response = client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "bestanden": [(io.BytesIO(big), "foto.png")],
            },
            content_type="multipart/form-data",
        )
    finally:
        app.config["UPLOAD_MAX_MB"] = 10
    assert "'foto.png' is groter dan 1 MB." in html_text(response)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.INFO_REQUESTED
    assert (
        db.session.scalar(select(func.count(Document.id)).where(Document.case_id == case.id)) == 0
    )
    assert stored_files(app) == before


def test_a_caseworker_registers_documents_received_by_post(app, db):
    case, request_ = asked(app, db)
    token = api_token(app.test_client(), "medewerker.zwolle")
    response = app.test_client().post(
        f"/api/v1/case/{case.id}/documents",
        data={"per_post": "true", "bestanden": [(io.BytesIO(PNG), "scan.png")]},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["documenten"][0]["naam"] == "scan.png"
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.DATA_RECEIVED
    assert db.session.get(InformationRequest, request_.id).fulfilled_on is not None
    again = app.test_client().post(
        f"/api/v1/case/{case.id}/documents",
        data={"per_post": "true", "bestanden": [(io.BytesIO(PNG), "scan.png")]},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    assert again.get_json()["fouten"][0]["melding"] == (
        "Er staat geen verzoek om aanvullende informatie open."
    )


def test_documents_download_as_attachment_only_within_the_organisation(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        token = csrf_token(client, f"/zaken/show/{case.id}")
        client.post(
            f"/zaken/show/{case.id}/documenten",
            data={"csrf_token": token, "bestanden": [(io.BytesIO(PDF), "bewijs.pdf")]},
            content_type="multipart/form-data",
        )
        document = db.session.scalar(select(Document).where(Document.case_id == case.id))
        response = client.get(f"/zaken/show/{case.id}/document/{document.id}")
        page = client.get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith('attachment; filename="bewijs.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "bewijs.pdf" in page
    entry = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "document")
                              .order_by(AuditLog.id.desc()).limit(1))  # fmt: skip
    assert entry.object_id == str(document.id) and entry.username == "medewerker.zwolle"
    with app.app_context():
        other = login(app, "medewerker.bollenstreek")
        assert other.get(f"/zaken/show/{case.id}/document/{document.id}").status_code == 404
    isd = api_token(app.test_client(), "medewerker.bollenstreek")
    api = app.test_client().get(
        f"/api/v1/case/{case.id}/documents/{document.id}", headers=bearer(isd)
    )
    assert api.status_code == 404


def test_the_deadline_job_raises_one_notice_per_expired_request(app, db):
    case, request_ = asked(app, db)
    moment = (request_.deadline + dt.timedelta(days=1)).isoformat() + "T06:45"
    on_the_day = request_.deadline.isoformat() + "T06:45"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["jobs", "run", "deadlines", "--now", on_the_day]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Case, case.id).open_notices == []  # the last day still counts
    for _ in range(2):
        result = runner.invoke(args=["jobs", "run", "deadlines", "--now", moment])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    kinds = [n.kind for n in db.session.get(Case, case.id).open_notices]
    assert kinds == [NoticeKind.DEADLINE_EXPIRED]
