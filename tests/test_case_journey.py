"""A case from INVITED to a sent beschikking through the REST API alone (and the resident)."""

from __future__ import annotations

import io
import threading

from sqlalchemy import select

from app.models import Case, CaseStatus, Message, TemplateEvent
from tests.conftest import api_token, bearer, csrf_token, login
from tests.factories import invited_case
from tests.helpers import delivery, journey
from tests.helpers import post_delivery as post

PDF = b"%PDF-1.4\n%%EOF\n"


def test_from_invited_to_a_sent_beschikking_over_rest(app, db, client):
    case, token = invited_case(partner=True)
    assert post(client, delivery(token, case, case.partner.bsn)).status_code == 201
    api = app.test_client()
    auth = bearer(api_token(api, "medewerker.zwolle"))
    advice = api.get(f"/api/v1/case/{case.id}/advice", headers=auth).get_json()
    assert advice["advies"] == "GRANT"
    asked = api.post(f"/api/v1/case/{case.id}/request-info", headers=auth,
                     json={"omschrijving": "Uw huurcontract.", "termijn": None})  # fmt: skip
    assert asked.get_json()["status"] == "INFO_REQUESTED"
    db.session.expire_all()
    request_ = db.session.get(Case, case.id).information_requests[0]
    page = f"/inwoner/upload/{request_.token}"
    uploaded = client.post(
        page,
        data={"csrf_token": csrf_token(client, page), "bestanden": [(io.BytesIO(PDF), "huur.pdf")]},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200
    held = api.post(f"/api/v1/case/{case.id}/hold", headers=auth, json={"reden": "Overleg"})
    assert held.get_json()["status"] == "ON_HOLD"
    released = api.post(f"/api/v1/case/{case.id}/release", headers=auth)
    assert released.get_json()["status"] == "DATA_RECEIVED"
    decided = api.post(f"/api/v1/case/{case.id}/decide", headers=auth, json={"besluit": "GRANTED"})
    assert decided.get_json() == {"zaak_id": case.id, "status": "DECIDED"}
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    actions = [e.action for e in reversed(case.events)]
    for step in ["delivery", "request_info", "info_received", "hold", "release", "decide"]:
        assert step in actions, actions
    letter = db.session.scalar(
        select(Message).where(
            Message.case_id == case.id, Message.event == TemplateEvent.DECISION_GRANTED
        )
    )
    assert letter is not None and letter.pdf.startswith(b"%PDF")


def test_concurrent_decide_and_abort_cannot_both_succeed(app, db, client):
    case, token = invited_case()
    assert post(client, delivery(token, case)).status_code == 201
    tokens = {u: api_token(app.test_client(), u) for u in ("medewerker.zwolle", "beheerder.zwolle")}
    results: list = []
    barrier = threading.Barrier(2)
    case_id = case.id

    def run(path: str, body: dict, user: str) -> None:
        with app.app_context():
            c = app.test_client()
            barrier.wait()
            try:
                results.append(c.post(path, json=body, headers=bearer(tokens[user])).status_code)
            except Exception as exc:  # reported by the assertion below
                results.append(repr(exc))

    threads = [
        threading.Thread(target=run, args=(f"/api/v1/case/{case_id}/decide",
                                           {"besluit": "GRANTED"}, "medewerker.zwolle")),
        threading.Thread(target=run, args=(f"/api/v1/case/{case_id}/abort",
                                           {"reden": "tegelijk"}, "beheerder.zwolle")),
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409], results
    db.session.expire_all()
    final = db.session.get(Case, case_id)
    assert final.status in (CaseStatus.DECIDED, CaseStatus.ABORTED)
    letters = db.session.scalars(
        select(Message).where(
            Message.case_id == case_id, Message.event == TemplateEvent.DECISION_GRANTED
        )
    ).all()
    assert len(letters) == (1 if final.status == CaseStatus.DECIDED else 0)


def test_from_invited_to_a_sent_beschikking_through_the_screens_alone(app, db, client):
    case, token = invited_case(partner=True)
    page = journey(client, token, "COUPLE")  # the resident, on the sandbox's screens
    assert page.status_code == 200
    with app.app_context():
        worker = login(app, "medewerker.zwolle")
        show = f"/zaken/show/{case.id}"
        assert 'id="advies"' in worker.get(show).get_data(as_text=True)
        worker.post(
            f"{show}/actie/request_info",
            data={"csrf_token": csrf_token(worker, show), "omschrijving": "Uw huurcontract."},
        )
    db.session.expire_all()
    request_ = db.session.get(Case, case.id).information_requests[0]
    upload = f"/inwoner/upload/{request_.token}"
    resident = client  # the same browser as the journey (the test context shares `g`)
    uploaded = resident.post(
        upload,
        data={
            "csrf_token": csrf_token(resident, upload),
            "bestanden": [(io.BytesIO(PDF), "huur.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200, uploaded.get_data(as_text=True)[-600:]
    with app.app_context():
        worker = login(app, "medewerker.zwolle")
        page = worker.get(show).get_data(as_text=True)
        assert "huur.pdf" in page and "Documenten ontvangen" in page and 'id="besluiten"' in page
        token = csrf_token(worker, show)
        asked = worker.post(
            f"{show}/besluit", data={"csrf_token": token, "besluit": "GRANTED", "stap": "verzenden"}
        ).get_data(as_text=True)
        assert 'id="bevestigen"' in asked  # asks once more before anything is sent
        sent = worker.post(
            f"{show}/besluit",
            data={"csrf_token": token, "besluit": "GRANTED", "stap": "bevestigd"},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "De beschikking is verstuurd." in sent
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.DECIDED
    actions = [e.action for e in reversed(case.events)]
    for step in ["start_page", "delivery", "request_info", "info_received", "decide"]:
        assert step in actions, actions
