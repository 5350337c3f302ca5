"""The advice end to end: delivery over HTTP, REST, the case page, policy, norms, what-if."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    OPEN_STATUSES,
    Advice,
    AuditLog,
    Case,
    CaseEvent,
    CaseStatus,
    Delivery,
    Municipality,
    NationalNorm,
)
from app.services.legitimacy import assessment
from tests.conftest import ADMIN_PASSWORD, api_token, bearer, csrf_token, login
from tests.helpers import delivered_case, income

ZWOLLE = "0193"


@pytest.fixture()
def zwolle_policy(app, db):
    """Zwolle's policy as the demo sets it, restored (and recomputed) after the test."""
    before = {
        name: getattr(db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE)), name)
        for name in assessment.POLICY_FIELDS
    }
    yield before
    with app.app_context():
        m = db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE))
        for name, value in before.items():
            setattr(m, name, value)
        db.session.flush()
        assessment.recompute_open([m.id], "test hersteld")


@pytest.fixture()
def july_norms(app, db):
    """Removes a norm period a test added, so other tests see the shipped norms."""
    yield dt.date(2026, 7, 1)
    with app.app_context():
        db.session.execute(
            delete(NationalNorm).where(NationalNorm.valid_from == dt.date(2026, 7, 1))
        )
        db.session.flush()
        assessment.recompute_open(None, "test hersteld")


def open_with_data_counts(municipality_id: int) -> Counter:
    with_data = select(Delivery.case_id)
    rows = db.session.scalars(
        select(Case.advice).where(
            Case.municipality_id == municipality_id,
            Case.status.in_(OPEN_STATUSES),
            Case.id.in_(with_data),
        )
    )
    return Counter(rows)


def test_a_delivery_over_http_gives_the_advice_over_rest(app, db, client):
    case = delivered_case(client)
    token = api_token(app.test_client(), "medewerker.zwolle")
    response = app.test_client().get(f"/api/v1/case/{case.id}/advice", headers=bearer(token))
    assert response.status_code == 200
    data = response.get_json()
    assert data["advies"] == "GRANT"
    main = data["redenen"][0]
    assert main["code"] == "WITHIN_LIMITS"
    # 1650.00 + 412.30 x 13 / 12 (446.66); the 131.00 zorgtoeslag is no income.
    # Couple on 24-11-2026: norm 2002.13 x 0.95 x 130 % = 2472.63055 -> 2472.63.
    assert main["cijfers"] == {
        "inkomen": "2096.66", "norm": "2002.13", "vakantiegeldfactor": "0.95",
        "percentage": "130.00", "inkomensgrens": "2472.63", "inkomensgrens_met_marge": "2596.26",
        "vermogen": "3087.55", "vermogensgrens": "16000.00", "vermogensgrens_met_marge": "16800.00",
    }  # fmt: skip
    calc = data["berekening"]
    assert (calc["huishouden"], calc["huishouden_vermogen"], calc["peildatum"]) == (
        "COUPLE", "FAMILY", "2026-11-24",
    )  # fmt: skip
    assert calc["studieschuld"] == "4200.00" and calc["schulden_afgetrokken"] == "0.00"
    assert [line["telt_mee"] for line in calc["inkomsten"]] == [True, False, True]
    entry = db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert (entry.action, entry.object_id) == ("advice.view", str(case.id))


def test_advice_is_refused_without_the_legitimacy_module(app, db, client):
    case = delivered_case(client, partner=False, cbs="1525")  # Teylingen: no module
    db.session.expire_all()
    assert db.session.get(Case, case.id).advice is None
    token = api_token(app.test_client(), "medewerker.bollenstreek")
    response = app.test_client().get(f"/api/v1/case/{case.id}/advice", headers=bearer(token))
    assert response.status_code == 403
    assert "module rechtmatigheid" in response.get_json()["fouten"][0]["melding"]
    with app.app_context():
        page = login(app, "medewerker.bollenstreek").get(f"/zaken/show/{case.id}")
    assert 'id="advies"' not in page.get_data(as_text=True)


def test_advice_of_another_organisation_is_not_found(app, db, client):
    case = delivered_case(client)
    token = api_token(app.test_client(), "medewerker.bollenstreek")
    response = app.test_client().get(f"/api/v1/case/{case.id}/advice", headers=bearer(token))
    assert response.status_code == 404


