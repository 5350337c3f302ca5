"""The resident's start page and the Ockto sandbox, end to end through HTTP."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import create_app
from app.models import Case as CaseModel
from app.models import CaseEvent, CaseStatus, Delivery, IncomeKind, Invitation, NoticeKind
from tests.conftest import CSRF_RE, login, make_config
from tests.factories import invited_case
from tests.helpers import dutch_today, journey

SCENARIOS = [
    "SINGLE", "COUPLE", "PARTNER_NOT_DELIVERED", "OTHER_PARTNER", "HIGH_INCOME", "HIGH_ASSETS",
    "PENSION_AGE", "SINGLE_PARENT", "STALE_INCOME", "GROSS_ONLY",
]  # fmt: skip
WITH_PARTNER = {"COUPLE", "PARTNER_NOT_DELIVERED", "OTHER_PARTNER"}


def monthly_income(delivery: Delivery, kinds: set[IncomeKind] | None = None) -> Decimal:
    factor = {"WEEK": Decimal(52) / 12, "FOUR_WEEKS": Decimal(13) / 12, "MONTH": 1,
              "YEAR": Decimal(1) / 12}  # fmt: skip
    return sum(
        (i.amount * factor[i.period.name] for p in delivery.persons for i in p.incomes
         if kinds is None or i.kind in kinds),
        Decimal(0),
    )  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_sandbox_scenario_end_to_end(app, db, client, scenario):
    case, token = invited_case(partner=scenario in WITH_PARTNER)
    given_partner = case.partner.bsn if case.partner else None
    page = journey(client, token, scenario)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(CaseModel, case.id)
    delivery = case.deliveries[-1]
    applicant = delivery.persons[0]
    today = dutch_today()
    if scenario == "PARTNER_NOT_DELIVERED":
        assert "De gegevens van uw partner ontbreken" in text
        assert (delivery.complete, case.status) == (False, CaseStatus.INVITED)
        assert delivery.found_partner_bsn == given_partner and len(delivery.persons) == 1
        return
    assert "Bedankt, uw gegevens zijn verstuurd" in text
    assert (delivery.complete, case.status) == (True, CaseStatus.DATA_RECEIVED)
    assert applicant.bsn == case.applicant.bsn and applicant.resident_id == case.applicant_id
    if scenario == "COUPLE":
        assert [p.bsn for p in delivery.persons] == [case.applicant.bsn, given_partner]
        assert not case.open_notices
    elif scenario == "OTHER_PARTNER":
        assert delivery.partner_mismatch and delivery.persons[1].bsn != given_partner
        assert [n.kind for n in case.open_notices] == [NoticeKind.PARTNER_MISMATCH]
        assert case.partner.bsn == delivery.persons[1].bsn
    else:
        assert len(delivery.persons) == 1 and delivery.found_partner_bsn is None
    counted = {k for k in IncomeKind} - {
        IncomeKind.HEALTHCARE_ALLOWANCE, IncomeKind.RENT_ALLOWANCE,
        IncomeKind.CHILD_BUDGET, IncomeKind.CHILD_BENEFIT,
    }  # fmt: skip
    income = monthly_income(delivery, counted)
    assets = sum(a.value for p in delivery.persons for a in p.assets)
    kinds = {i.kind for i in applicant.incomes}
    if scenario == "HIGH_INCOME":
        assert income > Decimal("2600")
    elif scenario in ("SINGLE", "COUPLE", "STALE_INCOME"):
        assert Decimal("900") < income < Decimal("2600")
    if scenario == "HIGH_ASSETS":
        assert assets > Decimal("30000")
    else:
        assert assets < Decimal("12000")
    if scenario == "PENSION_AGE":
        born = applicant.birth_date
        assert today.year - born.year - ((today.month, today.day) < (born.month, born.day)) >= 67
        assert IncomeKind.STATE_PENSION in kinds
    if scenario == "SINGLE_PARENT":
        assert applicant.children and IncomeKind.CHILD_BENEFIT in kinds
        assert any(i.period.name == "YEAR" for i in applicant.incomes)
    if scenario == "STALE_INCOME":
        assert all((today - i.end).days > 150 for i in applicant.incomes)
    else:
        assert all((today - i.end).days < 62 for i in applicant.incomes if i.period.name != "YEAR")
    wages = [i for i in applicant.incomes if i.kind == IncomeKind.WAGE]
    if scenario == "GROSS_ONLY":
        assert wages and all(i.gross_net.name == "GROSS" for i in wages)
    else:
        assert all(i.gross_net.name == "NET" for i in applicant.incomes)
    assert all(a.description for a in applicant.assets)
    # The caseworker sees the data on the case page (a request context of their own).
    with app.app_context():
        page = login(app, "medewerker.zwolle").get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert "Ockto-gegevens" in page and "Inkomen per maand" in page
    assert applicant.incomes[0].description in page


def test_the_start_page_explains_the_steps_and_shows_only_initials_and_surname(app, db, client):
    case, token = invited_case(partner=True)
    response = client.get(f"/inwoner/start/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="nl">' in page and 'name="viewport"' in page
    for needed in ["Gemeente Zwolle", "DigiD", "controle via sms", "MijnOverheid", "telefoon",
                   "partner", "Start met gegevens doorgeven", "#c8102e"]:  # fmt: skip
        assert needed in page, needed
    assert "Voor: A. van Yılmaz" in page
    applicant = case.applicant
    for private in [applicant.bsn, applicant.email, applicant.street, applicant.postcode,
                    case.partner.bsn, "1980"]:  # fmt: skip
        assert private not in page, private
    assert "http://" not in page.replace("http://localhost", "")  # no external CDN
    client.get(f"/inwoner/start/{token}")  # a reload the same day
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "start_page")
    ).all()
    assert [(e.actor, e.description) for e in events] == [
        ("inwoner", "Startpagina geopend door de inwoner")
    ]
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    assert invitation.opened_on is not None


def test_unknown_expired_and_finished_links_get_one_and_the_same_page(app, db, client):
    expired, expired_token = invited_case()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == expired_token))
    invitation.expires_on = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    _finished, finished_token = invited_case()
    db.session.commit()
    assert journey(client, finished_token, "SINGLE").status_code == 200
    answers = [client.get(f"/inwoner/start/{t}") for t in
               ["bestaat-niet-" + "x" * 30, expired_token, finished_token]]  # fmt: skip
    assert {a.status_code for a in answers} == {404}
    bodies = {a.get_data(as_text=True) for a in answers}
    assert len(bodies) == 1 and "Deze link werkt niet" in bodies.pop()
    for t in (expired_token, finished_token):
        assert client.get(f"/inwoner/sandbox/{t}").status_code == 404
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == expired.id, CaseEvent.action == "start_page")
    ).all()
    assert events == []


def test_sandbox_refuses_an_unknown_situation_and_stores_nothing(app, db, client):
    case, token = invited_case()
    start = client.get(f"/inwoner/start/{token}").get_data(as_text=True)
    csrf = CSRF_RE.search(start).group(1)
    response = client.post(f"/inwoner/sandbox/{token}", data={"csrf_token": csrf, "situatie": "X"})
    assert response.status_code == 422
    assert "Kies een voorbeeldsituatie." in response.get_data(as_text=True)
    assert db.session.get(CaseModel, case.id).deliveries == []


def test_a_post_without_csrf_token_is_refused(app, db, client):
    case, token = invited_case()
    assert client.post(f"/inwoner/sandbox/{token}", data={"situatie": "SINGLE"}).status_code == 400
    assert db.session.get(CaseModel, case.id).deliveries == []


@pytest.fixture()
def production_app(app, tmp_dir):
    config = make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_dir)
    config.OCKTO_MODE = "production"
    config.OCKTO_JOURNEY_URL = "https://ockto.example/start"
    return create_app(config)


def test_sandbox_routes_are_absent_in_production_mode(production_app, db):
    rules = [r.rule for r in production_app.url_map.iter_rules()]
    assert not [r for r in rules if "sandbox" in r]
    assert "/inwoner/start/<token>" in rules
    assert "/api/v1/ockto/levering" in rules
    _case, token = invited_case()
    client = production_app.test_client()
    page = client.get(f"/inwoner/start/{token}").get_data(as_text=True)
    assert "Testomgeving" not in page
    csrf = CSRF_RE.search(page).group(1)
    begun = client.post(f"/inwoner/start/{token}", data={"csrf_token": csrf})
    assert begun.status_code == 303
    assert begun.headers["Location"] == f"https://ockto.example/start?uitnodiging={token}"
    assert client.post(f"/inwoner/sandbox/{token}").status_code == 404
    production_app.config["OCKTO_JOURNEY_URL"] = ""
    assert client.post(f"/inwoner/start/{token}", data={"csrf_token": csrf}).status_code == 503


def test_the_resident_pages_are_rate_limited_per_address(app, db, tmp_dir):
    config = make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_dir)
    config.RATELIMIT_ENABLED = True
    config.RESIDENT_RATE_LIMIT = "3 per minute"
    limited = create_app(config)
    client = limited.test_client()
    codes = [
        client.get("/inwoner/start/onbekend", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
        for _ in range(4)
    ]
    assert codes == [404, 404, 404, 429]
    page = client.get("/inwoner/start/onbekend", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert "Even wachten" in page.get_data(as_text=True)
    other = client.get("/inwoner/start/onbekend", environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert other.status_code == 404


def test_the_case_page_offers_the_start_page_in_sandbox_mode(app, db):
    case, token = invited_case()
    with app.app_context():
        page = login(app, "medewerker.zwolle").get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert f'href="/inwoner/start/{token}"' in page
    assert re.search(r"Nog geen gegevens van Ockto ontvangen", page)
