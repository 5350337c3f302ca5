"""Tenancy (DESIGN.md 7.1): another organisation's objects answer 404 on every route."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    AssetHouseholdType,
    AssetLimit,
    AuditLog,
    Case,
    Channel,
    ImportKind,
    ImportRecord,
    Memo,
    Message,
    MessageStatus,
    Municipality,
    Resident,
    Template,
    TemplateEvent,
    User,
)
from tests.conftest import api_token, bearer, csrf_token, login
from tests.helpers import BOLLENSTREEK, ZWOLLE, cases_of, first, municipality, org

PK_ARGS = {"pk", "id"}


@pytest.fixture(scope="module")
def foreign(app: Any) -> dict[type, int]:
    """One object of ISD Bollenstreek per model, as seen from Gemeente Zwolle."""
    login(app, "beheerder.bollenstreek")  # leaves an audit entry of the ISD
    with app.app_context():
        isd = org("ISD Bollenstreek")
        case = cases_of(*BOLLENSTREEK)[0]
        hillegom = municipality("0534")
        message = Message(
            case=case,
            municipality=hillegom,
            event=TemplateEvent.CONFIRMATION,
            channel=Channel.EMAIL,
            recipient="inwoner@example.nl",
            subject="Bevestiging",
            body_text="Tekst",
            status=MessageStatus.NOT_SENT,
        )
        limit = AssetLimit(
            valid_from=dt.date(2026, 7, 1),
            household_type=AssetHouseholdType.SINGLE,
            amount=Decimal("9000.00"),
            municipality=hillegom,
        )
        memo = Memo(case=case, text="Memo van de ISD")
        record = ImportRecord(
            municipality=hillegom, kind=ImportKind.ALLOWLIST, filename="lijst.csv", mode="append"
        )
        _db.session.add_all([message, limit, memo, record])
        _db.session.commit()
        return {
            Case: case.id,
            Resident: case.applicant_id,
            Municipality: hillegom.id,
            Template: first(Template, Template.municipality_id == hillegom.id).id,
            Memo: memo.id,
            Message: message.id,
            AssetLimit: limit.id,
            AuditLog: first(AuditLog, AuditLog.organisation_id == isd.id).id,
            User: first(User, User.organisation_id == isd.id).id,
            ImportRecord: record.id,
        }


def _model_of(app: Any, endpoint: str) -> type | None:
    view_name = endpoint.split(".")[0]
    for view in app.appbuilder.baseviews:
        if view.__class__.__name__ == view_name:
            datamodel = getattr(view, "datamodel", None)
            return datamodel.obj if datamodel is not None else None
    return None


def _routes_with_pk(app: Any) -> list[tuple[Any, type]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not (set(rule.arguments) & PK_ARGS):
            continue
        model = _model_of(app, rule.endpoint)
        if model is None:
            continue
        routes.append((rule, model))
    return routes


def test_every_pk_route_answers_404_for_another_organisation(app, foreign):
    """Walk app.url_map: every route taking a pk refuses the ISD's objects to Zwolle."""
    client = login(app, "beheerder.zwolle")
    token = api_token(app.test_client(), "beheerder.zwolle")
    csrf = csrf_token(client, "/zaken/zoek-bsn")
    checked = []
    for rule, model in _routes_with_pk(app):
        # Model base classes map onto ours (FAB's User -> our OrgUser).
        pk = next((v for m, v in foreign.items() if issubclass(m, model)), None)
        if pk is None:
            continue  # national reference data (norms) is not tenant data
        values = {arg: pk for arg in rule.arguments if arg in PK_ARGS}
        values.update({arg: "x" for arg in rule.arguments if arg not in PK_ARGS})
        if "name" in rule.arguments:
            values["name"] = "resetpasswords"
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, v=values: str(v[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.rule.startswith("/api/"):
                response = app.test_client().open(
                    url, method=method, headers=bearer(token), json={"text": "x"}
                )
            else:
                data = {"csrf_token": csrf, "tekst": "x", "rowid": pk, "action": "x"}
                response = client.open(url, method=method, data=data)
            checked.append((method, url, response.status_code))
            assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
    # The walk must really cover the case routes, actions, the users and the REST API.
    urls = {u for _m, u, _s in checked}
    assert f"/zaken/show/{foreign[Case]}" in urls
    assert f"/zaken/action/resetpasswords/{foreign[Case]}" in urls
    assert f"/api/v1/case/{foreign[Case]}" in urls
    assert f"/api/v1/case/{foreign[Case]}/delivery" in urls
    assert f"/api/v1/municipality/{foreign[Municipality]}" in urls
    assert f"/users/edit/{foreign[User]}" in urls
    assert f"/import/show/{foreign[ImportRecord]}/bevestigen" in urls
    print(f"{len(checked)} requests checked")
    assert len(checked) >= 40


def test_refused_attempts_are_audited(app, foreign):
    client = login(app, "medewerker.zwolle")
    assert client.get(f"/zaken/show/{foreign[Case]}").status_code == 404
    with app.app_context():
        entry = _db.session.scalar(
            select(AuditLog)
            .where(AuditLog.action == "access.refused")
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
        assert (entry.username, entry.object_type, entry.object_id, entry.result) == (
            "medewerker.zwolle",
            "case",
            str(foreign[Case]),
            "refused",
        )


def test_action_post_refuses_rows_of_another_organisation(app, foreign):
    """FAB's action_post loads rows without base filters; ours answers 404."""
    client = login(app, "beheerder.zwolle")
    csrf = csrf_token(client, "/zaken/zoek-bsn")
    response = client.post(
        "/users/action_post",
        data={"csrf_token": csrf, "action": "resetpasswords", "rowid": foreign[User]},
    )
    assert response.status_code == 404


def test_foreign_objects_unchanged_after_the_walk(app, foreign):
    with app.app_context():
        case = _db.session.get(Case, foreign[Case])
        assert [m.text for m in case.memos] == ["Memo van de ISD"]
        assert _db.session.get(Municipality, foreign[Municipality]).name == "Hillegom"
        assert _db.session.get(AssetLimit, foreign[AssetLimit]) is not None


@pytest.mark.parametrize(
    ("username", "codes"),
    [
        ("beheerder.zwolle", ZWOLLE),
        ("medewerker.zwolle", ZWOLLE),
        ("beheerder.bollenstreek", BOLLENSTREEK),
        ("medewerker.bollenstreek", BOLLENSTREEK),
    ],
)
def test_lists_api_and_export_show_only_own_municipalities(app, username, codes):
    with app.app_context():
        own = {c.id for c in cases_of(*codes)}
        user = _db.session.scalar(select(User).where(User.username == username))
        org_codes = {m.cbs_code for m in user.organisation.municipalities}
        numbers_elsewhere = {c.number for c in _db.session.scalars(select(Case)) if c.id not in own}
        own_numbers = {c.number for c in cases_of(*codes)}
    client = login(app, username)
    # Screen: every page of the list.
    page = client.get("/zaken/list/?psize_CaseModelView=100").get_data(as_text=True)
    shown = {cell.strip() for cell in re.findall(r"<td>([^<]*)</td>", page)}
    assert len(shown & own_numbers) >= 25  # the cells really hold case numbers
    assert not (shown & numbers_elsewhere)
    # REST API.
    token = api_token(app.test_client(), username)
    rows: list[dict] = []
    for page_number in range(100):  # every page: the suite's other modules add cases too
        body = (
            app.test_client()
            .get(f"/api/v1/case/?q=(page:{page_number},page_size:500)", headers=bearer(token))
            .get_json()
        )
        rows += body["result"]
        if not body["result"]:
            break
    assert body["count"] == len(own)
    assert len(rows) == len(own)
    assert {row["id"] for row in rows} == own
    assert {row["municipality"] for row in rows} == set(codes)
    # Municipalities.
    body = app.test_client().get("/api/v1/municipality/", headers=bearer(token)).get_json()
    assert {r["cbs_code"] for r in body["result"]} == org_codes
    assert set(codes) <= org_codes
    # Export from the screen.
    export = client.get("/zaken/export/csv").get_data(as_text=True)
    ids = {int(line.split(";")[0]) for line in export.splitlines()[1:] if line}
    assert ids == own


def test_filtering_on_another_organisations_municipality_finds_nothing(app):
    with app.app_context():
        hillegom_id = municipality("0534").id
    client = login(app, "medewerker.zwolle")
    page = client.get(f"/zaken/list/?_flt_0_municipality={hillegom_id}").get_data(as_text=True)
    with app.app_context():
        for case in cases_of("0534")[:20]:
            assert case.number not in page
    export = client.get(f"/zaken/export/csv?_flt_0_municipality={hillegom_id}")
    assert export.get_data(as_text=True).strip().count("\n") == 0  # header only


def test_bsn_search_does_not_cross_organisations(app):
    with app.app_context():
        bsn = cases_of("0534")[0].applicant.bsn
    client = login(app, "medewerker.zwolle")
    csrf = csrf_token(client, "/zaken/zoek-bsn")
    page = client.post("/zaken/zoek-bsn", data={"bsn": bsn, "csrf_token": csrf})
    assert "0 zaak/zaken gevonden" in page.get_data(as_text=True)


def test_platform_admin_sees_every_organisation(app, admin_client):
    token = api_token(app.test_client(), "admin", "Admin-Test-2026!")
    body = app.test_client().get("/api/v1/case/?q=(page_size:1)", headers=bearer(token)).get_json()
    with app.app_context():
        assert body["count"] == _db.session.scalar(select(func.count(Case.id)))


def test_user_without_organisation_sees_no_cases(app):
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_user(
            username="zwerver",
            first_name="Zonder",
            last_name="Organisatie",
            email="zwerver@example.nl",
            role=sm.find_role("Medewerker"),
            password="Zwerver-Test-2026!",
        )
    token = api_token(app.test_client(), "zwerver", "Zwerver-Test-2026!")
    body = app.test_client().get("/api/v1/case/", headers=bearer(token)).get_json()
    assert body["count"] == 0


def test_a_requests_memo_of_the_municipalities_follows_a_change_and_its_rollback(app):
    """The ids are looked up once per request, but a municipality moved in is seen at once."""
    from app.services import tenancy

    with app.test_request_context():
        user = first(User, User.username == "medewerker.zwolle")
        own = set(tenancy.municipality_ids(user))
        hillegom = municipality("0534")
        assert hillegom.id not in own
        hillegom.organisation_id = user.organisation_id
        _db.session.flush()
        assert set(tenancy.municipality_ids(user)) == {*own, hillegom.id}
        _db.session.rollback()
        assert set(tenancy.municipality_ids(user)) == own
        assert tenancy.get_case(first(Case, Case.municipality_id.in_(own)).id, user)
