"""Exports: CSV for Dutch Excel (;, UTF-8 with BOM, formulas escaped) and XLSX, audited."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db as _db
from app.formatting import date_nl, datetime_nl
from app.models import AuditLog, Case
from app.services.export import HEADER, escape_cell
from tests.conftest import api_token, bearer
from tests.helpers import ZWOLLE, cases_of


def _csv_rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8")), delimiter=";"))


def test_csv_export_of_the_filtered_list(app, medewerker_client):
    response = medewerker_client.get("/zaken/export/csv?_flt_0_status=INVITED")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="zaken.csv"' in response.headers["Content-Disposition"]
    rows = _csv_rows(response.get_data())
    assert rows[0] == HEADER
    with app.app_context():
        expected = {c.id for c in cases_of(*ZWOLLE) if c.status.name == "INVITED"}
        case = _db.session.get(Case, min(expected))
        applicant = case.applicant.full_name
    assert {int(r[0]) for r in rows[1:]} == expected
    first = next(r for r in rows[1:] if int(r[0]) == min(expected))
    assert first[2] == "INVITED"
    assert first[5] == "0193"
    assert first[10] == applicant


def test_formula_cells_are_escaped(app, medewerker_client):
    with app.app_context():
        case = cases_of(*ZWOLLE)[0]
        original = case.applicant.initials
        case.applicant.initials = '=HYPERLINK("http://evil","klik")'
        _db.session.commit()
        case_id = case.id
    try:
        rows = _csv_rows(medewerker_client.get("/zaken/export/csv").get_data())
        row = next(r for r in rows if r[0] == str(case_id))
        assert row[10].startswith("'")
        assert "=HYPERLINK" in row[10]
        xlsx = medewerker_client.get("/zaken/export/xlsx").get_data()
        sheet = load_workbook(io.BytesIO(xlsx), read_only=True).active
        values = next(r for r in sheet.iter_rows(values_only=True) if r[0] == case_id)
        assert str(values[10]).startswith("'")
    finally:
        with app.app_context():
            _db.session.get(Case, case_id).applicant.initials = original
            _db.session.commit()
    for dangerous in ["=1+1", "+31", "-2", "@SUM(A1)", "\tx"]:
        assert escape_cell(dangerous).startswith("'")
    assert escape_cell("Jansen") == "Jansen"
    assert escape_cell(12) == 12


def test_xlsx_export_is_a_real_workbook(app, beheerder_client):
    response = beheerder_client.get("/zaken/export/xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    with app.app_context():
        assert len(rows) - 1 == len(cases_of(*ZWOLLE))


def test_api_export_with_rison_filter(app, client):
    token = api_token(client, "medewerker.bollenstreek")
    q = "(filters:!((col:kind,opr:eq,value:APPLICATION)))"
    response = client.get(f"/api/v1/case/export?format=csv&q={q}", headers=bearer(token))
    assert response.status_code == 200
    rows = _csv_rows(response.get_data())
    assert rows[1:] and all(r[1] == "APPLICATION" for r in rows[1:])
    assert {r[5] for r in rows[1:]} <= {"0534", "0553", "1525"}
    response = client.get("/api/v1/case/export?format=pdf", headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["fouten"][0]["veld"] == "format"


def test_every_export_is_audited_without_personal_data(app, medewerker_client):
    with app.app_context():
        before = _db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "export")
        )
    medewerker_client.get("/zaken/export/csv?_flt_0_status=DECIDED")
    with app.app_context():
        entries = _db.session.scalars(
            select(AuditLog).where(AuditLog.action == "export").order_by(AuditLog.id)
        ).all()
        assert len(entries) == before + 1
        entry = entries[-1]
        assert entry.username == "medewerker.zwolle"
        assert "formaat=csv" in entry.detail
        assert "filters=status" in entry.detail
        assert "DECIDED" not in entry.detail


def test_every_column_of_a_household_with_a_partner_matches_the_case(app, medewerker_client):
    with app.app_context():
        case = next(c for c in cases_of(*ZWOLLE) if c.partner is not None and c.advice)
        expected = [
            str(case.id), case.kind.name, case.status.name, case.advice.name,
            case.decision.name if case.decision else "", case.municipality.cbs_code,
            case.municipality.name, case.application_number or "", case.contract_number or "",
            case.applicant.bsn, case.applicant.full_name, date_nl(case.applicant.birth_date),
            case.partner.bsn, case.partner.full_name, str(case.children_count),
            case.contact_preference.name, datetime_nl(case.created_on),
            datetime_nl(case.changed_on),
        ]  # fmt: skip
    rows = _csv_rows(medewerker_client.get("/zaken/export/csv").get_data())
    assert next(r for r in rows[1:] if r[0] == str(case.id)) == expected
