"""POST /api/v1/ockto/levering per the delivery contract, and the partner rules of seed 002."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from decimal import Decimal

import pytest
from flask_appbuilder import Model
from sqlalchemy import func, select, text

from app.demo import make_bsn
from app.extensions import db as _db
from app.models import (
    Advice,
    AuditLog,
    Case,
    CaseStatus,
    ContactPreference,
    Delivery,
    DeliveryIncome,
    DeliveryPerson,
    Invitation,
    Message,
    NoticeKind,
    RefusedRequest,
    Resident,
    TemplateEvent,
)
from app.services.cases import decisions
from app.services.inbound.signing import sign
from tests.conftest import api_token, bearer, csrf_token, login
from tests.factories import invited_case, new_case, person
from tests.helpers import DELIVERY_PATH as PATH
from tests.helpers import OCKTO_SECRET as SECRET
from tests.helpers import delivery, income, run_job
from tests.helpers import post_delivery as post


def table_counts() -> dict[str, int]:
    """Rows in every table of the schema."""
    return {
        name: _db.session.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
        for name in Model.metadata.tables
    }


def test_a_complete_delivery_is_stored_as_rows_and_moves_the_case_on(app, db, client):
    case, token = invited_case(partner=True)
    partner_bsn = case.partner.bsn
    body = delivery(token, case, partner_bsn)
    response = post(client, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"zaak_id": case.id, "status": "DATA_RECEIVED", "compleet": True}
    db.session.expire_all()
    stored = db.session.scalar(select(Delivery).where(Delivery.delivery_key == body["levering_id"]))
    assert stored.payload == body  # the raw payload is kept
    assert stored.completed_on == dt.datetime(2026, 11, 24, 18, 42, 10, tzinfo=dt.UTC)
    applicant, partner = stored.persons
    assert (applicant.bsn, partner.bsn) == (case.applicant.bsn, partner_bsn)
    assert [i.amount for i in applicant.incomes] == [Decimal("1650.00"), Decimal("131.00")]
    assert isinstance(applicant.incomes[0].amount, Decimal)
    assert [a.value for a in applicant.assets] == [Decimal("-12.45"), Decimal("3100.00")]
    assert applicant.debts[0].kind.name == "STUDY_DEBT"
    assert partner.incomes[0].period.name == "FOUR_WEEKS"
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.DATA_RECEIVED
    event = case.events[0]
    assert (event.actor_name, event.from_status, event.to_status) == (
        "Ockto", CaseStatus.INVITED, CaseStatus.DATA_RECEIVED,
    )  # fmt: skip
    assert case.partner.surname == "Jansen" and not case.open_notices


def test_the_same_levering_id_again_answers_the_first_answer_and_stores_nothing(app, db, client):
    case, token = invited_case()
    body = delivery(token, case)
    first = post(client, body)
    assert first.status_code == 201
    before = table_counts()
    again = post(client, body)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert table_counts() == before


def test_a_replayed_request_is_idempotent_and_a_stale_replay_is_refused(app, db, client):
    case, token = invited_case()
    raw = json.dumps(delivery(token, case)).encode()
    header = sign(SECRET, raw)
    assert post(client, raw, header=header).status_code == 201
    before = table_counts()
    assert post(client, raw, header=header).status_code == 200  # replay within the window
    stale = sign(SECRET, raw, int(time.time()) - 301)
    assert post(client, raw, header=stale).status_code == 401
    assert table_counts() == before


def test_eight_concurrent_identical_deliveries_store_one(app, db, monkeypatch):
    # Eight posts at once reach the store at once (not two at a time, the shipped default).
    monkeypatch.setitem(app.config, "WEBHOOK_THREADS", 8)
    case, token = invited_case(partner=True)
    raw = json.dumps(delivery(token, case, case.partner.bsn)).encode()
    header = sign(SECRET, raw)
    statuses: list[int] = []
    answers: list[dict] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            PATH, data=raw, headers={"Content-Type": "application/json", "X-Signature": header}
        )
        statuses.append(response.status_code)
        answers.append(response.get_json())

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201], answers
    assert len({json.dumps(a, sort_keys=True) for a in answers}) == 1
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count(Delivery.id)).where(Delivery.case_id == case.id)) == 1
    )
    persons = db.session.scalar(
        select(func.count(DeliveryPerson.id)).join(Delivery).where(Delivery.case_id == case.id)
    )
    assert persons == 2
    deliveries_events = [e for e in db.session.get(Case, case.id).events if e.action == "delivery"]
    assert len(deliveries_events) == 1


@pytest.mark.parametrize("header", [None, "geen-handtekening", "t=123,v1=abc", "wrong-secret",
                                    "expired", "future"])  # fmt: skip
def test_bad_signatures_are_401_and_store_nothing(app, db, client, header):
    case, token = invited_case()
    raw = json.dumps(delivery(token, case)).encode()
    value = {
        "wrong-secret": lambda: sign("een-ander-geheim", raw),
        # Well outside the window, so a slow run cannot drift back into it; the exact
        # boundary of the shared check is pinned in test_intake with a fixed clock.
        "expired": lambda: sign(SECRET, raw, int(time.time()) - 360),
        "future": lambda: sign(SECRET, raw, int(time.time()) + 360),
    }.get(header, lambda: header)()
    before = table_counts()
    headers = {"Content-Type": "application/json"}
    if value is not None:
        headers["X-Signature"] = value
    response = client.post(PATH, data=raw, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["fouten"][0]["veld"] == "X-Signature"
    assert table_counts() == before


def test_a_signature_over_another_body_is_refused(app, db, client):
    case, token = invited_case()
    body = delivery(token, case)
    header = sign(SECRET, json.dumps(body).encode())
    body["personen"][0]["inkomsten"][0]["bedrag"] = "99.00"
    assert post(client, body, header=header).status_code == 401


def test_without_a_configured_secret_everything_is_503(app, db, client):
    case, token = invited_case()
    app.config["OCKTO_HMAC_SECRET"] = ""
    try:
        response = post(client, delivery(token, case))
        assert response.status_code == 503
        assert response.get_json()["fouten"]
    finally:
        app.config["OCKTO_HMAC_SECRET"] = SECRET


def test_not_json_is_400(client):
    response = post(client, b"{geen json")
    assert response.status_code == 400
    assert response.get_json() == {
        "fouten": [{"veld": None, "melding": "De body is geen geldige JSON."}]
    }


def test_every_validation_problem_is_named_with_its_path(app, db, client):
    case, token = invited_case(partner=True)
    body = delivery(token, case, case.partner.bsn)
    del body["afgerond_op"]
    applicant, partner = body["personen"]
    applicant["brp"]["geboortedatum"] = "1980-13-01"
    applicant["brp"]["kinderen"] = [{"bsn": "123456789", "geboortedatum": "2014-03-02"}]
    applicant["inkomsten"][0]["bedrag"] = 1650.0  # a JSON number
    applicant["inkomsten"][1]["bedrag"] = "131,00"  # a decimal comma
    applicant["inkomsten"].append(income("vakantiebaan", "1.234", "dag", "ruw"))
    applicant["inkomsten"][0]["inclusief_vakantiegeld"] = "nee"
    applicant["vermogen"][0]["soort"] = "crypto"
    applicant["schulden"][0]["bedrag"] = "-5.00"
    partner["bsn"] = "111111111"
    partner["brp"]["achternaam"] = ""
    partner["inkomsten"][0]["tot"] = "2026-09-01"  # before its start
    before = table_counts()
    response = post(client, body)
    assert response.status_code == 422
    fields = sorted(e["veld"] for e in response.get_json()["fouten"])
    assert fields == sorted([
        "afgerond_op",
        "personen[0].brp.geboortedatum",
        "personen[0].brp.kinderen[0].bsn",
        "personen[0].inkomsten[0].bedrag",
        "personen[0].inkomsten[0].inclusief_vakantiegeld",
        "personen[0].inkomsten[1].bedrag",
        "personen[0].inkomsten[2].soort",
        "personen[0].inkomsten[2].bedrag",
        "personen[0].inkomsten[2].bruto_netto",
        "personen[0].inkomsten[2].periode",
        "personen[0].vermogen[0].soort",
        "personen[0].schulden[0].bedrag",
        "personen[1].bsn",
        "personen[1].brp.achternaam",
        "personen[1].inkomsten[0].tot",
    ])  # fmt: skip
    for error in response.get_json()["fouten"]:
        assert error["melding"] and case.applicant.bsn not in error["melding"]
    after = table_counts()
    assert after.pop("refused_request") == before.pop("refused_request") + 1
    assert after == before  # a refused delivery changes no other row
    logged = db.session.scalar(select(RefusedRequest).order_by(RefusedRequest.id.desc()).limit(1))
    assert (logged.endpoint, logged.status_code, logged.reference) == (
        "ockto",
        422,
        body["levering_id"],
    )
    assert logged.municipality_id == case.municipality_id
    assert case.applicant.bsn not in logged.reason and "1650" not in logged.reason


def test_missing_parts_and_wrong_types(app, db, client):
    case, token = invited_case()
    cases = {
        "levering_id": lambda b: b.pop("levering_id"),
        "uitnodiging": lambda b: b.pop("uitnodiging"),
        "personen": lambda b: b.update(personen=[]),
        "personen[0].rol": lambda b: b["personen"][0].update(rol="kind"),
        "personen[0].brp": lambda b: b["personen"][0].pop("brp"),
        "personen[0].inkomsten": lambda b: b["personen"][0].update(inkomsten="veel"),
        "personen[0].vermogen": lambda b: b["personen"][0].pop("vermogen"),
        "personen[0].brp.partner_bron": lambda b: b["personen"][0]["brp"].update(
            partner_bsn=case.applicant.bsn[:0] or "123456782", partner_bron=None),
    }  # fmt: skip
    for path, change in cases.items():
        body = delivery(token, case)
        change(body)
        response = post(client, body)
        assert response.status_code == 422, path
        assert path in {e["veld"] for e in response.get_json()["fouten"]}, (
            path,
            response.get_json(),
        )
    body = delivery(token, case)
    body["personen"][0]["bsn"] = "123456782"  # valid, but not this invitation's applicant
    assert {e["veld"] for e in post(client, body).get_json()["fouten"]} == {"personen[0].bsn"}


def test_unknown_expired_and_closed_invitations_are_refused_with_uitnodiging(app, db, client):
    case, token = invited_case()
    body = delivery("bestaat-niet", case)
    response = post(client, body)
    assert response.status_code == 422
    assert response.get_json()["fouten"] == [
        {"veld": "uitnodiging", "melding": "Onbekende of verlopen uitnodiging."}
    ]
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    invitation.expires_on = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    assert post(client, delivery(token, case)).get_json()["fouten"][0]["veld"] == "uitnodiging"
    closed, closed_token = invited_case()
    closed.status = CaseStatus.DECIDED
    db.session.commit()
    assert (
        post(client, delivery(closed_token, closed)).get_json()["fouten"][0]["veld"]
        == "uitnodiging"
    )


def test_a_partner_found_is_added_and_the_partners_open_case_is_linked_both_ways(app, db, client):
    case, token = invited_case()  # the municipality knows no partner
    partner = person("0193", "Jansen", dt.date(1982, 7, 14))
    db.session.flush()
    own = new_case()
    own.applicant = partner  # the partner's separate reassessment
    db.session.commit()
    response = post(client, delivery(token, case, partner.bsn))
    assert response.status_code == 201
    db.session.expire_all()
    case, own = db.session.get(Case, case.id), db.session.get(Case, own.id)
    assert case.partner_id == partner.id and case.partner.first_names == "Maria"
    assert case.linked_case_id == own.id and own.linked_case_id == case.id
    assert not case.open_notices  # no partner was given, so nothing differs
    with app.app_context():  # the caseworker's requests get a context of their own
        client = login(app, "medewerker.zwolle")
        for this, other in ((case, own), (own, case)):
            page = client.get(f"/zaken/show/{this.id}").get_data(as_text=True)
            assert f'href="/zaken/show/{other.id}">{other.number}</a>' in page


def _invited_adults(response) -> int:
    """Zwolle's adults in status INVITED on the overview page."""
    page = response.get_data(as_text=True)
    table = page.split('data-gemeente="0193"', 1)[1]
    row = table.split('data-status="INVITED"', 1)[1]
    return int(row.split('class="text-right adults">', 1)[1].split("<", 1)[0])


