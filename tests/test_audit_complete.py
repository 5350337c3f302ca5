"""Every route that shows or changes personal data leaves an audit entry; none holds a BSN."""

from __future__ import annotations

import gc
import re
import time

import pytest
from sqlalchemy import func, insert, select, text

from app.audit_guard import NOT_PERSONAL_VIEWS, PERSONAL_VIEWS, WITHOUT_USER_VIEWS, view_of
from app.extensions import db as _db
from app.models import AuditLog, Memo, Message, Resident, User
from tests.conftest import DEMO_PASSWORD, api_token, bearer, csrf_token
from tests.helpers import cases_of, make_user


def _routes(app):
    for rule in app.url_map.iter_rules():
        yield rule, view_of(rule.endpoint)


def test_every_view_is_classified_as_personal_or_not(app):
    unknown = {view for _, view in _routes(app)} - set(PERSONAL_VIEWS) - NOT_PERSONAL_VIEWS
    assert not unknown, f"classify in app/audit_guard.py: {sorted(unknown)}"


def _ids(app) -> dict[str, int]:
    with app.app_context():
        case = cases_of("0193")[0]
        return {
            "case": case.id,
            "resident": case.applicant_id,
            "memo": _db.session.scalar(select(Memo.id).where(Memo.case_id == case.id))
            or _db.session.scalar(select(func.max(Memo.id))),
            "message": _db.session.scalar(select(Message.id).where(Message.case_id == case.id))
            or _db.session.scalar(select(func.max(Message.id))),
            "audit": _db.session.scalar(select(func.max(AuditLog.id))),
            "user": _db.session.scalar(
                select(User.id).where(User.username == make_user(app))  # may be deleted
            ),
        }


VALUES = {
    "token": "x" * 32,
    "kind": "herbeoordeling",
    "fmt": "csv",
    "filename": "x",
    "name": "x",
    "action": "hold",
    "document_id": 999999,
    "notice_id": 999999,
    "version": "v1",
    "cbs_code": "0193",
    "locale": "nl",
}


def _url(rule, ids: dict[str, int], object_type: str) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "pk":
            values[arg] = ids.get(object_type) or ids["case"]
        else:
            values[arg] = VALUES.get(arg, 1)
    return rule.build(values, append_unknown=False)[1]


def test_every_personal_data_route_writes_an_audit_entry(app, beheerder_client):
    ids = _ids(app)
    token = api_token(app.test_client(), "beheerder.zwolle", DEMO_PASSWORD)
    form_token = csrf_token(beheerder_client, "/zaken/zoek-bsn")
    missing = []
    walked = 0
    for rule, view in sorted(_routes(app), key=lambda r: r[0].rule):
        object_type = PERSONAL_VIEWS.get(view)
        if object_type is None:
            continue
        url = _url(rule, ids, object_type)
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "DELETE"}):
            deletes = method == "DELETE" or (method == "GET" and "/delete/" in rule.rule)
            if deletes and object_type != "user":
                continue  # deleting personal data is refused by role; tested elsewhere
            with app.app_context():
                before = _db.session.scalar(select(func.max(AuditLog.id)))
            if url.startswith("/api/"):
                client, headers, kwargs = app.test_client(), bearer(token), {"json": {}}
            else:
                client, headers = beheerder_client, {}
                kwargs = {"data": {"csrf_token": form_token}} if method != "GET" else {}
            response = client.open(url, method=method, headers=headers, **kwargs)
            response.get_data()  # a streamed export holds its request open until read
            response.close()
            walked += 1
            with app.app_context():
                entries = _db.session.scalars(
                    select(AuditLog).where(AuditLog.id > before).order_by(AuditLog.id)
                ).all()
            if view in WITHOUT_USER_VIEWS and response.status_code >= 400:
                continue  # refused partner/resident calls: refused-requests table, app log
            ok = bool(entries)
            if ok and view not in WITHOUT_USER_VIEWS:
                ok = any(e.username == "beheerder.zwolle" for e in entries)
            if ok and "pk" in rule.arguments and response.status_code < 400:
                ok = any(e.object_id == str(_pk(rule, url)) for e in entries)
            if not ok:
                missing.append(f"{method} {url} -> {response.status_code}")
    assert walked > 60
    assert not missing, missing


def _pk(rule, url: str) -> str:
    match = re.search(r"/(\d+)(/|$)", url)
    return match.group(1) if match else ""


