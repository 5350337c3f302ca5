"""Working as a team (issue 23): the handler, my cases, distributing work, four eyes, signals."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    Case,
    CaseEvent,
    CaseStatus,
    FourEyes,
    Message,
    Signal,
    SignalKind,
    SystemMail,
    TemplateEvent,
    User,
)
from tests.conftest import api_token, bearer, csrf_token, login
from tests.factories import new_case
from tests.helpers import PASSWORD, delivered_case, make_user, municipality, run_job

ZWOLLE = "0193"


def call(app, path: str, user: str, body: dict | None = None, method: str = "post"):
    password = PASSWORD if user.startswith("proef") else None
    token = api_token(app.test_client(), user, *([password] if password else []))
    client = app.test_client()
    return getattr(client, method)(path, json=body or {}, headers=bearer(token))


def beschikkingen(case_id: int) -> int:
    return _db.session.scalar(
        select(func.count(Message.id)).where(
            Message.case_id == case_id,
            Message.event.in_([TemplateEvent.DECISION_GRANTED, TemplateEvent.DECISION_REJECTED]),
        )
    )


def signals_of(username: str, case_id: int) -> list[Signal]:
    user = _db.session.scalar(select(User).where(User.username == username))
    return list(
        _db.session.scalars(
            select(Signal).where(Signal.user_id == user.id, Signal.case_id == case_id)
        )
    )


@pytest.fixture()
def four_eyes(app, db):
    """Zwolle with a four-eyes setting for one test, restored afterwards."""
    zwolle = municipality(ZWOLLE)

    def set_to(value: FourEyes) -> None:
        zwolle.four_eyes = value
        _db.session.commit()

    yield set_to
    zwolle = municipality(ZWOLLE)
    zwolle.four_eyes = FourEyes.OFF
    _db.session.commit()


# --- four eyes ---------------------------------------------------------------------------


def test_with_four_eyes_on_all_a_decision_waits_and_only_another_official_sends_it(
    app, db, client, four_eyes
):
    four_eyes(FourEyes.ALL)
    case = delivered_case(client)
    decided = call(app, f"/api/v1/case/{case.id}/decide", "medewerker.zwolle",
                   {"besluit": "GRANTED"})  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "AWAITING_APPROVAL"
    assert beschikkingen(case.id) == 0

    own = call(app, f"/api/v1/case/{case.id}/approve", "medewerker.zwolle")
    assert own.status_code == 409
    assert "eigen besluit" in own.get_json()["fouten"][0]["melding"]
    assert beschikkingen(case.id) == 0

    approved = call(app, f"/api/v1/case/{case.id}/approve", "beheerder.zwolle")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "DECIDED"
    assert beschikkingen(case.id) == 1
    _db.session.expire_all()
    case = _db.session.get(Case, case.id)
    line = case.events[0]
    assert "genomen door Mehmet Doğan en goedgekeurd door Bea Heerkens" in line.description
    # The beschikking names the official who decided, not the one who approved.
    message = _db.session.scalar(select(Message).where(Message.case_id == case.id,
                                 Message.event == TemplateEvent.DECISION_GRANTED))  # fmt: skip
    assert "Mehmet Doğan" in message.body_text and "Bea Heerkens" not in message.body_text
    again = call(app, f"/api/v1/case/{case.id}/approve", "beheerder.zwolle")
    assert again.status_code == 409 and beschikkingen(case.id) == 1


def test_a_decision_sent_back_returns_to_data_received_with_the_reason_and_a_signal(
    app, db, client, four_eyes
):
    four_eyes(FourEyes.ALL)
    case = delivered_case(client)
    call(app, f"/api/v1/case/{case.id}/decide", "medewerker.zwolle",
         {"besluit": "REJECTED", "redenen": ["INCOME_TOO_HIGH"]})  # fmt: skip
    no_reason = call(app, f"/api/v1/case/{case.id}/send-back", "beheerder.zwolle", {})
    assert no_reason.status_code == 422 and no_reason.get_json()["fouten"][0]["veld"] == "reden"
    back = call(app, f"/api/v1/case/{case.id}/send-back", "beheerder.zwolle",
                {"reden": "Het vermogen is niet meegeteld."})  # fmt: skip
    assert back.status_code == 200 and back.get_json()["status"] == "DATA_RECEIVED"
    _db.session.expire_all()
    case = _db.session.get(Case, case.id)
    assert case.decision is None and case.decided_by_id is None
    assert "Het vermogen is niet meegeteld." in case.events[0].description
    sent_back = signals_of("medewerker.zwolle", case.id)
    assert [s.kind for s in sent_back] == [SignalKind.SENT_BACK]
    assert signals_of("beheerder.zwolle", case.id) == []
    assert beschikkingen(case.id) == 0


def test_with_four_eyes_on_rejections_a_grant_goes_at_once_and_a_rejection_waits(
    app, db, client, four_eyes
):
    four_eyes(FourEyes.REJECTIONS)
    granted, rejected = delivered_case(client), delivered_case(client)
    first = call(app, f"/api/v1/case/{granted.id}/decide", "medewerker.zwolle",
                 {"besluit": "GRANTED"})  # fmt: skip
    assert first.get_json()["status"] == "DECIDED" and beschikkingen(granted.id) == 1
    second = call(app, f"/api/v1/case/{rejected.id}/decide", "medewerker.zwolle",
                  {"besluit": "REJECTED", "redenen": ["ASSETS_TOO_HIGH"]})  # fmt: skip
    assert second.get_json()["status"] == "AWAITING_APPROVAL" and beschikkingen(rejected.id) == 0


def test_a_waiting_decision_cannot_be_changed_only_previewed(app, db, client, four_eyes):
    four_eyes(FourEyes.ALL)
    case = delivered_case(client)
    call(app, f"/api/v1/case/{case.id}/decide", "medewerker.zwolle",
         {"besluit": "REJECTED", "redenen": ["INCOME_TOO_HIGH"]})  # fmt: skip
    for action, body in (("decide", {"besluit": "REJECTED", "redenen": ["CUSTOM"],
                                     "toelichting": "x"}),
                         ("hold", {"reden": "x"}), ("abort", {"reden": "x"})):  # fmt: skip
        refused = call(app, f"/api/v1/case/{case.id}/{action}", "beheerder.zwolle", body)
        assert refused.status_code == 409, action
    with app.app_context():
        page = login(app, "beheerder.zwolle")
        preview = page.get(f"/zaken/show/{case.id}/goedkeuring/voorbeeld")
        assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
        shown = page.get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert "Besluit ter goedkeuring" in shown and "Goedkeuren en verzenden" in shown
    panel = shown.split('id="ter-goedkeuring"')[1].split("</div>\n</div>")[0]
    assert "Afgewezen</strong>: Inkomen te hoog" in panel and "INCOME_TOO_HIGH" not in panel
    _db.session.expire_all()
    assert _db.session.get(Case, case.id).status == CaseStatus.AWAITING_APPROVAL


def test_two_concurrent_approvals_send_one_beschikking(app, db, client, four_eyes):
    four_eyes(FourEyes.ALL)
    case = delivered_case(client)
    call(app, f"/api/v1/case/{case.id}/decide", "medewerker.zwolle", {"besluit": "GRANTED"})
    tokens = [api_token(app.test_client(), "beheerder.zwolle") for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[int] = []
    path = f"/api/v1/case/{case.id}/approve"

    def approve(token: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(path, headers=bearer(token))
        answers.append(response.status_code)

    threads = [threading.Thread(target=approve, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409], answers
    assert beschikkingen(case.id) == 1
    approvals = _db.session.scalar(
        select(func.count(CaseEvent.id)).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "approve"
        )
    )
    assert approvals == 1


# --- the handler -------------------------------------------------------------------------


def test_a_medewerker_takes_and_releases_a_case_but_assigns_nobody_else(app, db):
    case = new_case(ZWOLLE)
    took = call(app, f"/api/v1/case/{case.id}/assign", "medewerker.zwolle",
                {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    assert took.status_code == 200 and took.get_json()["behandelaar"] == "medewerker.zwolle"
    other = call(app, f"/api/v1/case/{case.id}/assign", "medewerker.zwolle",
                 {"behandelaar": "beheerder.zwolle"})  # fmt: skip
    assert other.status_code == 403
    colleague = make_user(app)
    taken = call(app, f"/api/v1/case/{case.id}/assign", colleague, {"behandelaar": colleague})
    assert taken.status_code == 409 and "Mehmet Doğan" in taken.get_json()["fouten"][0]["melding"]
    released = call(app, f"/api/v1/case/{case.id}/assign", "medewerker.zwolle",
                    {"behandelaar": None})  # fmt: skip
    assert released.status_code == 200 and released.get_json()["behandelaar"] is None
    _db.session.expire_all()
    lines = [e.description for e in _db.session.get(Case, case.id).events if e.action == "assign"]
    assert lines == ["Behandelaar Mehmet Doğan vrijgegeven", "Behandelaar: Mehmet Doğan"]


def test_assigning_another_organisations_user_is_422_and_another_organisations_case_404(app, db):
    case = new_case(ZWOLLE)
    foreign = call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle",
                   {"behandelaar": "medewerker.bollenstreek"})  # fmt: skip
    assert foreign.status_code == 422
    assert foreign.get_json()["fouten"][0]["veld"] == "behandelaar"
    hillegom = new_case("0534")
    elsewhere = call(app, f"/api/v1/case/{hillegom.id}/assign", "beheerder.zwolle",
                     {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    assert elsewhere.status_code == 404
    _db.session.expire_all()
    assert _db.session.get(Case, case.id).handler_id is None


def test_the_case_says_its_handler_and_the_list_filters_on_it(app, db):
    case = new_case(ZWOLLE)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle",
         {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    shown = call(app, f"/api/v1/case/{case.id}", "beheerder.zwolle", method="get")
    assert shown.get_json()["result"]["behandelaar"] == "medewerker.zwolle"
    mine = call(app, "/api/v1/case/?q=(filters:!((col:behandelaar,opr:eq,value:medewerker.zwolle))"
                ",page_size:100)", "medewerker.zwolle", method="get")  # fmt: skip
    ids = {row["id"] for row in mine.get_json()["result"]}
    assert case.id in ids
    assert {row["behandelaar"] for row in mine.get_json()["result"]} == {"medewerker.zwolle"}
    nobody = call(app, "/api/v1/case/?q=(filters:!((col:behandelaar,opr:eq,value:null)),"
                  "page_size:100)", "medewerker.zwolle", method="get")  # fmt: skip
    assert case.id not in {row["id"] for row in nobody.get_json()["result"]}
    assert {row["behandelaar"] for row in nobody.get_json()["result"]} == {None}


def test_assigning_signals_the_new_handler_once_and_not_oneself(app, db):
    case = new_case(ZWOLLE)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle",
         {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    assert [s.kind for s in signals_of("medewerker.zwolle", case.id)] == [SignalKind.ASSIGNED]
    mine = new_case(ZWOLLE)
    call(app, f"/api/v1/case/{mine.id}/assign", "medewerker.zwolle",
         {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    assert signals_of("medewerker.zwolle", mine.id) == []


def _bulk_assign(app, ids: list[int], handler: str, reason: str):
    """The Beheerder's bulk-assign form, posted as the browser does."""
    with app.app_context():
        client = login(app, "beheerder.zwolle")
        token = csrf_token(client, "/zaken/bulk/toewijzen?ids=1")
        return client.post("/zaken/bulk/toewijzen", data={
            "csrf_token": token, "ids": ",".join(map(str, ids)),
            "behandelaar": handler, "reden": reason,
        }, follow_redirects=True)  # fmt: skip


