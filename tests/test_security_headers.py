"""Safe headers on every answer, and `_info` without the catalogue header as description."""

from __future__ import annotations

from config import Config
from tests.conftest import DEMO_PASSWORD, api_token, bearer, csrf_token


def assert_safe(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_and_api_answers_with_personal_data_are_never_cached(app, medewerker_client):
    page = medewerker_client.get("/zaken/list/")
    assert page.status_code == 200
    assert_safe(page)
    assert page.headers["Cache-Control"] == "no-store"
    token = api_token(app.test_client(), "medewerker.zwolle")
    answer = app.test_client().get("/api/v1/case/", headers=bearer(token))
    assert answer.status_code == 200
    assert_safe(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    login = app.test_client().get("/login/")
    assert_safe(login)


def test_static_files_may_be_cached_but_are_not_sniffed(client):
    response = client.get("/static/resident.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Cache-Control") != "no-store"


def test_info_descriptions_are_not_the_translation_catalogue_header(app):
    token = api_token(app.test_client(), "beheerder.zwolle")
    for resource in ("case", "memo", "message", "municipality", "national_norm", "asset_limit"):
        info = app.test_client().get(f"/api/v1/{resource}/_info", headers=bearer(token))
        assert info.status_code == 200, resource
        text = info.get_data(as_text=True)
        assert "Project-Id-Version" not in text, resource


def test_the_session_cookie_is_httponly_and_samesite_and_secure_behind_https(app):
    client = app.test_client()
    token = csrf_token(client, "/login/")
    response = client.post(
        "/login/",
        data={"username": "medewerker.zwolle", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test app is served over http

    class HttpsConfig(Config):
        PUBLIC_BASE_URL = "https://gemeentepolis.example.nl"

    assert HttpsConfig().SESSION_COOKIE_SECURE is True
    assert HttpsConfig().REMEMBER_COOKIE_SECURE is True
    assert Config().SESSION_COOKIE_SECURE is False