def test_the_case_page_shows_the_advice_and_a_calculation_to_check_by_hand(app, db, client):
    case = delivered_case(client)
    with app.app_context():
        page = login(app, "medewerker.zwolle").get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert 'class="panel panel-success" id="advies" data-advice="GRANT"' in page
    assert "Inkomen en vermogen liggen binnen de grenzen." in page
    assert "Berekening" in page
    assert "Norm € 2.002,13" in page and "× 0,95" in page and "× 130 %" in page
    assert "€ 2.472,63" in page and "€ 2.096,66" in page and "€ 446,66" in page
    assert "toeslag: geen inkomen" in page and "Studieschuld (wordt nooit afgetrokken)" in page
    assert "niet geverifieerd" in page  # the 2026 norms ship unconfirmed


def test_a_high_income_is_rejected_and_red(app, db, client):
    case = delivered_case(client, partner=False, inkomsten=[income("loon", "2500.00")])
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.advice == Advice.REJECT
    assert case.advice_reasons[0]["code"] == "INCOME_TOO_HIGH"
    assert case.advice_calculation["inkomensgrens"] == "1730.85"  # single, 2026
    with app.app_context():
        page = login(app, "medewerker.zwolle").get(f"/zaken/show/{case.id}").get_data(as_text=True)
    assert 'class="panel panel-danger" id="advies" data-advice="REJECT"' in page


def test_a_policy_change_recomputes_open_cases_but_never_decided_ones(
    app, db, client, zwolle_policy
):
    open_case = delivered_case(client)
    decided = delivered_case(client)
    decided.status = CaseStatus.DECIDED
    db.session.commit()
    zwolle = db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE))
    expected = sum(open_with_data_counts(zwolle.id).values())
    with app.app_context():
        beheerder = login(app, "beheerder.zwolle")
        token = csrf_token(beheerder, f"/parameters/{ZWOLLE}")
        form = {
            "csrf_token": token, "actie": "opslaan", "income_percentage": "100",
            "advice_margin_percentage": "5", "max_data_age_days": "62",
            "check_assets": "y", "deduct_debts": "y",
        }  # fmt: skip
        response = beheerder.post(f"/parameters/{ZWOLLE}", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"Parameters opgeslagen; {expected} open zaak/zaken met gegevens herberekend." in page
    db.session.expire_all()
    # 2002.13 x 0.95 x 100 % = 1902.02; with 5 % margin 1997.12 < 2096.66.
    moved = db.session.get(Case, open_case.id)
    assert moved.advice == Advice.REJECT
    assert moved.advice_calculation["inkomensgrens"] == "1902.02"
    line = db.session.scalar(
        select(CaseEvent.description).where(
            CaseEvent.case_id == open_case.id, CaseEvent.action == "advice"
        )
    )
    assert line == "Advies herberekend (beleid gewijzigd): Toekennen → Afwijzen"
    kept = db.session.get(Case, decided.id)
    assert kept.advice == Advice.GRANT and kept.advice_calculation["inkomensgrens"] == "2472.63"


def test_the_what_if_counts_equal_the_counts_after_saving(app, db, client, zwolle_policy):
    delivered_case(client)
    delivered_case(client, partner=False, inkomsten=[income("loon", "1780.00")])
    zwolle = db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE))
    before = open_with_data_counts(zwolle.id)
    token = api_token(app.test_client(), "beheerder.zwolle")
    proposal = {"income_percentage": "110", "income_includes_holiday_allowance": True}
    response = app.test_client().post(
        f"/api/v1/municipality/{zwolle.id}/what-if", json=proposal, headers=bearer(token)
    )
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["zaken"] == sum(before.values())
    predicted_from = Counter()
    predicted_to = Counter()
    for move in answer["verschuivingen"]:
        predicted_from[Advice[move["van"]]] += move["zaken"]
        predicted_to[Advice[move["naar"]]] += move["zaken"]
        assert move["verzekerden"] >= move["zaken"]
    assert predicted_from == before
    db.session.expire_all()
    assert open_with_data_counts(zwolle.id) == before  # a what-if changes nothing
    entry = db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert (entry.action, entry.object_type) == ("advice.what_if", "municipality")
    saved = app.test_client().put(
        f"/api/v1/municipality/{zwolle.id}",
        json={"income_percentage": "110", "income_includes_holiday_allowance": True},
        headers=bearer(token),
    )
    assert saved.status_code == 200, saved.get_json()
    db.session.expire_all()
    assert open_with_data_counts(zwolle.id) == predicted_to
    assert answer["gewijzigd"] > 0