def test_a_partner_found_who_did_not_deliver_joins_the_case_by_bsn(app, db, client):
    """Seed 002: the partner found in the sources is added at once, also without data."""
    case, token = invited_case()  # the municipality knows no partner
    found = person("0193", "Verbeek", dt.date(1980, 5, 5))
    db.session.flush()
    own = new_case()
    own.applicant = found  # the partner's own case in the same organisation
    db.session.commit()
    found_bsn, own_id = found.bsn, own.id
    with app.app_context():
        adults_before = _invited_adults(login(app, "medewerker.zwolle").get("/"))
    response = post(client, delivery(token, case, found_bsn, delivered=False))
    assert response.status_code == 201 and response.get_json()["compleet"] is False
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.partner.bsn == found_bsn and case.partner_source.name == "MIJNOVERHEID"
    assert case.adults_count == 2
    assert case.linked_case_id == own_id and db.session.get(Case, own_id).linked_case_id == case.id
    headers = bearer(api_token(client, "medewerker.zwolle"))
    answer = client.get(f"/api/v1/case/{case.id}", headers=headers).get_json()["result"]
    assert found_bsn in str(answer)
    with app.app_context():
        worker = login(app, "medewerker.zwolle")
        page = worker.get(f"/zaken/show/{case.id}").get_data(as_text=True)
        assert found_bsn in page and 'data-partner-bron="MIJNOVERHEID"' in page
        token = csrf_token(worker, "/zaken/zoek-bsn")
        found_page = worker.post("/zaken/zoek-bsn", data={"csrf_token": token, "bsn": found_bsn})
        assert f"/zaken/show/{case.id}" in found_page.get_data(as_text=True)
        # The overview counts the partner found as the second adult of the household.
        assert _invited_adults(worker.get("/")) == adults_before + 1


