"""The audit log: views, exports, changes and logins are written, never personal data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditLog, Resident
from app.services import errors
from app.services.security import audit
from app.services.unit import unit_of_work
from tests.conftest import csrf_token, login
from tests.helpers import ZWOLLE, cases_of


def _last(action: str) -> AuditLog:
    return _db.session.scalar(
        select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id.desc()).limit(1)
    )


def test_case_view_is_audited(app, medewerker_client):
    with app.app_context():
        case_id = cases_of(*ZWOLLE)[5].id
    assert medewerker_client.get(f"/zaken/show/{case_id}").status_code == 200
    with app.app_context():
        entry = _last("case.view")
        assert (entry.object_type, entry.object_id, entry.username) == (
            "case",
            str(case_id),
            "medewerker.zwolle",
        )


def test_logins_are_audited_both_ways(app, client):
    login(app, "medewerker.bollenstreek")
    token = csrf_token(client, "/login/")
    client.post(
        "/login/",
        data={"username": "medewerker.bollenstreek", "password": "fout", "csrf_token": token},
    )
    with app.app_context():
        entries = _db.session.scalars(
            select(AuditLog).where(AuditLog.action == "login").order_by(AuditLog.id.desc()).limit(2)
        ).all()
        assert [e.result for e in entries] == ["refused", "ok"]


def test_memo_change_is_audited(app, medewerker_client):
    with app.app_context():
        case_id = cases_of(*ZWOLLE)[6].id
    token = csrf_token(medewerker_client, f"/zaken/show/{case_id}")
    medewerker_client.post(
        f"/zaken/show/{case_id}/memo", data={"tekst": "Gebeld", "csrf_token": token}
    )
    with app.app_context():
        entry = _last("memo.create")
        assert entry.username == "medewerker.zwolle"


def test_no_audit_entry_holds_a_bsn_or_name(app, beheerder_client):
    # Produce every kind of entry first.
    with app.app_context():
        case = cases_of(*ZWOLLE)[0]
        bsn = case.applicant.bsn
    token = csrf_token(beheerder_client, "/zaken/zoek-bsn")
    beheerder_client.post("/zaken/zoek-bsn", data={"bsn": bsn, "csrf_token": token})
    beheerder_client.get("/inwoners/list/")
    beheerder_client.get(f"/inwoners/show/{case.applicant_id}")
    beheerder_client.get("/zaken/export/csv")
    with app.app_context():
        residents = _db.session.scalars(select(Resident)).all()
        bsns = {r.bsn for r in residents}
        surnames = {r.surname for r in residents if len(r.surname) > 5}
        for entry in _db.session.scalars(select(AuditLog)):
            text = " ".join(
                str(v or "")
                for v in (entry.action, entry.object_type, entry.object_id, entry.detail)
            )
            assert not any(b in text for b in bsns), entry.id
            assert not any(s in text for s in surnames), entry.id
        assert _last("case.search_bsn").detail == "resultaten=1"
        assert _last("resident.view").object_id == str(case.applicant_id)


def test_audit_log_is_append_only(app):
    with app.app_context():
        entry = _db.session.scalar(select(AuditLog).limit(1))
        entry.detail = "gewijzigd"
        with pytest.raises(RuntimeError):
            _db.session.flush()
        _db.session.rollback()
        _db.session.delete(_db.session.scalar(select(AuditLog).limit(1)))
        with pytest.raises(RuntimeError):
            _db.session.flush()
        _db.session.rollback()


def test_audit_screen_for_beheerder_only(app, beheerder_client, medewerker_client):
    assert beheerder_client.get("/auditlog/list/").status_code == 200
    assert medewerker_client.get("/auditlog/list/").status_code == 403
    # No delete permission exists for the audit log, not even for a Beheerder, and not
    # for an entry of the own organisation.
    with app.app_context():
        own = _db.session.scalar(
            select(func.max(AuditLog.id)).where(AuditLog.username == "beheerder.zwolle")
        )
    assert beheerder_client.get(f"/auditlog/delete/{own}").status_code in (302, 403)
    with app.app_context():
        assert _db.session.get(AuditLog, own) is not None


def test_the_audit_log_screen_describes_every_action_in_dutch(app, beheerder_client):
    """It showed "http.get", "case.decide:GRANTED", "retention_run", "ok" and "None"."""
    from app.audit_labels import action_nl, result_nl

    assert action_nl("case.decide:GRANTED") == "Besluit genomen: Toegekend"
    assert action_nl("case.view") == "Zaak bekeken"
    assert action_nl("http.get") == "Pagina of gegevens opgevraagd"
    assert action_nl("case.start_reassessment:12") == "Zaak heronderzoek gestart (12 uitgenodigd)"
    assert action_nl("import.reassessment.upload") == "Importbestand geüpload"
    assert action_nl("municipality.update") == "Gemeente gewijzigd"
    assert (result_nl("ok"), result_nl(None)) == ("Gelukt", "")
    page = beheerder_client.get("/auditlog/list/?psize_AuditLogModelView=100").get_data(
        as_text=True
    )
    cells = set(re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", page))
    with app.app_context():
        from app.models import AuditLog

        stored = set(_db.session.scalars(select(AuditLog.action).distinct()))
        stored |= set(_db.session.scalars(select(AuditLog.object_type).distinct()))
    shown_codes = cells & ({c for c in stored if c} | {"ok", "refused", "None"})
    assert not shown_codes, sorted(shown_codes)
    assert "Gelukt" in cells


def _entries() -> int:
    return _db.session.scalar(select(func.count(AuditLog.id)))


def test_the_audit_writer_never_commits_on_its_own(app, db):
    before = _entries()
    with app.test_request_context(), pytest.raises(RuntimeError):
        audit._write("test.outside", "case", 1)
    _db.session.rollback()
    assert _entries() == before


def test_an_audit_entry_goes_with_its_action_when_the_action_fails(app, db):
    before = _entries()
    with app.test_request_context(), pytest.raises(errors.Conflict), unit_of_work(system=True):
        audit.object_changed("case", 1, "test_change")
        raise errors.Conflict("De zaak is intussen gewijzigd.")
    assert _entries() == before
    with app.test_request_context():
        audit.object_changed("case", 1, "test_change")  # an event of its own: stored
    assert _entries() == before + 1
