"""Case screens: detail with persons and timeline, memos from the detail page, BSN search."""

from __future__ import annotations

from sqlalchemy import event, select

from app.extensions import db as _db
from app.models import Case, CaseEvent, Memo, Notice, NoticeKind, User
from app.services.bsn import is_valid, normalise
from tests.conftest import csrf_token, login
from tests.factories import new_case
from tests.helpers import ZWOLLE, cases_of


def test_detail_page_shows_persons_timeline_and_memos(app, medewerker_client):
    with app.app_context():
        case = next(c for c in cases_of(*ZWOLLE) if c.partner_id and c.events)
        expected = [case.applicant.full_name, case.partner.full_name, case.applicant.bsn]
        event = case.events[0].description
        birth = case.applicant.birth_date.strftime("%d-%m-%Y")
    page = medewerker_client.get(f"/zaken/show/{case.id}").get_data(as_text=True)
    for text in [*expected, event, birth, "Tijdlijn", "Memo's", "Personen"]:
        assert text in page, text


def test_memo_from_the_detail_page_lands_on_case_and_timeline(app, medewerker_client):
    with app.app_context():
        case_id = cases_of(*ZWOLLE)[10].id
    path = f"/zaken/show/{case_id}"
    token = csrf_token(medewerker_client, path)
    response = medewerker_client.post(
        f"{path}/memo", data={"tekst": "Inwoner teruggebeld <b>nu</b>", "csrf_token": token}
    )
    assert response.status_code == 302
    page = medewerker_client.get(path).get_data(as_text=True)
    assert "Inwoner teruggebeld &lt;b&gt;nu&lt;/b&gt;" in page
    with app.app_context():
        memo = _db.session.scalar(
            select(Memo).where(Memo.case_id == case_id).order_by(Memo.id.desc()).limit(1)
        )
        assert memo.created_by.username == "medewerker.zwolle"
        event = _db.session.scalar(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        assert event.action == "memo"


def test_empty_memo_is_refused_with_a_dutch_message(app, medewerker_client):
    with app.app_context():
        case = cases_of(*ZWOLLE)[11]
        before = len(case.memos)
    path = f"/zaken/show/{case.id}"
    token = csrf_token(medewerker_client, path)
    medewerker_client.post(f"{path}/memo", data={"tekst": "   ", "csrf_token": token})
    page = medewerker_client.get(path).get_data(as_text=True)
    assert "Vul de tekst van het memo in." in page
    with app.app_context():
        assert len(_db.session.get(Case, case.id).memos) == before


def test_bsn_search_by_post_finds_applicant_partner_and_children(app, medewerker_client):
    with app.app_context():
        case = next(c for c in cases_of(*ZWOLLE) if c.partner_id and c.children)
        numbers = {
            "aanvrager": case.applicant.bsn,
            "partner": case.partner.bsn,
            "kind": case.children[0].bsn,
        }
    token = csrf_token(medewerker_client, "/zaken/zoek-bsn")
    for bsn in numbers.values():
        page = medewerker_client.post(
            "/zaken/zoek-bsn", data={"bsn": bsn, "csrf_token": token}
        ).get_data(as_text=True)
        assert f"/zaken/show/{case.id}" in page
    # GET never takes a BSN from the URL.
    page = medewerker_client.get(f"/zaken/zoek-bsn?bsn={numbers['aanvrager']}")
    assert f"/zaken/show/{case.id}" not in page.get_data(as_text=True)


def test_bsn_search_refuses_an_invalid_number(medewerker_client):
    token = csrf_token(medewerker_client, "/zaken/zoek-bsn")
    page = medewerker_client.post("/zaken/zoek-bsn", data={"bsn": "123456789", "csrf_token": token})
    assert "Dit is geen geldig BSN (elfproef)." in page.get_data(as_text=True)


def test_list_filters_by_status_kind_and_open_notices(app, medewerker_client):
    page = medewerker_client.get(
        "/zaken/list/?_flt_0_status=ON_HOLD&psize_CaseModelView=100"
    ).get_data(as_text=True)
    with app.app_context():
        on_hold = [c for c in cases_of(*ZWOLLE) if c.status.name == "ON_HOLD"]
        others = [c for c in cases_of(*ZWOLLE) if c.status.name == "DECIDED"]
        flagged = [c for c in cases_of(*ZWOLLE) if c.open_notices]
    assert on_hold and all(f'/zaken/show/{c.id}"' in page for c in on_hold)
    assert not any(f'/zaken/show/{c.id}"' in page for c in others)
    page = medewerker_client.get("/zaken/list/?meldingen=1&psize_CaseModelView=100")
    text = page.get_data(as_text=True)
    assert flagged and all(f'/zaken/show/{c.id}"' in text for c in flagged)


def test_elfproef():
    assert is_valid("111222333")
    assert is_valid("123456782")
    assert not is_valid("123456789")
    assert not is_valid("000000000")
    assert not is_valid("12345678")
    assert not is_valid("11122233a")
    assert normalise("11222333") == "011222333"
    assert normalise(" 111.222.333 ") == "111222333"


def test_the_detail_page_issues_the_same_number_of_queries_however_long_the_case(app, db):
    small, big = new_case(), new_case()
    users = _db.session.scalars(select(User.id).limit(10)).all()
    for i in range(20):
        _db.session.add(Memo(case=big, text=f"memo {i}", created_by_id=users[i % len(users)]))
        _db.session.add(CaseEvent(case=big, action="x", description="d",
                                  user_id=users[i % len(users)]))  # fmt: skip
        _db.session.add(Notice(case=big, kind=NoticeKind.OTHER, message=f"melding {i}"))
    _db.session.commit()
    with app.app_context():
        engine = _db.engine
        client = login(app, "medewerker.zwolle")

        def queries(path: str) -> int:
            count = [0]

            def tally(*_args: object) -> None:
                count[0] += 1

            event.listen(engine, "before_cursor_execute", tally)
            try:
                assert client.get(path).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", tally)
            return count[0]

        queries(f"/zaken/show/{small.id}")  # warm-up: caches of the first request
        few = queries(f"/zaken/show/{small.id}")
        many = queries(f"/zaken/show/{big.id}")
    # Never more for the long case (it can be one less: its memos' authors include the
    # logged-in user, who is then already loaded).
    assert many <= few, (few, many)