def test_no_entry_holds_a_bsn_name_or_email(app, beheerder_client):
    beheerder_client.get("/zaken/list/?_flt_0_applicant=Jansen")
    with app.app_context():
        residents = _db.session.scalars(select(Resident)).all()
        secrets = {r.bsn for r in residents}
        secrets |= {r.surname for r in residents if len(r.surname) > 5}
        secrets |= {r.email for r in residents if r.email}
        for entry in _db.session.scalars(select(AuditLog)):
            text_ = " ".join(
                str(v or "")
                for v in (entry.action, entry.object_type, entry.object_id, entry.detail)
            )
            leaked = [s for s in secrets if s in text_]
            assert not leaked, (entry.id, entry.action)


def test_an_audit_entry_names_who_when_what_which_case_and_result(app, beheerder_client):
    case_id = _ids(app)["case"]
    beheerder_client.get(f"/zaken/show/{case_id}")
    with app.app_context():
        entry = _db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
        assert (entry.username, entry.action, entry.object_type, entry.object_id, entry.result) == (
            "beheerder.zwolle",
            "case.view",
            "case",
            str(case_id),
            "ok",
        )
        assert entry.created_on is not None and entry.ip_address


def test_another_organisations_case_is_refused_and_that_is_logged(app, isd_beheerder_client):
    case_id = _ids(app)["case"]
    assert isd_beheerder_client.get(f"/zaken/show/{case_id}").status_code == 404
    with app.app_context():
        entry = _db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
        assert entry.result == "refused" and entry.username == "beheerder.bollenstreek"


def _no_other_holders_of_the_audit_table() -> None:
    """Wait until no other connection holds a lock on audit_log (TRUNCATE needs it alone)."""
    # A session an earlier test left unclosed keeps its transaction until collected.
    gc.collect()
    query = text(
        "SELECT a.pid, a.state, a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
        " WHERE l.relation = 'audit_log'::regclass AND a.pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 30
    while True:
        with _db.engine.connect() as conn:
            holders = conn.execute(query).all()
        if not holders or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not holders, f"connections still holding audit_log: {holders}"


def test_postgresql_refuses_update_and_delete_of_audit_entries(app):
    with app.app_context():
        if _db.engine.dialect.name != "postgresql":
            pytest.skip("the trigger exists on PostgreSQL; SQLite has the ORM guard only")
        with _db.engine.begin() as conn:  # inserting stays allowed
            entry_id = conn.execute(
                insert(AuditLog).values(action="test.insert", result="ok").returning(AuditLog.id)
            ).scalar_one()
        _no_other_holders_of_the_audit_table()
        for statement in (
            "UPDATE audit_log SET detail = 'gewijzigd' WHERE id = :id",
            "DELETE FROM audit_log WHERE id = :id",
            "TRUNCATE audit_log",
        ):
            with _db.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
                conn.execute(text("SET lock_timeout = '30s'"))
                conn.execute(text(statement), {"id": entry_id})
        assert _db.session.scalar(select(func.count()).where(AuditLog.id == entry_id)) == 1


def test_the_audit_screen_filters_by_user_action_case_and_period_and_exports_audited(
    app, beheerder_client, isd_beheerder_client
):
    case_id = _ids(app)["case"]
    beheerder_client.get(f"/zaken/show/{case_id}")
    isd_beheerder_client.get("/zaken/list/")
    filters = (
        "_flt_3_username=beheerder.zwolle&_flt_3_action=case.view"
        f"&_flt_3_object_id={case_id}&_flt_1_created_on=2020-01-01+00:00:00"
    )
    page = beheerder_client.get(f"/auditlog/list/?{filters}").get_data(as_text=True)
    assert "Exporteren (CSV" in page
    response = beheerder_client.get(f"/auditlog/export?{filters}")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    # Headers and values in Dutch, as the audit screen shows them.
    assert lines[0].startswith("Id;Tijdstip;Gebruiker;Handeling;Soort object")
    assert len(lines) >= 2
    for line in lines[1:]:
        cells = line.split(";")
        assert cells[2:6] == ["beheerder.zwolle", "Zaak bekeken", "Zaak", str(case_id)], line
    with app.app_context():
        entry = _db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
        assert (entry.action, entry.object_type, entry.username) == (
            "export",
            "audit",
            "beheerder.zwolle",
        )
        assert "username" in entry.detail and f"rijen={len(lines) - 1}" in entry.detail
    everything = beheerder_client.get("/auditlog/export").get_data(as_text=True)
    assert "beheerder.bollenstreek" not in everything  # another organisation's entries


def test_a_medewerker_cannot_export_the_audit_log(medewerker_client):
    assert medewerker_client.get("/auditlog/export").status_code in (302, 403)