def test_a_beheerder_assigns_200_cases_in_one_request_and_the_report_names_every_skip(app, db):
    cases = [new_case(ZWOLLE) for _ in range(196)]
    decided = new_case(ZWOLLE, status=CaseStatus.DECIDED)
    hillegom = new_case("0534")
    ids = [c.id for c in cases] + [decided.id, hillegom.id, 999999999]
    cases[0].handler_id = _db.session.scalar(
        select(User.id).where(User.username == "medewerker.zwolle")
    )
    _db.session.commit()
    response = _bulk_assign(app, ids, "medewerker.zwolle", "Verdeling december")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "195 zaak/zaken toegewezen; 4 overgeslagen." in page
    for skipped in (cases[0].id, decided.id, hillegom.id, 999999999):
        assert f'data-zaak="{skipped}"' in page
    _db.session.expire_all()
    assigned = _db.session.scalar(
        select(func.count(Case.id)).where(
            Case.id.in_(ids), Case.handler.has(User.username == "medewerker.zwolle")
        )
    )
    assert assigned == 196  # the 195 and the one that had this handler already
    assert _db.session.get(Case, hillegom.id).handler_id is None
    line = _db.session.scalar(
        select(CaseEvent.description).where(
            CaseEvent.case_id == cases[1].id, CaseEvent.action == "assign"
        )
    )
    assert line.endswith("Reden: Verdeling december")


