"""Every error of the REST API in the contract's shape and in Dutch; no input reaches a 500.

The fuzzer (test_api_fuzz.py) found these; each is pinned here with a plain request.
"""

from __future__ import annotations

import datetime as dt

from flask_jwt_extended import create_access_token
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Memo, User
from tests.conftest import ADMIN_PASSWORD, api_token, bearer, csrf_token
from tests.helpers import cases_of, municipality


def _fouten(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"fouten"}, body
    for item in body["fouten"]:
        assert set(item) == {"veld", "melding"} and item["melding"], item
    return body["fouten"]


def test_a_missing_token_answers_401_in_dutch(client):
    fouten = _fouten(client.get("/api/v1/case/"), 401)
    assert fouten[0]["melding"].startswith("Log in: stuur 'Authorization: Bearer")


def test_a_malformed_token_answers_401_never_422(client):
    response = client.get("/api/v1/case/", headers={"Authorization": "Bearer xyz"})
    assert _fouten(response, 401)[0]["melding"] == "Het token klopt niet. Log opnieuw in."


def test_an_expired_token_answers_401(app, client):
    with app.app_context():
        user_id = _db.session.scalar(select(User.id).where(User.username == "beheerder.zwolle"))
        token = create_access_token(str(user_id), expires_delta=dt.timedelta(seconds=-1))
    fouten = _fouten(client.get("/api/v1/case/", headers=bearer(token)), 401)
    assert "verlopen" in fouten[0]["melding"]


def test_refresh_with_an_access_token_answers_401(client):
    token = api_token(client, "beheerder.zwolle")
    _fouten(client.post("/api/v1/security/refresh", headers=bearer(token)), 401)


def test_fab_refusals_speak_the_contract(client):
    medewerker = bearer(api_token(client, "medewerker.zwolle"))
    fouten = _fouten(client.get("/api/v1/audit/", headers=medewerker), 403)
    assert fouten == [{"veld": None, "melding": "U heeft geen recht op deze handeling."}]
    fouten = _fouten(client.get("/api/v1/memo/999999", headers=medewerker), 404)
    assert fouten[0]["melding"].startswith("Niet gevonden")


def test_marshmallow_problems_are_dutch_and_name_their_field(client):
    admin = bearer(api_token(client, "admin", ADMIN_PASSWORD))
    fouten = _fouten(client.post("/api/v1/national_norm/", json={}, headers=admin), 422)
    assert {"veld": "valid_from", "melding": "Dit veld is verplicht."} in fouten
    fouten = _fouten(client.post("/api/v1/national_norm/", json={"onzin": 1}, headers=admin), 422)
    assert {"veld": "onzin", "melding": "Dit veld bestaat niet."} in fouten


