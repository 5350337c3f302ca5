"""Login throttling, password policy, no user enumeration, session timeouts, real logout."""

from __future__ import annotations

import re

import jwt
import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditLog, SystemMail
from app.services.security import passwords
from tests.conftest import DEMO_PASSWORD, api_token, bearer, csrf_token, login
from tests.helpers import PASSWORD, form_login, make_user


def test_five_wrong_passwords_lock_the_user_name_for_fifteen_minutes(app, clock):
    name = make_user(app)
    client = app.test_client()
    for _ in range(5):
        response = form_login(client, name, "Fout-wachtwoord-123")
        assert response.status_code == 302
    locked = form_login(client, name, PASSWORD)  # even the right password is not checked
    assert locked.status_code == 429
    assert "Te veel mislukte inlogpogingen" in locked.get_data(as_text=True)
    other = form_login(app.test_client(), make_user(app), PASSWORD)
    assert other.status_code == 302 and other.headers["Location"].endswith("/")
    clock.advance(minutes=16)
    assert form_login(app.test_client(), name, PASSWORD).headers["Location"].endswith("/")
    with app.app_context():
        results = _db.session.scalars(
            select(AuditLog.result).where(AuditLog.action == "login").order_by(AuditLog.id.desc())
        ).all()
        assert "throttled" in results[:4]


def test_twenty_failures_from_one_address_lock_that_address_only(app, clock):
    name = make_user(app)
    client = app.test_client()
    for i in range(20):
        form_login(client, f"bestaat-niet-{i}", "Fout-wachtwoord-123", address="10.9.9.9")
    assert form_login(client, name, PASSWORD, address="10.9.9.9").status_code == 429
    elsewhere = form_login(app.test_client(), name, PASSWORD, address="10.1.1.1")
    assert elsewhere.headers["Location"].endswith("/")


def test_api_login_is_throttled_with_a_dutch_429(app, clock):
    name = make_user(app)
    client = app.test_client()
    body = {"username": name, "password": "Fout-wachtwoord-123", "provider": "db"}
    for _ in range(5):
        assert client.post("/api/v1/security/login", json=body).status_code == 401
    response = client.post("/api/v1/security/login", json={**body, "password": PASSWORD})
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.get_json()["fouten"][0]["melding"]


def test_unknown_user_and_wrong_password_answer_exactly_alike(app, clock):
    name = make_user(app)
    a, b = app.test_client(), app.test_client()
    wrong = form_login(a, name, "Fout-wachtwoord-123", address="10.2.0.1")
    unknown = form_login(b, "niemand-bekend", "Fout-wachtwoord-123", address="10.2.0.2")
    assert wrong.status_code == unknown.status_code == 302
    assert wrong.headers["Location"] == unknown.headers["Location"]
    page_a = a.get(wrong.headers["Location"]).get_data(as_text=True)
    page_b = b.get(unknown.headers["Location"]).get_data(as_text=True)
    assert "Onjuiste gebruikersnaam of wachtwoord" in page_a
    assert "Onjuiste gebruikersnaam of wachtwoord" in page_b
    body = {"password": "Fout-wachtwoord-123", "provider": "db"}
    api_wrong = app.test_client().post("/api/v1/security/login", json={**body, "username": name})
    api_unknown = app.test_client().post(
        "/api/v1/security/login", json={**body, "username": "niemand-bekend"}
    )
    assert api_wrong.status_code == api_unknown.status_code == 401
    assert api_wrong.get_json() == api_unknown.get_json()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Kort-1!", "minstens 12 tekens"),
        ("wachtwoord123", "te bekend"),
        ("Welkom123456", "te bekend"),
        ("aaaaaaaaaaaaaaaa", "te weinig verschillende"),
    ],
)
def test_the_password_policy_refuses_short_common_and_trivial_passwords(password, reason):
    assert any(reason in p for p in passwords.problems(password))


def test_a_good_password_passes_and_the_user_name_may_not_be_in_it():
    assert passwords.problems("Paars-Fietsje-Regen-42") == []
    assert passwords.problems("jansen-geheim-2026-x", username="jansen")


def test_a_new_user_cannot_choose_a_weak_password_through_the_link(app, beheerder_client):
    """The add form has no password; the policy holds where the user chooses their own."""
    token = csrf_token(beheerder_client, "/users/add")
    page = beheerder_client.get("/users/add").get_data(as_text=True)
    assert 'name="password"' not in page and 'name="conf_password"' not in page
    form = {
        "first_name": "Zwak",
        "last_name": "Wachtwoord",
        "username": "zwak.wachtwoord",
        "active": "y",
        "email": "zwak@example.nl",
        "csrf_token": token,
    }
    with app.app_context():
        form["roles"] = str(app.appbuilder.sm.find_role("Medewerker").id)
    assert beheerder_client.post("/users/add", data=form).status_code == 302
    with app.app_context():
        mail = _db.session.scalar(
            select(SystemMail).where(SystemMail.recipient == "zwak@example.nl")
        )
        link = re.search(r"/account/activeren/\S+", mail.body_text).group(0)
    anonymous = app.test_client()
    form = {"csrf_token": csrf_token(anonymous, link)}
    page = anonymous.post(
        link, data={**form, "password": "wachtwoord1", "conf_password": "wachtwoord1"}
    )
    assert page.status_code == 422 and "minstens 12 tekens" in page.get_data(as_text=True)
    named = "zwak.wachtwoord-2026!"
    page = anonymous.post(link, data={**form, "password": named, "conf_password": named})
    assert "mag de gebruikersnaam niet bevatten" in page.get_data(as_text=True)
    assert (
        anonymous.post(
            link, data={**form, "password": PASSWORD, "conf_password": PASSWORD}
        ).status_code
        == 200
    )
    assert form_login(app.test_client(), "zwak.wachtwoord", PASSWORD).status_code == 302


def test_a_session_ends_after_thirty_idle_minutes(app, clock):
    client = login(app, make_user(app), PASSWORD)
    clock.advance(minutes=29)
    assert client.get("/zaken/list/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/zaken/list/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert "Uw sessie is verlopen" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert client.get("/zaken/list/").status_code == 302  # stays ended


def test_a_session_ends_twelve_hours_after_login_even_when_active(app, clock):
    client = login(app, make_user(app), PASSWORD)
    for _ in range(35):  # 11 h 40 min of steady work
        clock.advance(minutes=20)
        assert client.get("/zaken/list/").status_code == 200
    clock.advance(minutes=21)
    assert client.get("/zaken/list/").status_code == 302


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_worthless(app):
    client = login(app, make_user(app), PASSWORD)
    cookie = client.get_cookie("session").value
    assert client.get("/zaken/list/").status_code == 200
    client.get("/logout/")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/zaken/list/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    with app.app_context():
        actions = _db.session.scalars(
            select(AuditLog.action).order_by(AuditLog.id.desc()).limit(5)
        ).all()
        assert "logout" in actions and "session.end" in actions


def test_api_tokens_live_fifteen_minutes(app):
    token = api_token(app.test_client(), "medewerker.zwolle", DEMO_PASSWORD)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert app.test_client().get("/api/v1/case/", headers=bearer(token)).status_code == 200


def test_api_login_answers_bad_bodies_per_field_in_dutch(client):
    response = client.post("/api/v1/security/login", json={"username": 5, "refresh": "ja"})
    assert response.status_code == 400
    fields = {e["veld"] for e in response.get_json()["fouten"]}
    assert fields == {"username", "password", "refresh"}
    assert client.post("/api/v1/security/login", data="x").status_code == 400