def test_bulk_assigning_to_an_unknown_user_names_the_field_and_changes_nothing(app, db):
    cases = [new_case(ZWOLLE) for _ in range(3)]
    ids = [c.id for c in cases]
    response = _bulk_assign(app, ids, "niet.bestaand", "Verdeling")
    page = response.get_data(as_text=True)
    assert "Geen medewerker of beheerder van deze organisatie." in page
    assert "toegewezen;" not in page
    _db.session.expire_all()
    assert all(_db.session.get(Case, i).handler_id is None for i in ids)
    assert not _db.session.scalar(
        select(func.count(CaseEvent.id)).where(
            CaseEvent.case_id.in_(ids), CaseEvent.action == "assign"
        )
    )


def test_a_medewerker_cannot_distribute_work(app, db):
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        assert client.get("/zaken/bulk/toewijzen?ids=1").status_code in (302, 403)


# --- signals -----------------------------------------------------------------------------


def test_a_resident_upload_signals_the_handler_once_and_nobody_else(app, db):
    case = new_case(ZWOLLE, status=CaseStatus.DATA_RECEIVED)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle",
         {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    asked = call(app, f"/api/v1/case/{case.id}/request-info", "medewerker.zwolle",
                 {"omschrijving": "Stuur het bankafschrift van november."})  # fmt: skip
    assert asked.status_code == 200
    _db.session.expire_all()
    token = _db.session.get(Case, case.id).information_requests[0].token
    client = app.test_client()
    page = client.get(f"/inwoner/upload/{token}").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    import io

    sent = client.post(
        f"/inwoner/upload/{token}",
        data={"csrf_token": csrf, "bestanden": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "afschrift.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code in (200, 302, 303), sent.status_code
    uploaded = [s for s in signals_of("medewerker.zwolle", case.id)
                if s.kind == SignalKind.DOCUMENTS_UPLOADED]  # fmt: skip
    assert len(uploaded) == 1
    assert signals_of("beheerder.zwolle", case.id) == []
    everyone = _db.session.scalar(
        select(func.count(Signal.id)).where(
            Signal.case_id == case.id, Signal.kind == SignalKind.DOCUMENTS_UPLOADED
        )
    )
    assert everyone == 1


def test_own_signals_only_over_rest_and_read_once(app, db):
    case = new_case(ZWOLLE)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle",
         {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    listed = call(app, "/api/v1/signal/", "medewerker.zwolle", method="get").get_json()
    mine = [s for s in listed["result"] if s["zaak_id"] == case.id]
    assert mine and mine[0]["soort"] == "ASSIGNED" and mine[0]["gelezen"] is False
    assert set(mine[0]) == {"id", "soort", "zaak_id", "aangemaakt_op", "gelezen"}
    others = call(app, f"/api/v1/signal/{mine[0]['id']}/read", "beheerder.zwolle")
    assert others.status_code == 404
    read = call(app, f"/api/v1/signal/{mine[0]['id']}/read", "medewerker.zwolle")
    assert read.status_code == 200 and read.get_json()["gelezen"] is True
    beheerder = call(app, "/api/v1/signal/", "beheerder.zwolle", method="get").get_json()
    assert all(s["zaak_id"] != case.id for s in beheerder["result"])


def test_the_bell_counts_unread_signals_and_opening_one_reads_it(app, db):
    case = new_case(ZWOLLE)
    user = make_user(app)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle", {"behandelaar": user})
    with app.app_context():
        client = login(app, user, PASSWORD)
        page = client.get("/").get_data(as_text=True)
        assert 'aria-label="Signalen: 1 ongelezen"' in page
        assert 'id="mijn-signalen"' in page
        signal = signals_of(user, case.id)[0]
        opened = client.get(f"/signalen/{signal.id}/open")
        assert opened.status_code == 302
        assert opened.headers["Location"].endswith(f"/zaken/show/{case.id}")
        assert 'aria-label="Signalen: 0 ongelezen"' in client.get("/").get_data(as_text=True)


def test_the_daily_digest_names_only_a_count_and_goes_once_a_day(app, db):
    user = make_user(app)
    case = new_case(ZWOLLE)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle", {"behandelaar": user})
    account = _db.session.scalar(select(User).where(User.username == user))
    account.signal_digest = True
    _db.session.commit()
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    run_job(app, "signals", moment)
    run_job(app, "signals", moment + dt.timedelta(hours=1))
    mails = _db.session.scalars(
        select(SystemMail).where(SystemMail.recipient == f"{user}@example.nl")
    ).all()
    assert len(mails) == 1
    body = mails[0].body_text
    assert "1 nieuwe signaal" in body and "/signalen/" in body
    assert case.number not in body and case.applicant.bsn not in body
    assert case.applicant.surname not in body


def test_the_municipality_says_and_takes_its_four_eyes_setting_over_rest(app, db, four_eyes):
    listed = call(app, "/api/v1/municipality/?q=(filters:!((col:cbs_code,opr:eq,value:'0193')))",
                  "beheerder.zwolle", method="get").get_json()  # fmt: skip
    zwolle = listed["result"][0]
    assert zwolle["four_eyes"] == "OFF"
    pk = listed["ids"][0]
    bad = call(app, f"/api/v1/municipality/{pk}", "beheerder.zwolle", {"four_eyes": "SOMETIMES"},
               method="put")  # fmt: skip
    assert bad.status_code == 422 and "four_eyes" in bad.get_data(as_text=True)
    good = call(app, f"/api/v1/municipality/{pk}", "beheerder.zwolle", {"four_eyes": "ALL"},
                method="put")  # fmt: skip
    assert good.status_code == 200, good.get_json()
    _db.session.expire_all()
    assert municipality(ZWOLLE).four_eyes == FourEyes.ALL


def test_on_the_screen_a_colleague_approves_and_the_decider_sees_no_button(
    app, db, client, four_eyes
):
    four_eyes(FourEyes.ALL)
    case = delivered_case(client)
    call(app, f"/api/v1/case/{case.id}/decide", "medewerker.zwolle", {"besluit": "GRANTED"})
    with app.app_context():
        decider = login(app, "medewerker.zwolle")
        own_page = decider.get(f"/zaken/show/{case.id}").get_data(as_text=True)
        assert "U nam dit besluit: een collega keurt het goed." in own_page
        assert "Goedkeuren en verzenden" not in own_page
    with app.app_context():
        colleague = login(app, "beheerder.zwolle")
        path = f"/zaken/show/{case.id}"
        sent = colleague.post(f"{path}/goedkeuring", data={
            "csrf_token": csrf_token(colleague, path), "stap": "goedkeuren"})  # fmt: skip
        assert sent.status_code == 302
        page = colleague.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Besluit goedgekeurd: Toegekend. De beschikking is verstuurd." in page
    assert beschikkingen(case.id) == 1


def test_the_overview_shows_open_and_attention_cases_per_handler(app, db):
    case = new_case(ZWOLLE, status=CaseStatus.DATA_RECEIVED)
    call(app, f"/api/v1/case/{case.id}/assign", "beheerder.zwolle",
         {"behandelaar": "medewerker.zwolle"})  # fmt: skip
    with app.app_context():
        page = login(app, "beheerder.zwolle").get("/").get_data(as_text=True)
    assert 'id="werkverdeling"' in page  # also for an organisation with one municipality
    row = page.split('data-behandelaar="medewerker.zwolle"')[1].split("</tr>")[0]
    mine = _db.session.scalar(
        select(func.count(Case.id)).where(
            Case.handler.has(User.username == "medewerker.zwolle"),
            Case.status.in_([s for s in CaseStatus if s not in (CaseStatus.DECIDED,
                                                                 CaseStatus.ABORTED)]),
        )
    )  # fmt: skip
    assert f'<td class="text-right open">{mine}</td>' in row
    assert 'data-behandelaar="niemand"' in page
