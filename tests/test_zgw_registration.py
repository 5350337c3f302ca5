"""Cases registered in a real Open Zaak (issue 24): the zaak, its rol, statuses, besluit,
beschikking and resultaat; closed on a decision or an abort; nothing twice; refused
credentials shown as such and delivered once fixed."""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditLog, Case, CaseStatus, Municipality, Notice, User, ZgwEvent
from app.services.zgw import registration
from app.services.zgw import settings as zgw_settings
from app.services.zgw.client import Credentials, ZgwClient
from tests.conftest import api_token, bearer, csrf_token, login
from tests.factories import new_case
from tests.helpers import (
    delivery,
    new_bsn,
    payload,
    post_application,
    post_delivery,
    run_job,
    zgw_settings_of,
)
from tests.smtp import free_port

HILLEGOM = "0534"


@pytest.fixture()
def hillegom(app, db, openzaak):
    """Hillegom registering in Open Zaak for one test; switched off again after."""
    municipality = _db.session.scalar(select(Municipality).where(Municipality.cbs_code == HILLEGOM))
    beheerder = _db.session.scalar(select(User).where(User.username == "beheerder.bollenstreek"))
    with app.test_request_context():
        zgw_settings.save(municipality.id, zgw_settings_of(openzaak), user=beheerder)
    yield municipality
    municipality = _db.session.get(Municipality, municipality.id)
    municipality.zgw_enabled = False
    _db.session.commit()


def oz(openzaak: dict) -> ZgwClient:
    return ZgwClient(Credentials(openzaak["client_id"], openzaak["secret"]))


def zaak_of(openzaak: dict, case: Case) -> dict:
    found = oz(openzaak).get(openzaak["apis"]["zaken"] + "zaken", params={
        "identificatie": case.number, "bronorganisatie": openzaak["rsin"]})  # fmt: skip
    assert found["count"] == 1, found
    return found["results"][0]


def listed(openzaak: dict, resource: str, zaak: dict) -> list[dict]:
    found = oz(openzaak).get(openzaak["apis"]["zaken"] + resource, params={"zaak": zaak["url"]})
    return found["results"] if isinstance(found, dict) else found


def apply(client) -> Case:
    body = payload(HILLEGOM)
    body.pop("partner")
    # Open Zaak keeps its zaken between test runs: a number of this run only.
    body["aanvraagnummer"] = f"GV-T-{uuid.uuid4().hex[:12]}"
    response = post_application(client, body)
    assert response.status_code == 201, response.get_json()
    return _db.session.get(Case, response.get_json()["zaak_id"])


def later(minutes: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)