def test_an_unknown_partner_found_in_the_sources_becomes_a_resident_known_by_bsn(app, db, client):
    case, token = invited_case()
    bsn = make_bsn(random.Random(4242), set(db.session.scalars(select(Resident.bsn))))
    response = post(client, delivery(token, case, bsn, delivered=False))
    assert response.status_code == 201
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.partner.bsn == bsn and case.partner.surname == ""
    assert case.partner.municipality_id == case.municipality_id
    assert decisions.persons(case).endswith(" en uw partner")  # the letter names no blank


def test_a_different_partner_raises_a_notice_and_forces_investigate(app, db, client):
    case, token = invited_case(partner=True)
    given = case.partner.bsn
    other = person("0193", "Bakker", dt.date(1979, 1, 1)).bsn
    db.session.rollback()
    response = post(client, delivery(token, case, other))
    assert response.status_code == 201
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    stored = case.deliveries[-1]
    assert (stored.partner_mismatch, stored.found_partner_bsn, stored.given_partner_bsn) == (
        True, other, given,
    )  # fmt: skip
    assert [n.kind for n in case.open_notices] == [NoticeKind.PARTNER_MISMATCH]
    assert case.advice == Advice.INVESTIGATE
    # The household itself is uncertain: that is the advice's main (first) reason.
    assert case.advice_reasons[0]["code"] == "PARTNER_MISMATCH"