def test_an_unreadable_or_out_of_range_q_is_a_400_naming_q(client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    for q, melding in (
        ("(((", "De parameter q is geen geldige rison of JSON."),  # the parser recursed: 500
        ("(page:99999999999999999999)", "Een getal in de parameter q is te groot."),
        ("(page:-3)", "page en page_size zijn 0 of groter."),  # negative OFFSET on PostgreSQL
        ("(order_column:onbekend,order_direction:asc)", None),
    ):
        fouten = _fouten(client.get(f"/api/v1/case/?q={q}", headers=headers), 400)
        assert fouten[0]["veld"] == "q"
        assert melding is None or fouten[0]["melding"] == melding


def test_an_id_no_integer_column_holds_is_a_404_on_api_and_screen(client, beheerder_client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    for url in ("/api/v1/case/99999999999999999999", "/api/v1/memo/abc", "/api/v1/case/0"):
        _fouten(client.get(url, headers=headers), 404)
    response = beheerder_client.get("/zaken/show/99999999999999999999")
    assert response.status_code == 404
    assert "bestaat niet" in response.get_data(as_text=True)
    memo = client.post(
        "/api/v1/memo/", json={"case_id": 2**70, "text": "x"}, headers=headers
    )  # the service's own lookup refuses it too, not the database
    _fouten(memo, 404)


def test_text_with_a_nul_character_is_refused_and_nothing_is_stored(app, client, beheerder_client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    with app.app_context():
        case_id = cases_of("0193")[0].id
        before = _db.session.scalar(select(Memo.id).order_by(Memo.id.desc()).limit(1))
    response = client.post(
        "/api/v1/memo/", json={"case_id": case_id, "text": "a\x00b"}, headers=headers
    )
    assert _fouten(response, 422) == [
        {"veld": "text", "melding": "Het veld 'text' bevat een NUL-teken; dat kan niet."}
    ]
    token = csrf_token(beheerder_client, f"/zaken/show/{case_id}")
    response = beheerder_client.post("/zaken/zoek-bsn", data={"csrf_token": token, "bsn": "1\x002"})
    assert response.status_code == 400
    with app.app_context():
        after = _db.session.scalar(select(Memo.id).order_by(Memo.id.desc()).limit(1))
    assert after == before


def test_the_menu_api_is_gone_and_the_spec_is_served_by_ours(app, client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    _fouten(client.get("/api/v1/menu/", headers=headers), 404)
    spec = client.get("/api/v1/_openapi", headers=headers).get_json()
    assert "/api/v1/menu/" not in spec["paths"]
    assert spec["components"]["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Fouten"
    }


def test_odd_input_found_by_the_spec_fuzzer_gets_the_contracts_errors(app, client):
    """Every item of a JSON list is type-checked; a body that is not JSON and a key that is
    not a number answer in the contract's shape (schemathesis found a 500, FAB's own
    {"message"} and an undocumented 405)."""
    from tests.helpers import delivered_case

    with app.app_context():
        case_id = delivered_case(client).id
        zwolle = municipality("0193").id
    headers = bearer(api_token(client, "beheerder.zwolle"))
    for bad in ([{}], [1], [None]):
        response = client.post(
            f"/api/v1/case/{case_id}/decide",
            json={"besluit": "GRANTED", "redenen": bad, "toelichting": ""},
            headers=headers,
        )
        assert response.status_code == 422, bad
        assert response.get_json()["fouten"][0]["veld"] == "redenen"
    response = client.put(f"/api/v1/municipality/{zwolle}", data="x", headers=headers)
    assert response.status_code == 400 and "fouten" in response.get_json()
    for body in ('"AAA"', "[null, null]", "0", "null", "false"):  # JSON, but no object
        response = client.put(f"/api/v1/municipality/{zwolle}", data=body,
                              headers={**headers, "Content-Type": "application/json"})  # fmt: skip
        assert response.status_code == 400 and "fouten" in response.get_json(), body
    for path in ("municipality/null,null", "national_norm/null,null", "organisation/abc"):
        response = client.get(f"/api/v1/{path}", headers=headers)
        assert response.status_code == 404 and "fouten" in response.get_json(), path


def test_text_that_is_not_valid_unicode_is_a_dutch_422_on_every_api_and_stores_nothing(app, client):
    """A lone surrogate made the intake's body hash fail with a 500 (UnicodeEncodeError)."""
    import json as _json

    from app.models import Case
    from app.services.inbound.signing import sign
    from tests.helpers import payload

    headers = bearer(api_token(client, "beheerder.zwolle"))
    with app.app_context():
        case_id = cases_of("0193")[0].id
        cases_before = _db.session.scalar(select(func.count(Case.id)))
        memos_before = _db.session.scalar(select(func.count(Memo.id)))
    raw = '{"case_id": CASE, "text": "a\\ud800b"}'.replace("CASE", str(case_id))
    response = client.post("/api/v1/memo/", data=raw, headers={**headers,
                           "Content-Type": "application/json"})  # fmt: skip
    assert _fouten(response, 422)[0]["veld"] == "text"
    body = payload()
    body["aanvrager"]["achternaam"] = "X"
    text = _json.dumps(body).replace('"X"', '"\\udc80"')
    for path, secret in (("/api/v1/intake/aanvraag", "test-intake-secret"),
                         ("/api/v1/ockto/levering", "test-ockto-secret")):  # fmt: skip
        signed = {"Content-Type": "application/json",
                  "X-Signature": sign(secret, text.encode())}  # fmt: skip
        response = client.post(path, data=text.encode(), headers=signed)
        assert response.status_code == 422, (path, response.get_data(as_text=True))
        assert "geen geldige Unicode" in response.get_json()["fouten"][0]["melding"]
    # A correct pair (an emoji) is valid text and passes this guard.
    ok = '{"case_id": CASE, "text": "taart \\ud83c\\udf70"}'.replace("CASE", str(case_id))
    response = client.post("/api/v1/memo/", data=ok, headers={**headers,
                           "Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        assert _db.session.scalar(select(func.count(Case.id))) == cases_before
        assert _db.session.scalar(select(func.count(Memo.id))) == memos_before + 1