def test_an_application_to_its_decision_is_one_closed_zaak_with_everything(
    app, db, client, openzaak, hillegom
):
    case = apply(client)
    run_job(app, "zgw", later(1))
    _db.session.expire_all()
    case = _db.session.get(Case, case.id)
    zaak = zaak_of(openzaak, case)
    assert case.zgw_zaak_url == zaak["url"]
    assert {"kenmerk": case.number, "bron": "Gemeentepolis Backoffice"} in zaak["kenmerken"]
    rollen = listed(openzaak, "rollen", zaak)
    assert [r["betrokkeneIdentificatie"]["inpBsn"] for r in rollen] == [case.applicant.bsn]
    assert rollen[0]["roltype"] == openzaak["roltype_initiator"]

    token = case.invitations[0].token
    assert post_delivery(client, delivery(token, case)).status_code == 201
    caseworker = bearer(api_token(client, "medewerker.bollenstreek"))
    asked = client.post(f"/api/v1/case/{case.id}/request-info", headers=caseworker,
                        json={"omschrijving": "Stuur uw laatste loonstrook."})  # fmt: skip
    assert asked.status_code == 200, asked.get_json()
    _db.session.expire_all()
    upload_token = _db.session.get(Case, case.id).information_requests[0].token
    resident = app.test_client()
    form = resident.get(f"/inwoner/upload/{upload_token}").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    sent = resident.post(
        f"/inwoner/upload/{upload_token}",
        data={"csrf_token": csrf, "bestanden": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "loon.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code in (200, 302, 303)
    decided = client.post(f"/api/v1/case/{case.id}/decide", json={"besluit": "GRANTED"},
                          headers=bearer(api_token(client, "medewerker.bollenstreek")))  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    _db.session.expire_all()
    # Open Zaak keeps the machine's clock: the jobs run on it too (no `later`), and so
    # does the question whether this decision's Dutch date has begun in UTC.
    waits = registration.registrable_from(_db.session.get(Case, case.id).decided_on) > now()
    run_job(app, "zgw")
    run_job(app, "zgw")  # a second run creates nothing
    if waits:
        _assert_the_besluit_waits_for_utcs_midnight(openzaak, case.id, zaak)
        pytest.skip("Besloten in het uur na middernacht: het besluit wacht tot 00:00 UTC; "
                    "het sluiten van de zaak wordt buiten dat uur getoetst.")  # fmt: skip

    zaak = oz(openzaak).get(zaak["url"])
    errors = _db.session.scalars(
        select(ZgwEvent.last_error).where(ZgwEvent.case_id == case.id)
    ).all()
    assert zaak["einddatum"], ("the zaak is closed", errors)
    types = openzaak["statustypen"]
    statuses = listed(openzaak, "statussen", zaak)
    assert (
        sorted((s["datumStatusGezet"], s["statustype"]) for s in statuses)[-1][1]
        == (types["Afgehandeld"])
    )
    assert [s["statustype"] for s in sorted(statuses, key=lambda s: s["datumStatusGezet"])] == [
        types["Geregistreerd"], types["In behandeling genomen"],
        types["Aanvullende gegevens opgevraagd"], types["In behandeling genomen"],
        types["Afgehandeld"],
    ]  # fmt: skip
    documents = listed(openzaak, "zaakinformatieobjecten", zaak)
    assert len(documents) == 2  # the resident's upload and the beschikking
    result = oz(openzaak).get(zaak["resultaat"])
    assert result["resultaattype"] == openzaak["resultaattypen"]["Toegekend"]
    besluiten = oz(openzaak).get(openzaak["apis"]["besluiten"] + "besluiten",
                                 params={"zaak": zaak["url"]})  # fmt: skip
    besluiten = besluiten["results"] if isinstance(besluiten, dict) else besluiten
    assert len(besluiten) == 1 and besluiten[0]["besluittype"] == openzaak["besluittype"]
    linked = oz(openzaak).get(openzaak["apis"]["besluiten"] + "besluitinformatieobjecten",
                              params={"besluit": besluiten[0]["url"]})  # fmt: skip
    assert len(linked) == 1
    pending = _db.session.scalars(
        select(ZgwEvent).where(ZgwEvent.case_id == case.id, ZgwEvent.delivered_on.is_(None))
    ).all()
    assert pending == []
    assert registration.state_of(_db.session.get(Case, case.id))[0] == "Geregistreerd"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _assert_the_besluit_waits_for_utcs_midnight(openzaak: dict, case_id: int, zaak: dict) -> None:
    """Nothing of the decision sent, no attempt counted, no error shown; due at UTC's midnight."""
    _db.session.expire_all()
    case = _db.session.get(Case, case_id)
    (waiting,) = _db.session.scalars(
        select(ZgwEvent).where(ZgwEvent.case_id == case_id, ZgwEvent.delivered_on.is_(None))
    ).all()
    assert waiting.kind == "DECIDED" and waiting.data == {}
    assert waiting.attempts == 0 and waiting.last_error is None
    assert waiting.next_attempt_on == registration.registrable_from(case.decided_on)
    assert registration.state_of(case) == ("Wacht op registratie", None)
    besluiten = oz(openzaak).get(openzaak["apis"]["besluiten"] + "besluiten",
                                 params={"zaak": zaak["url"]})  # fmt: skip
    besluiten = besluiten["results"] if isinstance(besluiten, dict) else besluiten
    assert besluiten == [] and not oz(openzaak).get(zaak["url"])["einddatum"]


@pytest.mark.parametrize(
    ("decided", "ready"),
    [
        # 00:30 on 3 December in the Netherlands (UTC+1): waits half an hour.
        ("2026-12-02T23:30:00+00:00", "2026-12-03T00:00:00+00:00"),
        # 00:30 on 2 July (summer time, UTC+2): waits an hour and a half.
        ("2026-07-01T22:30:00+00:00", "2026-07-02T00:00:00+00:00"),
        # 23:59:59 on 2 December, and noon: their date has begun in UTC already.
        ("2026-12-02T22:59:59+00:00", "2026-12-02T00:00:00+00:00"),
        ("2026-12-02T12:00:00+00:00", "2026-12-02T00:00:00+00:00"),
    ],
)
def test_a_besluit_is_registered_from_the_start_of_its_dutch_date_in_utc(decided, ready):
    """Open Zaak refuses a besluit dated after its own (UTC) today: it waits for that day."""
    moment = dt.datetime.fromisoformat(decided)
    assert registration.registrable_from(moment) == dt.datetime.fromisoformat(ready)


def test_a_decision_before_its_date_has_begun_in_utc_waits_without_an_error(
    app, db, client, openzaak, hillegom
):
    """At any hour: the job runs at a moment before the decision's Dutch date began in UTC."""
    case = apply(client)
    token = case.invitations[0].token
    assert post_delivery(client, delivery(token, case)).status_code == 201
    run_job(app, "zgw")
    zaak = zaak_of(openzaak, _db.session.get(Case, case.id))
    decided = client.post(f"/api/v1/case/{case.id}/decide", json={"besluit": "GRANTED"},
                          headers=bearer(api_token(client, "medewerker.bollenstreek")))  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    _db.session.expire_all()
    ready = registration.registrable_from(_db.session.get(Case, case.id).decided_on)
    # The job's clock a minute before that moment, with the event due then.
    event = _db.session.scalar(
        select(ZgwEvent).where(ZgwEvent.case_id == case.id, ZgwEvent.delivered_on.is_(None))
    )
    event.next_attempt_on = ready - dt.timedelta(minutes=2)
    _db.session.commit()
    run_job(app, "zgw", ready - dt.timedelta(minutes=1))
    _assert_the_besluit_waits_for_utcs_midnight(openzaak, case.id, zaak)
    if ready > now():
        return  # the hour after midnight: Open Zaak's today has not come yet either
    # Once that moment has come it goes, and the zaak closes.
    run_job(app, "zgw")
    _db.session.expire_all()
    assert registration.state_of(_db.session.get(Case, case.id)) == ("Geregistreerd", None)
    assert oz(openzaak).get(zaak["url"])["einddatum"]


def test_an_abort_closes_the_zaak_with_the_aborted_outcome(app, db, client, openzaak, hillegom):
    case = apply(client)
    aborted = client.post(f"/api/v1/case/{case.id}/abort", json={"reden": "Dubbele aanvraag"},
                          headers=bearer(api_token(client, "medewerker.bollenstreek")))  # fmt: skip
    assert aborted.status_code == 200
    run_job(app, "zgw", later(1))
    _db.session.expire_all()
    zaak = oz(openzaak).get(zaak_of(openzaak, _db.session.get(Case, case.id))["url"])
    assert zaak["einddatum"]
    result = oz(openzaak).get(zaak["resultaat"])
    assert result["resultaattype"] == openzaak["resultaattypen"]["Buiten behandeling"]


def test_refused_credentials_show_as_failed_and_fixing_them_delivers(
    app, db, client, openzaak, hillegom
):
    municipality = _db.session.get(Municipality, hillegom.id)
    municipality.zgw_secret = "niet-het-goede-geheim-0123456789"
    _db.session.commit()
    case = apply(client)
    run_job(app, "zgw", later(1))
    _db.session.expire_all()
    case = _db.session.get(Case, case.id)
    state, reason = registration.state_of(case)
    assert state == "Registratie mislukt" and "weigert de toegang" in reason
    assert case.zgw_zaak_url is None
    with app.app_context():
        page = login(app, "beheerder.bollenstreek").get(f"/zaken/show/{case.id}")
        shown = page.get_data(as_text=True)
    assert 'data-registratie="Registratie mislukt"' in shown and "Opnieuw proberen" in shown
    assert "niet-het-goede-geheim" not in shown
    municipality = _db.session.get(Municipality, hillegom.id)
    municipality.zgw_secret = openzaak["secret"]
    _db.session.commit()
    with app.app_context():
        beheerder = login(app, "beheerder.bollenstreek")
        path = f"/zaken/show/{case.id}"
        retried = beheerder.post(f"{path}/zaaksysteem/opnieuw",
                                 data={"csrf_token": csrf_token(beheerder, path)})  # fmt: skip
        assert retried.status_code == 302
    run_job(app, "zgw", later(1))  # due at once after "Opnieuw proberen", not after the back-off
    _db.session.expire_all()
    case = _db.session.get(Case, case.id)
    assert registration.state_of(case)[0] == "Geregistreerd"
    assert zaak_of(openzaak, case)["url"] == case.zgw_zaak_url
    logged = _db.session.scalars(
        select(AuditLog.detail).where(AuditLog.action == "case.zgw",
                                      AuditLog.object_id == str(case.id))
    ).all()  # fmt: skip
    assert logged and all(f"zaak={case.zgw_zaak_url}" in detail for detail in logged)
    every = " ".join(d or "" for d in _db.session.scalars(select(AuditLog.detail)))
    assert openzaak["secret"] not in every and "niet-het-goede-geheim" not in every


def test_turning_registration_on_registers_the_open_cases_and_their_documents(
    app, db, client, openzaak
):
    municipality = _db.session.scalar(select(Municipality).where(Municipality.cbs_code == HILLEGOM))
    municipality.zgw_enabled = False
    _db.session.commit()
    open_case = new_case(HILLEGOM, status=CaseStatus.DATA_RECEIVED)
    open_case.application_number = f"GV-T-{uuid.uuid4().hex[:12]}"
    closed = new_case(HILLEGOM, status=CaseStatus.DECIDED)
    _db.session.commit()
    beheerder = _db.session.scalar(select(User).where(User.username == "beheerder.bollenstreek"))
    try:
        with app.test_request_context():
            zgw_settings.save(municipality.id, zgw_settings_of(openzaak), user=beheerder)
        waiting = {e.case_id for e in _db.session.scalars(select(ZgwEvent))
                   if e.delivered_on is None}  # fmt: skip
        assert open_case.id in waiting and closed.id not in waiting
        uploaded = client.post(
            f"/api/v1/case/{open_case.id}/documents",
            data={"bestanden": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "loonstrook.pdf")},
            headers=bearer(api_token(client, "medewerker.bollenstreek")),
            content_type="multipart/form-data",
        )
        assert uploaded.status_code in (200, 201), uploaded.get_json()
        run_job(app, "zgw", later(1))
        _db.session.expire_all()
        case = _db.session.get(Case, open_case.id)
        zaak = zaak_of(openzaak, case)
        statuses = listed(openzaak, "statussen", zaak)
        assert {s["statustype"] for s in statuses} == {
            openzaak["statustypen"]["Geregistreerd"],
            openzaak["statustypen"]["In behandeling genomen"],
        }
        documents = listed(openzaak, "zaakinformatieobjecten", zaak)
        assert len(documents) == 1
        # Nothing more to do: a second run adds nothing.
        run_job(app, "zgw", later(2))
        assert len(listed(openzaak, "zaakinformatieobjecten", zaak)) == 1
    finally:
        municipality = _db.session.get(Municipality, municipality.id)
        municipality.zgw_enabled = False
        _db.session.commit()


def test_an_unreachable_zaaksysteem_loses_nothing_and_delivers_in_order_later(
    app, db, client, openzaak, hillegom
):
    municipality = _db.session.get(Municipality, hillegom.id)
    good_zaken = municipality.zgw_zaken_url
    municipality.zgw_zaken_url = f"http://127.0.0.1:{free_port()}/zaken/api/v1/"
    _db.session.commit()
    case = apply(client)
    aborted = client.post(f"/api/v1/case/{case.id}/abort", json={"reden": "Verhuisd"},
                          headers=bearer(api_token(client, "medewerker.bollenstreek")))  # fmt: skip
    assert aborted.status_code == 200  # the caseworker never waits for the zaaksysteem
    run_job(app, "zgw", later(1))
    _db.session.expire_all()
    state, reason = registration.state_of(_db.session.get(Case, case.id))
    assert state == "Registratie mislukt" and "niet bereikbaar" in reason
    kinds = [e.kind for e in _db.session.scalars(
        select(ZgwEvent).where(ZgwEvent.case_id == case.id).order_by(ZgwEvent.id))]  # fmt: skip
    assert kinds == ["CREATED", "STATUS", "ABORTED"]
    municipality = _db.session.get(Municipality, hillegom.id)
    municipality.zgw_zaken_url = good_zaken
    _db.session.commit()
    run_job(app, "zgw", later(10))
    _db.session.expire_all()
    case = _db.session.get(Case, case.id)
    zaak = oz(openzaak).get(zaak_of(openzaak, case)["url"])
    assert zaak["einddatum"]
    ordered = sorted(listed(openzaak, "statussen", zaak), key=lambda s: s["datumStatusGezet"])
    assert [s["statustype"] for s in ordered] == [
        openzaak["statustypen"]["Geregistreerd"],
        openzaak["statustypen"]["In behandeling genomen"],
        openzaak["statustypen"]["Afgehandeld"],
    ]


IMPORT_HEADER = ("BSN;Voorletters;Tussenvoegsel;Achternaam;Geboortedatum;Straat;Huisnummer;"
                 "Huisnummer toevoeging;Postcode;Woonplaats;E-mail;Communicatievoorkeur;"
                 "Contractnummer;Partner_BSN;Partner achternaam;Aantal kinderen")  # fmt: skip


def test_an_import_registers_its_new_cases_and_a_reimport_registers_nothing(
    app, db, client, openzaak, hillegom
):
    lines = [IMPORT_HEADER] + [
        f"{new_bsn()};A.;;Visser;01-02-1960;Hoofdstraat;{n};;2181AB;Hillegom;;;;;;0" for n in (1, 2)
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    token = api_token(client, "beheerder.bollenstreek")

    def upload() -> int:
        response = client.post(
            "/api/v1/import/reassessment",
            data={"file": (io.BytesIO(data), "heronderzoek.csv"), "gemeentecode": HILLEGOM,
                  "dry_run": "false"},
            headers=bearer(token), content_type="multipart/form-data",
        )  # fmt: skip
        assert response.status_code == 200, response.get_json()
        return _db.session.scalar(select(func.count(ZgwEvent.id)))

    before = _db.session.scalar(select(func.count(ZgwEvent.id)))
    first = upload()
    assert first == before + 2
    assert upload() == first  # nothing changed: nothing to register


def test_a_day_of_failures_is_a_notice_and_the_secret_is_in_no_log_line(
    app, db, client, openzaak, hillegom, caplog
):
    municipality = _db.session.get(Municipality, hillegom.id)
    municipality.zgw_secret = "niet-het-goede-geheim-0123456789"
    _db.session.commit()
    case = apply(client)
    with caplog.at_level(logging.DEBUG):
        run_job(app, "zgw", later(1))
        run_job(app, "zgw", later(25 * 60))
    notices = _db.session.scalars(select(Notice.message).where(Notice.case_id == case.id)).all()
    assert any(m.startswith("Registratie in het zaaksysteem mislukt") for m in notices)
    assert "niet-het-goede-geheim" not in caplog.text and openzaak["secret"] not in caplog.text
