"""Safe headers on every answer, and `_info` without the catalogue header as description."""

from __future__ import annotations

from tests.conftest import api_token, bearer


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