def test_the_what_if_on_the_screen_shows_a_from_to_table(app, db, client, zwolle_policy):
    delivered_case(client)
    with app.app_context():
        beheerder = login(app, "beheerder.zwolle")
        form = {
            "csrf_token": csrf_token(beheerder, f"/parameters/{ZWOLLE}"), "actie": "watals",
            "income_percentage": "90", "advice_margin_percentage": "0",
            "max_data_age_days": "62", "check_assets": "y",
        }  # fmt: skip
        page = beheerder.post(f"/parameters/{ZWOLLE}", data=form).get_data(as_text=True)
    assert 'id="verschuivingen"' in page and "Er is niets opgeslagen." in page
    assert 'data-van="GRANT" data-naar="REJECT"' in page
    zwolle = db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE))
    db.session.refresh(zwolle)
    assert zwolle.income_percentage == Decimal("130")


def test_the_policy_screen_shows_live_limits_per_household(app, db, zwolle_policy):
    with app.app_context():
        beheerder = login(app, "beheerder.zwolle")
        page = beheerder.get(f"/parameters/{ZWOLLE}").get_data(as_text=True)
        live = beheerder.get(
            f"/parameters/{ZWOLLE}/grenzen?income_percentage=120&advice_margin_percentage=5"
            "&max_data_age_days=62"
        )
    # Today (2026 norms): 1401.50 x 0.95 x 130 % = 1730.8525 -> 1730.85.
    assert 'data-huishouden="SINGLE"' in page and "€ 1.730,85" in page
    assert "policy.js" in page and "<script>" not in page
    # 1401.50 x 0.95 x 120 % = 1597.71
    assert live.get_json()["grenzen"]["SINGLE"] == "€ 1.597,71"


def test_bad_parameters_are_refused_in_dutch_and_change_nothing(app, db, zwolle_policy):
    with app.app_context():
        beheerder = login(app, "beheerder.zwolle")
        form = {
            "csrf_token": csrf_token(beheerder, f"/parameters/{ZWOLLE}"), "actie": "opslaan",
            "income_percentage": "veel", "advice_margin_percentage": "80",
            "max_data_age_days": "62",
        }  # fmt: skip
        page = beheerder.post(f"/parameters/{ZWOLLE}", data=form).get_data(as_text=True)
    assert "Geef een getal, bijvoorbeeld 130 of 5,5." in page
    assert "Kies een waarde van 0 tot en met 50." in page
    zwolle = db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE))
    db.session.refresh(zwolle)
    assert zwolle.income_percentage == Decimal("130") and zwolle.check_assets is True


def test_a_medewerker_cannot_open_the_policy_screen(app, db):
    with app.app_context():
        response = login(app, "medewerker.zwolle").get(f"/parameters/{ZWOLLE}")
    assert response.status_code in (302, 403)


def test_another_organisation_cannot_see_the_policy_or_run_a_what_if(app, db):
    zwolle = db.session.scalar(select(Municipality).filter_by(cbs_code=ZWOLLE))
    with app.app_context():
        assert login(app, "beheerder.bollenstreek").get(f"/parameters/{ZWOLLE}").status_code == 404
    token = api_token(app.test_client(), "beheerder.bollenstreek")
    response = app.test_client().post(
        f"/api/v1/municipality/{zwolle.id}/what-if", json={}, headers=bearer(token)
    )
    assert response.status_code == 404


