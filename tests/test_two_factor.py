"""Two-factor login (TOTP, RFC 6238) with recovery codes, on the form and the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditLog, User
from app.services.security import two_factor
from tests.conftest import DEMO_PASSWORD, bearer, csrf_token, login
from tests.helpers import PASSWORD, form_login, make_user, org

SECRET_RE = re.compile(r'<code id="secret">([A-Z2-7 ]+)</code>')
CODES_RE = re.compile(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>")


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_totp_matches_the_rfc_6238_test_vectors(seconds, expected):
    at = dt.datetime.fromtimestamp(seconds, dt.UTC)
    key = b"12345678901234567890"
    assert two_factor.hotp(key, two_factor.step_of(at), digits=8) == expected


@pytest.fixture()
def required(app, monkeypatch):
    """Production mode: two-factor login required for Admins and Beheerders."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)


def enrol(app, client, clock, name):
    """Log in, scan (read) the secret, confirm a code; return (secret, recovery codes)."""
    response = form_login(client, name, PASSWORD)
    assert response.headers["Location"].endswith("/login/inrichten")
    page = client.get("/login/inrichten").get_data(as_text=True)
    assert "<svg" in page  # the QR code is drawn here, not by an outside service
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    token = csrf_token(client, "/login/inrichten")
    done = client.post(
        "/login/inrichten",
        data={"code": two_factor.code_at(secret, clock.now()), "csrf_token": token},
    )
    codes = CODES_RE.findall(done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def give_code(client, code):
    token = csrf_token(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def test_a_beheerder_enrols_at_first_login_and_then_always_needs_a_code(app, required, clock):
    name = make_user(app, "Beheerder")
    client = app.test_client()
    secret, _ = enrol(app, client, clock, name)
    assert client.get("/zaken/list/").status_code == 200  # logged in after enrolment
    client.get("/logout/")

    response = form_login(client, name, PASSWORD)
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/zaken/list/").status_code == 302  # the password alone is not enough
    wrong = give_code(client, "000000")
    assert wrong.status_code == 200 and "Deze code klopt niet" in wrong.get_data(as_text=True)
    clock.advance(seconds=30)
    right = give_code(client, two_factor.code_at(secret, clock.now()))
    assert right.status_code == 302 and right.headers["Location"].endswith("/")
    assert client.get("/zaken/list/").status_code == 200
    with app.app_context():
        actions = _db.session.scalars(
            select(AuditLog.action).where(AuditLog.username == name)
        ).all()
        assert "user.2fa_enrolled" in actions and "login.2fa" in actions


def test_a_code_is_accepted_only_once(app, required, clock):
    name = make_user(app, "Beheerder")
    client = app.test_client()
    secret, _ = enrol(app, client, clock, name)
    client.get("/logout/")
    form_login(client, name, PASSWORD)
    used = two_factor.code_at(secret, clock.now())  # the code of the enrolment itself
    give_code(client, used)
    assert client.get("/zaken/list/").status_code == 302


def test_recovery_codes_work_once_each(app, required, clock):
    name = make_user(app, "Beheerder")
    client = app.test_client()
    _, codes = enrol(app, client, clock, name)
    client.get("/logout/")
    form_login(client, name, PASSWORD)
    assert give_code(client, codes[0]).headers["Location"].endswith("/")
    client.get("/logout/")
    form_login(client, name, PASSWORD)
    give_code(client, codes[0])
    assert client.get("/zaken/list/").status_code == 302
    assert give_code(client, codes[1].upper()).headers["Location"].endswith("/")


def test_the_api_login_of_an_enrolled_user_needs_the_current_code(app, required, clock):
    name = make_user(app, "Beheerder")
    secret, _ = enrol(app, app.test_client(), clock, name)
    body = {"username": name, "password": PASSWORD, "provider": "db"}
    api = app.test_client()
    missing = api.post("/api/v1/security/login", json=body)
    assert missing.status_code == 401
    assert missing.get_json()["fouten"][0]["veld"] == "code"
    assert api.post("/api/v1/security/login", json={**body, "code": "123456"}).status_code == 401
    clock.advance(seconds=30)
    ok = api.post(
        "/api/v1/security/login", json={**body, "code": two_factor.code_at(secret, clock.now())}
    )
    assert ok.status_code == 200
    token = ok.get_json()["access_token"]
    assert api.get("/api/v1/case/", headers=bearer(token)).status_code == 200


def test_a_required_but_unenrolled_user_gets_no_api_token(app, required):
    name = make_user(app, "Beheerder")
    body = {"username": name, "password": PASSWORD, "provider": "db"}
    response = app.test_client().post("/api/v1/security/login", json=body)
    assert response.status_code == 403
    assert "verplicht" in response.get_json()["fouten"][0]["melding"]


def test_medewerkers_need_it_only_where_their_organisation_says_so(app, required, clock):
    free = make_user(app, "Medewerker", "ISD Bollenstreek")
    assert form_login(app.test_client(), free, PASSWORD).headers["Location"].endswith("/")
    with app.app_context():
        org("ISD Bollenstreek").two_factor_for_caseworkers = True
        _db.session.commit()
    try:
        bound = make_user(app, "Medewerker", "ISD Bollenstreek")
        response = form_login(app.test_client(), bound, PASSWORD)
        assert response.headers["Location"].endswith("/login/inrichten")
    finally:
        with app.app_context():
            org("ISD Bollenstreek").two_factor_for_caseworkers = False
            _db.session.commit()


def test_in_development_it_is_optional_and_can_be_set_up_from_the_menu(app, clock):
    assert app.config["TWO_FACTOR_REQUIRED"] is False
    name = make_user(app, "Beheerder")
    client = login(app, name, PASSWORD)  # no code asked
    assert "alleen met een wachtwoord" in client.get("/tweestaps/").get_data(as_text=True)
    page = client.get("/tweestaps/instellen").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    token = csrf_token(client, "/tweestaps/instellen")
    client.post(
        "/tweestaps/instellen",
        data={"code": two_factor.code_at(secret, clock.now()), "csrf_token": token},
    )
    assert "herstelcode" in client.get("/tweestaps/").get_data(as_text=True)
    client.get("/logout/")
    assert form_login(client, name, PASSWORD).headers["Location"].endswith("/login/code")


def test_a_beheerder_resets_the_second_factor_of_an_own_user_only(app, required, clock):
    own = make_user(app, "Beheerder")
    enrol(app, app.test_client(), clock, own)
    foreign = make_user(app, "Beheerder", "ISD Bollenstreek")
    enrol(app, app.test_client(), clock, foreign)
    with app.app_context():
        own_id = _db.session.scalar(select(User.id).where(User.username == own))
        foreign_id = _db.session.scalar(select(User.id).where(User.username == foreign))
    app.config["TWO_FACTOR_REQUIRED"] = False
    beheerder = login(app, "beheerder.zwolle", DEMO_PASSWORD)
    app.config["TWO_FACTOR_REQUIRED"] = True
    token = csrf_token(beheerder, "/users/list/")
    response = beheerder.post(
        "/users/action_post",
        data={"action": "reset_two_factor", "rowid": [str(own_id)], "csrf_token": token},
    )
    assert response.status_code == 302
    refused = beheerder.post(
        "/users/action_post",
        data={"action": "reset_two_factor", "rowid": [str(foreign_id)], "csrf_token": token},
    )
    assert refused.status_code == 404
    with app.app_context():
        assert _db.session.get(User, own_id).totp_enabled_on is None
        assert _db.session.get(User, foreign_id).totp_enabled_on is not None
    again = form_login(app.test_client(), own, PASSWORD)
    assert again.headers["Location"].endswith("/login/inrichten")
