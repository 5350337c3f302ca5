"""Safe headers on every answer, and `_info` without the catalogue header as description."""

from __future__ import annotations

import re

from sqlalchemy import select

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


SCRIPT_RE = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
NONCE_RE = re.compile(r"'nonce-([^']+)'")


def assert_no_inline_script_without_nonce(response, path: str) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy, path
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0], path
    nonce = NONCE_RE.search(policy).group(1)
    html = response.get_data(as_text=True)
    for attributes in SCRIPT_RE.findall(html):
        if "src=" in attributes:
            assert 'src="/' in attributes, (path, attributes)  # our own origin only
        else:
            assert f'nonce="{nonce}"' in attributes, (path, attributes)
    assert not re.search(r"\son[a-z]+\s*=", html.split("<body", 1)[-1]), path
    assert "javascript:" not in html, path


def test_every_kind_of_page_has_a_csp_that_allows_no_unannounced_inline_script(
    app, beheerder_client, admin_client
):
    from app.extensions import db
    from app.models import Case, ImportRecord, Municipality

    with app.app_context():
        case_id = db.session.scalar(
            select(Case.id).join(Municipality).where(Municipality.cbs_code == "0193").limit(1)
        )
        import_id = db.session.scalar(select(ImportRecord.id).limit(1))
        municipality_id = db.session.scalar(
            select(Municipality.id).where(Municipality.cbs_code == "0193")
        )
    pages = [
        (beheerder_client, "/"),
        (beheerder_client, "/zaken/list/"),
        (beheerder_client, f"/zaken/show/{case_id}"),
        (beheerder_client, "/zaken/zoek-bsn"),
        (beheerder_client, "/parameters/0193"),
        (beheerder_client, "/gemeenten/list/"),
        (beheerder_client, "/users/list/"),
        (beheerder_client, "/auditlog/list/"),
        (beheerder_client, f"/gemeenten/edit/{municipality_id}"),
        (beheerder_client, "/sjablonen/list/"),
        (beheerder_client, "/import/list/"),
        (admin_client, "/normen/list/"),
        (admin_client, "/swagger/v1"),
        (app.test_client(), "/login/"),
    ]
    if import_id:
        pages.append((beheerder_client, f"/import/show/{import_id}"))
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_safe(response)
        assert_no_inline_script_without_nonce(response, path)


def test_the_nonce_differs_per_response(client):
    first = NONCE_RE.search(client.get("/login/").headers["Content-Security-Policy"]).group(1)
    second = NONCE_RE.search(client.get("/login/").headers["Content-Security-Policy"]).group(1)
    assert first != second and len(first) >= 16