def test_incomplete_twice_with_email_preference(app, db, client, smtp):
    case, token = invited_case(partner=True)
    partner_bsn = case.partner.bsn
    run_job(app, "outbox")
    smtp.inbox.messages.clear()
    first = post(client, delivery(token, case, partner_bsn, delivered=False))
    assert first.get_json() == {"zaak_id": case.id, "status": "INVITED", "compleet": False}
    run_job(app, "outbox")
    subjects = [m["Subject"] for m in smtp.inbox.messages]
    assert len(subjects) == 1 and "partner" in subjects[0].lower(), subjects
    text_body = smtp.inbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert f"/inwoner/start/{token}" in text_body
    second = post(client, delivery(token, case, partner_bsn, delivered=False))
    assert second.get_json() == {"zaak_id": case.id, "status": "DATA_RECEIVED", "compleet": False}
    run_job(app, "outbox")
    assert len(smtp.inbox.messages) == 1  # exactly one partner reminder
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert [n.kind for n in case.open_notices] == [NoticeKind.PARTNER_DATA_INCOMPLETE]
    assert case.advice == Advice.INVESTIGATE
    assert case.advice_reasons[0]["code"] == "PARTNER_DATA_MISSING_TWICE"
    assert case.deliveries[-1].partner_missing_again is True


def test_incomplete_with_letter_preference_sends_nothing_but_raises_a_notice(app, db, client):
    case, token = invited_case(preference=ContactPreference.LETTER, partner=True)
    before = db.session.scalar(select(func.count(Message.id)).where(Message.case_id == case.id))
    response = post(client, delivery(token, case, case.partner.bsn, delivered=False))
    assert response.get_json()["compleet"] is False
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    after = db.session.scalar(select(func.count(Message.id)).where(Message.case_id == case.id))
    assert after == before
    assert [n.kind for n in case.open_notices] == [NoticeKind.PARTNER_DATA_INCOMPLETE]
    assert case.status == CaseStatus.INVITED
    # Computed on every delivery: without the partner's data it can only be "Onderzoeken".
    assert case.advice == Advice.INVESTIGATE
    assert case.advice_reasons[0]["code"] == "PARTNER_DATA_MISSING"