def test_an_admin_adds_a_norm_period_over_rest_and_open_cases_are_recomputed(
    app, db, client, july_norms
):
    case = delivered_case(client)
    admin = api_token(app.test_client(), "admin", ADMIN_PASSWORD)
    body = {
        "valid_from": "2026-07-01",
        "bedragen": {"SINGLE": "1420.00", "COUPLE": "2028.57", "SINGLE_PENSION": "1585.00",
                     "COUPLE_PENSION": "2172.00", "SINGLE_YOUNG": "350.50"},
        "verified": True,
        "source": "Normenbrief 1 juli 2026",
    }  # fmt: skip
    response = app.test_client().post(
        "/api/v1/national_norm/period", json=body, headers=bearer(admin)
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert len(answer["result"]) == 5 and answer["herberekend"] >= 1
    db.session.expire_all()
    calc = db.session.get(Case, case.id).advice_calculation
    # 2028.57 x 0.95 x 1.30 = 2505.28395 -> 2505.28
    assert (calc["norm_vanaf"], calc["norm"], calc["inkomensgrens"]) == (
        "2026-07-01", "2028.57", "2505.28",
    )  # fmt: skip
    again = app.test_client().post("/api/v1/national_norm/period", json=body, headers=bearer(admin))
    assert again.status_code == 422
    assert again.get_json()["fouten"][0]["melding"] == "De periode vanaf 01-07-2026 bestaat al."


def test_a_norm_period_must_start_on_1_january_or_1_july_and_be_complete(app, db):
    admin = api_token(app.test_client(), "admin", ADMIN_PASSWORD)
    rows_before = db.session.query(NationalNorm).count()
    body = {"valid_from": "2026-07-02", "bedragen": {"SINGLE": "14,20"}}
    response = app.test_client().post(
        "/api/v1/national_norm/period", json=body, headers=bearer(admin)
    )
    assert response.status_code == 422
    fouten = {f["veld"]: f["melding"] for f in response.get_json()["fouten"]}
    assert fouten["valid_from"] == "Een periode begint op 1 januari of 1 juli."
    assert "bedragen.SINGLE" in fouten and "bedragen.COUPLE" in fouten
    beheerder = api_token(app.test_client(), "beheerder.zwolle")
    body["valid_from"] = "2027-01-01"
    refused = app.test_client().post(
        "/api/v1/national_norm/period", json=body, headers=bearer(beheerder)
    )
    assert refused.status_code in (401, 403)
    assert db.session.query(NationalNorm).count() == rows_before


def test_the_norm_period_screen_refuses_a_wrong_date_in_dutch(app, db):
    with app.app_context():
        admin = login(app, "admin", ADMIN_PASSWORD)
        token = csrf_token(admin, "/normen/periode")
        form = {"csrf_token": token, "valid_from": "2026-03-01", "SINGLE": "1420,00"}
        page = admin.post("/normen/periode", data=form).get_data(as_text=True)
    assert "Een periode begint op 1 januari of 1 juli." in page


def test_stale_and_unverified_norms_are_warned_about_on_the_overview_and_norm_screens(app, db):
    with app.app_context():
        beheerder = login(app, "beheerder.zwolle")
        overview = beheerder.get("/").get_data(as_text=True)
        norms_page = beheerder.get("/normen/list/").get_data(as_text=True)
    for page in (overview, norms_page):
        assert "De nieuwste landelijke normen gelden vanaf 01-01-2026" in page
        assert "Niet bevestigd: 5 landelijke norm(en)" in page


def test_the_overview_counts_open_cases_per_advice(app, db, client):
    delivered_case(client)
    with app.app_context():
        page = login(app, "beheerder.zwolle").get("/").get_data(as_text=True)
    assert 'overview-advice" data-advies-gemeente="0193"' in page
    assert "?_flt_0_advice=GRANT" in page


def test_the_cli_recomputes_open_cases_for_one_municipality(app, db, client):
    case = delivered_case(client)
    case.advice, case.advice_calculation = Advice.REJECT, None  # as before the engine existed
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["advice", "recompute", "--gemeente", ZWOLLE])
    assert result.exit_code == 0, result.output
    assert "open zaak/zaken met gegevens herberekend." in result.output
    db.session.expire_all()
    again = db.session.get(Case, case.id)
    assert again.advice == Advice.GRANT and again.advice_calculation["inkomen"] == "2096.66"
    wrong = app.test_cli_runner().invoke(args=["advice", "recompute", "--gemeente", "9999"])
    assert wrong.exit_code != 0 and "Onbekende gemeente" in wrong.output


def test_norm_screens_show_household_types_in_dutch(app, db):
    with app.app_context():
        admin = login(app, "admin", ADMIN_PASSWORD)
        norms_page = admin.get("/normen/list/").get_data(as_text=True)
        limits_page = admin.get("/vermogensgrenzen/list/").get_data(as_text=True)
    assert "Alleenstaande, 18 tot 21 jaar" in norms_page and ">SINGLE_YOUNG<" not in norms_page
    assert "Vermogen in de eigen woning" in limits_page and ">HOME_EQUITY<" not in limits_page
    assert "Nieuwe normperiode" in norms_page
