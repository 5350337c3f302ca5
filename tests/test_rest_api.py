"""The REST API per contracts/rest-api.md: JWT login, resources, roles, tenancy, OpenAPI."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Memo, Municipality
from tests.conftest import api_token, bearer
from tests.helpers import ZWOLLE, cases_of, municipality

CASE_FIELDS = {
    "id",
    "kind",
    "status",
    "advice",
    "decision",
    "municipality",
    "application_number",
    "contract_number",
    "applicant_bsn",
    "applicant_name",
    "partner_bsn",
    "partner_name",
    "contact_preference",
    "children_count",
    "created_on",
    "changed_on",
}


def test_login_returns_a_token_and_wrong_password_is_refused(client):
    assert api_token(client, "medewerker.zwolle")
    response = client.post(
        "/api/v1/security/login",
        json={"username": "medewerker.zwolle", "password": "fout", "provider": "db"},
    )
    assert response.status_code == 401


def test_api_without_token_is_refused(client):
    assert client.get("/api/v1/case/").status_code == 401


def test_case_list_and_detail_have_the_contract_fields(app, client):
    token = api_token(client, "medewerker.zwolle")
    body = client.get("/api/v1/case/?q=(page_size:5)", headers=bearer(token)).get_json()
    assert len(body["result"]) == 5
    assert set(body["result"][0]) >= CASE_FIELDS
    with app.app_context():
        case = next(c for c in cases_of(*ZWOLLE) if c.partner_id)
        expected = {
            "id": case.id,
            "kind": case.kind.name,
            "status": case.status.name,
            "municipality": "0193",
            "applicant_bsn": case.applicant.bsn,
            "applicant_name": case.applicant.full_name,
            "partner_bsn": case.partner.bsn,
            "children_count": case.children_count,
            "contact_preference": case.contact_preference.name,
        }
    detail = client.get(f"/api/v1/case/{case.id}", headers=bearer(token)).get_json()["result"]
    assert {k: detail[k] for k in expected} == expected


def test_case_filter_by_status_with_rison(app, client):
    token = api_token(client, "medewerker.zwolle")
    q = "(filters:!((col:status,opr:eq,value:DECIDED)),page_size:100)"
    body = client.get(f"/api/v1/case/?q={q}", headers=bearer(token)).get_json()
    with app.app_context():
        expected = {c.id for c in cases_of(*ZWOLLE) if c.status.name == "DECIDED"}
    assert {r["id"] for r in body["result"]} == expected
    assert all(r["status"] == "DECIDED" for r in body["result"])


def test_cases_are_read_only_through_crud(client):
    token = api_token(client, "beheerder.zwolle")
    assert client.post("/api/v1/case/", json={}, headers=bearer(token)).status_code == 405
    assert client.delete("/api/v1/case/1", headers=bearer(token)).status_code == 405


def test_beheerder_changes_own_municipality_settings(app, client):
    token = api_token(client, "beheerder.zwolle")
    with app.app_context():
        zwolle_id = municipality("0193").id
    response = client.put(
        f"/api/v1/municipality/{zwolle_id}",
        json={"reminder_days": [7, 14], "income_percentage": "125", "check_mode": "AFTER"},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = client.get(f"/api/v1/municipality/{zwolle_id}", headers=bearer(token)).get_json()
    assert body["result"]["reminder_days"] == [7, 14]
    assert body["result"]["check_mode"] == "AFTER"
    # Put the demo back for the other tests.
    client.put(
        f"/api/v1/municipality/{zwolle_id}",
        json={"reminder_days": [5, 10, 14], "income_percentage": "130", "check_mode": "BEFORE"},
        headers=bearer(token),
    )


def test_invalid_reminder_days_are_refused_and_nothing_changes(app, client):
    token = api_token(client, "beheerder.zwolle")
    with app.app_context():
        zwolle_id = municipality("0193").id
    response = client.put(
        f"/api/v1/municipality/{zwolle_id}",
        json={"reminder_days": ["vijf"], "uses_allowlist": False},
        headers=bearer(token),
    )
    assert response.status_code == 422
    fouten = response.get_json()["fouten"]
    assert [f["veld"] for f in fouten] == ["reminder_days"]
    assert fouten[0]["melding"].startswith("Geef hele dagen na de uitnodiging")
    response = client.put(
        f"/api/v1/municipality/{zwolle_id}",
        json={"income_percentage": "1000", "primary_color": "blauw"},
        headers=bearer(token),
    )
    assert response.status_code == 422
    problems = {f["veld"]: f["melding"] for f in response.get_json()["fouten"]}
    assert problems["income_percentage"] == "Kies een waarde van 50 tot en met 300."
    assert problems["primary_color"].startswith("Geef een kleur als #rrggbb")
    with app.app_context():
        m = _db.session.get(Municipality, zwolle_id)
        assert m.uses_allowlist is True
        assert m.reminder_days == [5, 10, 14]


def test_medewerker_cannot_change_settings_and_nobody_creates_without_admin(app, client):
    with app.app_context():
        zwolle_id = municipality("0193").id
    token = api_token(client, "medewerker.zwolle")
    response = client.put(
        f"/api/v1/municipality/{zwolle_id}", json={"uses_allowlist": False}, headers=bearer(token)
    )
    assert response.status_code == 403
    token = api_token(client, "beheerder.zwolle")
    response = client.post(
        "/api/v1/municipality/",
        json={"cbs_code": "0363", "name": "Amsterdam"},
        headers=bearer(token),
    )
    assert response.status_code == 403


def test_admin_creates_a_municipality_with_default_templates(app, client):
    token = api_token(client, "admin", "Admin-Test-2026!")
    with app.app_context():
        from tests.helpers import org

        org_id = org("ISD Bollenstreek").id
    response = client.post(
        "/api/v1/municipality/",
        json={"cbs_code": "0575", "name": "Noordwijk", "organisation": org_id},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        created = municipality("0575")
        assert len(_db.session.scalars(select(Memo).limit(0)).all()) == 0
        from app.models import Template

        templates = _db.session.scalars(
            select(Template).where(Template.municipality_id == created.id)
        ).all()
        assert len(templates) == 9


def test_memo_post_through_the_service(app, client):
    token = api_token(client, "medewerker.zwolle")
    with app.app_context():
        case_id = cases_of(*ZWOLLE)[3].id
    response = client.post(
        "/api/v1/memo/", json={"case_id": case_id, "text": "Via de API"}, headers=bearer(token)
    )
    assert response.status_code == 201
    assert response.get_json()["result"]["created_by"] == "medewerker.zwolle"
    response = client.post(
        "/api/v1/memo/", json={"case_id": case_id, "text": "  "}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "fouten": [{"veld": "text", "melding": "Vul de tekst van het memo in."}]
    }
    response = client.post("/api/v1/memo/", data="geen json", headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["fouten"][0]["veld"] is None


def test_audit_api_is_for_beheerders_of_the_organisation(app, client):
    token = api_token(client, "medewerker.zwolle")
    assert client.get("/api/v1/audit/", headers=bearer(token)).status_code == 403
    token = api_token(client, "beheerder.zwolle")
    body = client.get("/api/v1/audit/?q=(page_size:100)", headers=bearer(token)).get_json()
    assert body["count"] > 0
    with app.app_context():
        from tests.helpers import org

        zwolle_org = org("Gemeente Zwolle").id
        from app.models import AuditLog

        ids = {r["id"] for r in body["result"]}
        orgs = {_db.session.get(AuditLog, i).organisation_id for i in ids}
    assert orgs == {zwolle_org}


def test_national_norms_and_asset_limits_are_readable(client):
    token = api_token(client, "medewerker.bollenstreek")
    body = client.get("/api/v1/national_norm/?q=(page_size:100)", headers=bearer(token)).get_json()
    assert body["count"] == 20
    row = next(
        r
        for r in body["result"]
        if r["valid_from"] == "2025-07-01" and r["household_type"] == "SINGLE"
    )
    assert row["amount"] == "1369.06"
    assert row["verified"] is True
    body = client.get("/api/v1/asset_limit/?q=(page_size:100)", headers=bearer(token)).get_json()
    unverified = [r for r in body["result"] if not r["verified"]]
    assert {r["valid_from"] for r in unverified} == {"2026-01-01"}
    response = client.post(
        "/api/v1/national_norm/",
        json={"valid_from": "2026-07-01", "household_type": "SINGLE", "amount": "1500.00"},
        headers=bearer(token),
    )
    assert response.status_code == 403


def test_openapi_spec_and_swagger_ui(client, medewerker_client):
    token = api_token(client, "medewerker.zwolle")
    spec = client.get("/api/v1/_openapi", headers=bearer(token)).get_json()
    paths = spec["paths"]
    for path in ["/case/", "/case/{pk}", "/case/export", "/municipality/", "/memo/", "/message/"]:
        path = "/api/v1" + path
        assert path in paths, path
    assert medewerker_client.get("/swagger/v1").status_code == 200


def test_api_login_is_rate_limited_like_the_form(app, tmp_dir):
    from app import create_app
    from tests.conftest import make_config

    config = make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_dir)
    config.AUTH_RATE_LIMITED = True
    config.RATELIMIT_ENABLED = True
    config.AUTH_RATE_LIMIT = "3 per 20 second"
    limited = create_app(config).test_client()
    codes = [
        limited.post(
            "/api/v1/security/login",
            json={"username": "medewerker.zwolle", "password": "fout", "provider": "db"},
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    # The login form has the same rule.
    form_codes = [
        limited.post("/login/", data={"username": "x", "password": "y"}).status_code
        for _ in range(4)
    ]
    assert 429 not in form_codes[:3]
    assert form_codes[3] == 429


def test_asset_limits_take_the_municipality_as_cbs_code(app, client):
    token = api_token(client, "beheerder.zwolle")
    body = {
        "valid_from": "2026-07-01",
        "household_type": "FAMILY",
        "amount": "17000.00",
        "municipality": "0193",
        "verified": True,
        "source": "Beleidsregels Zwolle 2026",
    }
    response = client.post("/api/v1/asset_limit/", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["result"]
    assert (created["municipality"], created["amount"]) == ("0193", "17000.00")
    limit_id = response.get_json()["id"]
    # The same period and household again is refused, naming the field.
    again = client.post("/api/v1/asset_limit/", json=body, headers=bearer(token))
    assert again.status_code == 422 and again.get_json()["fouten"][0]["veld"] == "valid_from"
    # A national limit is for the platform Admin only; another organisation's code is unknown.
    national = dict(body, municipality=None, valid_from="2026-08-01")
    assert (
        client.post("/api/v1/asset_limit/", json=national, headers=bearer(token)).status_code == 403
    )
    foreign = dict(body, municipality="0534", valid_from="2026-09-01")
    response = client.post("/api/v1/asset_limit/", json=foreign, headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["fouten"] == [
        {"veld": "municipality", "melding": "Onbekende gemeente."}
    ]
    bad = dict(body, amount=17000, household_type="GEZIN", valid_from="1-7-2026")
    response = client.post("/api/v1/asset_limit/", json=bad, headers=bearer(token))
    assert {e["veld"] for e in response.get_json()["fouten"]} == {
        "amount",
        "household_type",
        "valid_from",
    }
    # Change and delete the own override; the ISD cannot see it.
    response = client.put(
        f"/api/v1/asset_limit/{limit_id}", json={"amount": "17500.00"}, headers=bearer(token)
    )
    assert response.get_json()["result"]["amount"] == "17500.00"
    isd = api_token(client, "beheerder.bollenstreek")
    assert client.get(f"/api/v1/asset_limit/{limit_id}", headers=bearer(isd)).status_code == 404
    assert client.delete(f"/api/v1/asset_limit/{limit_id}", headers=bearer(isd)).status_code == 404
    assert (
        client.delete(f"/api/v1/asset_limit/{limit_id}", headers=bearer(token)).status_code == 200
    )
    with app.app_context():
        from app.models import AssetLimit

        national_id = _db.session.scalar(
            select(AssetLimit.id).where(AssetLimit.municipality_id.is_(None)).limit(1)
        )
    assert (
        client.delete(f"/api/v1/asset_limit/{national_id}", headers=bearer(token)).status_code
        == 403
    )
    admin = api_token(client, "admin", "Admin-Test-2026!")
    response = client.post("/api/v1/asset_limit/", json=national, headers=bearer(admin))
    assert response.status_code == 201 and response.get_json()["result"]["municipality"] is None
    # The Admin may remove it again; that also leaves the national limits as the other
    # test modules know them (they share this database).
    created_national = response.get_json()["id"]
    removed = client.delete(f"/api/v1/asset_limit/{created_national}", headers=bearer(admin))
    assert removed.status_code == 200