def test_a_delivery_stops_the_reminders(app, db, client):
    case, token = invited_case()
    assert post(client, delivery(token, case)).status_code == 201
    run_job(app, "reminders", dt.datetime.now(dt.UTC) + dt.timedelta(days=6))
    reminders = db.session.scalar(
        select(func.count(Message.id)).where(
            Message.case_id == case.id, Message.event == TemplateEvent.REMINDER_1
        )
    )
    assert reminders == 0


def test_a_delivery_while_on_hold_is_kept_and_release_returns_to_data_received(app, db, client):
    case, token = invited_case()
    case.previous_status, case.status = CaseStatus.INVITED, CaseStatus.ON_HOLD
    db.session.commit()
    assert post(client, delivery(token, case)).get_json()["status"] == "ON_HOLD"
    db.session.expire_all()
    assert db.session.get(Case, case.id).previous_status == CaseStatus.DATA_RECEIVED


def test_a_later_delivery_is_current_and_earlier_ones_stay_as_history(app, db, client):
    case, token = invited_case(partner=True)
    post(client, delivery(token, case, case.partner.bsn, delivered=False))
    later = delivery(token, case, case.partner.bsn)
    later["personen"][0]["inkomsten"] = [
        income("loon", "100.00", "week"), income("overig", "1200.00", "jaar"),
        income("zorgtoeslag", "131.00"),
    ]  # fmt: skip
    assert post(client, later).status_code == 201
    token_ = api_token(app.test_client(), "medewerker.zwolle")
    body = app.test_client().get(f"/api/v1/case/{case.id}/delivery", headers=bearer(token_))
    assert body.status_code == 200
    data = body.get_json()
    assert data["levering_id"] == later["levering_id"] and data["compleet"] is True
    applicant, partner = data["personen"]
    assert [i["per_maand"] for i in applicant["inkomsten"]] == ["433.33", "100.00", "131.00"]
    assert [i["telt_als_inkomen"] for i in applicant["inkomsten"]] == [True, True, False]
    assert partner["inkomsten"][0]["per_maand"] == "446.66"  # 412.30 x 13 / 12
    assert applicant["totalen"] == {"inkomen_per_maand": "533.33", "toeslagen_per_maand": "131.00",
                                    "vermogen": "3087.55", "schulden": "4200.00"}  # fmt: skip
    assert data["totalen"]["inkomen_per_maand"] == "979.99"
    entry = db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert (entry.action, entry.object_id, entry.username) == (
        "delivery.view", str(case.id), "medewerker.zwolle",
    )  # fmt: skip
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        page = client.get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert "Alle leveringen" in page and page.count("Bekijken</a>") == 1
    assert "€ 433,33" in page and "€ 979,99" in page


def test_the_delivery_api_is_tenant_scoped(app, db, client):
    case, token = invited_case()
    post(client, delivery(token, case))
    isd = api_token(app.test_client(), "medewerker.bollenstreek")
    response = app.test_client().get(f"/api/v1/case/{case.id}/delivery", headers=bearer(isd))
    assert response.status_code == 404
    none_yet, _ = invited_case()
    own = api_token(app.test_client(), "medewerker.zwolle")
    response = app.test_client().get(f"/api/v1/case/{none_yet.id}/delivery", headers=bearer(own))
    assert response.status_code == 404
    assert response.get_json()["fouten"][0]["melding"] == "Deze zaak heeft nog geen levering."


def test_amounts_with_more_than_two_decimals_or_numbers_are_refused(app, db, client):
    case, token = invited_case()
    for bad in [1650, "1650.001", "1.650,00", "", "12e3"]:
        body = delivery(token, case)
        body["personen"][0]["inkomsten"][0]["bedrag"] = bad
        response = post(client, body)
        assert response.status_code == 422, bad
        assert {e["veld"] for e in response.get_json()["fouten"]} == {
            "personen[0].inkomsten[0].bedrag"
        }
    assert db.session.scalar(select(func.count(DeliveryIncome.id)).join(DeliveryPerson).join(
        Delivery).where(Delivery.case_id == case.id)) == 0  # fmt: skip
