"""No BSN, name or email in URLs, server logs or error answers, whatever the flow."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Case
from tests.conftest import DEMO_PASSWORD, api_token, bearer, csrf_token
from tests.helpers import payload
from tests.helpers import post_application as post


def test_flows_with_known_bsns_leave_them_out_of_urls_and_logs(app, beheerder_client, caplog):
    caplog.set_level(logging.DEBUG)
    body = payload("0193")
    secrets = {
        body["aanvrager"]["bsn"],
        body["partner"]["bsn"],
        body["kinderen"][0]["bsn"],
        body["aanvrager"]["email"],
    }
    urls: list[str] = []

    def visit(response, url):
        urls.append(url)
        urls.append(response.headers.get("Location") or "")
        text = response.get_data(as_text=True)
        if response.status_code >= 400:
            for secret in secrets:
                assert secret not in text, (url, response.status_code)
        return response

    client = app.test_client()
    created = visit(post(client, body), "/api/v1/intake/aanvraag")
    assert created.status_code in (200, 201), created.get_data(as_text=True)
    bad = payload("0193", applicant_bsn=body["aanvrager"]["bsn"][:-1] + "0")
    secrets.add(bad["aanvrager"]["bsn"])
    visit(post(client, bad), "/api/v1/intake/aanvraag")  # refused: invalid BSN or conflict
    unsigned = client.post("/api/v1/intake/aanvraag", json=body)
    visit(unsigned, "/api/v1/intake/aanvraag")

    with app.app_context():
        case_id = _db.session.scalar(
            select(Case.id).where(Case.application_number == body["aanvraagnummer"])
        )
    token = csrf_token(beheerder_client, "/zaken/zoek-bsn")
    search = beheerder_client.post(
        "/zaken/zoek-bsn", data={"bsn": body["aanvrager"]["bsn"], "csrf_token": token}
    )
    visit(search, "/zaken/zoek-bsn")
    assert f"/zaken/show/{case_id}" in search.get_data(as_text=True)
    for url in (f"/zaken/show/{case_id}", "/zaken/list/", "/zaken/export/csv", "/zaken/show/0"):
        visit(beheerder_client.get(url), url)
    api = api_token(app.test_client(), "beheerder.zwolle", DEMO_PASSWORD)
    for url in (f"/api/v1/case/{case_id}", "/api/v1/case/", f"/api/v1/case/{case_id}/advice"):
        visit(app.test_client().get(url, headers=bearer(api)), url)
    hold = app.test_client().post(
        f"/api/v1/case/{case_id}/hold", json={"reden": ""}, headers=bearer(api)
    )
    visit(hold, "hold")

    logged = caplog.text
    for secret in secrets:
        assert secret not in logged, "personal data in the server log"
        for url in urls:
            assert secret not in url, url
    assert caplog.records, "the flows must have logged something for the check to mean anything"


def test_a_database_error_never_quotes_the_values_of_its_statement(app, db):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from app.models import Resident

    resident = db.session.scalar(select(Resident).limit(1))
    try:
        # The same BSN twice in one municipality: refused by the database.
        db.session.execute(
            insert(Resident).values(
                municipality_id=resident.municipality_id, bsn=resident.bsn,
                initials="X.", surname="Geheimnaam",
            )
        )  # fmt: skip
        db.session.flush()
    except IntegrityError as exc:
        text = str(exc)
    else:  # pragma: no cover - the constraint is the point of the test
        raise AssertionError("the duplicate BSN was accepted")
    finally:
        db.session.rollback()
    assert "INSERT INTO resident" in text  # the statement, for the log reader
    assert resident.bsn not in text and "Geheimnaam" not in text
