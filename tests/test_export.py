"""Exports: CSV for Dutch Excel (;, UTF-8 with BOM, formulas escaped) and XLSX, audited."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db as _db
from app.formatting import date_nl, datetime_nl, person_name
from app.models import AuditLog, Case, CaseStatus
from app.services.imports.export import HEADER, escape_cell
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
    assert first[3] == "Uitnodiging verzonden"
    assert first[6] == "0193"
    assert first[11] == applicant


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
        assert row[11].startswith("'")
        assert "=HYPERLINK" in row[11]
        xlsx = medewerker_client.get("/zaken/export/xlsx").get_data()
        sheet = load_workbook(io.BytesIO(xlsx), read_only=True).active
        values = next(r for r in sheet.iter_rows(values_only=True) if r[0] == case_id)
        # An XLSX text cell is never calculated: it keeps the value as typed, no apostrophe.
        assert values[11].startswith('=HYPERLINK("http://evil"')
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
    assert rows[1:] and all(r[2] == "Aanvraag" for r in rows[1:])
    assert {r[6] for r in rows[1:]} <= {"0534", "0553", "1525"}
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
        # The labels the case list shows, never the codes (those are for the API's JSON).
        expected = [
            str(case.id), case.number, case.kind.label, case.status.label, case.advice.label,
            case.decision.label if case.decision else "", case.municipality.cbs_code,
            case.municipality.name, case.application_number or "", case.contract_number or "",
            case.applicant.bsn, case.applicant.full_name, date_nl(case.applicant.birth_date),
            case.partner.bsn, case.partner.full_name, str(case.children_count),
            case.contact_preference.label, person_name(case.handler, ""),
            datetime_nl(case.created_on), datetime_nl(case.changed_on),
        ]  # fmt: skip
    rows = _csv_rows(medewerker_client.get("/zaken/export/csv").get_data())
    assert next(r for r in rows[1:] if r[0] == str(case.id)) == expected


def test_the_xlsx_has_typed_dates_and_numbers_and_keeps_text_as_typed(app, medewerker_client):
    import datetime as dt
    import zipfile

    with app.app_context():
        case = cases_of(*ZWOLLE)[0]
        original = case.applicant.surname
        case.applicant.surname = "=1+1 regel\r\nnieuw _x0041_"
        _db.session.commit()
        case_id, born = case.id, case.applicant.birth_date
    try:
        response = medewerker_client.get("/zaken/export/xlsx")
        data = response.get_data()
        csv_rows = _csv_rows(medewerker_client.get("/zaken/export/csv").get_data())
    finally:
        with app.app_context():
            _db.session.get(Case, case_id).applicant.surname = original
            _db.session.commit()
    sheet = load_workbook(io.BytesIO(data)).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == case_id)
    assert row[11].endswith("=1+1 regel\r\nnieuw _x005F_x0041_")  # \r kept, no apostrophe
    assert isinstance(row[12], dt.datetime) and row[12].date() == born  # a real date
    assert isinstance(row[18], dt.datetime) and isinstance(row[15], int)  # time, count
    assert isinstance(row[10], str) and len(row[10]) == 9  # a BSN stays text
    cells = {c.column: c for c in next(r for r in sheet.iter_rows() if r[0].value == case_id)}
    assert cells[13].number_format == "dd\\-mm\\-yyyy"
    # The CSV keeps its escape and its Dutch dates.
    csv_row = next(r for r in csv_rows if r[0] == str(case_id))
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4}", csv_row[12])
    # ZIP: no ZIP64 in a small file, and local and central headers agree.
    archive = zipfile.ZipFile(io.BytesIO(data))
    for info in archive.infolist():
        local = data[info.header_offset : info.header_offset + 30]
        extra_len = int.from_bytes(local[28:30], "little")
        name_len = int.from_bytes(local[26:28], "little")
        extra = data[info.header_offset + 30 + name_len : info.header_offset + 30 + name_len
                     + extra_len]  # fmt: skip
        assert b"\x01\x00" not in extra[:2], info.filename  # no ZIP64 extra field
        assert int.from_bytes(local[4:6], "little") == info.extract_version, info.filename
    assert response.headers["Content-Type"].count("charset") == 0
    csv_type = medewerker_client.get("/zaken/export/csv").headers["Content-Type"]
    assert csv_type.count("charset") == 1


def test_text_beyond_the_cell_limit_is_cut_with_a_visible_marker(tmp_path):
    from app.services.imports import xlsx

    path = tmp_path / "lang.xlsx"
    xlsx.write(path, "Zaken", [["tekst"], ["a" * 40_000], ["\x01 en \r"]])
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert len(rows[1][0]) == xlsx.CELL_LIMIT and rows[1][0].endswith(xlsx.CUT_MARKER)
    assert rows[2][0] == "_x0001_ en \r"  # the standard's escape; the \r itself is kept


def test_the_xlsx_opens_with_the_screens_headers_and_columns_wide_enough(app, medewerker_client):
    data = medewerker_client.get("/zaken/export/xlsx").get_data()
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Id", "Zaaknummer", "Soort", "Status"]
    assert all("_" not in name for name in header), header
    assert sheet.freeze_panes == "A2"
    # A date (dd-mm-jjjj, 10 characters) and a moment (16) fit their columns: no ###.
    for column, shown in ((13, 10), (19, 16), (20, 16)):
        letter = sheet.cell(row=1, column=column).column_letter
        assert sheet.column_dimensions[letter].width >= shown + 1, header[column - 1]
    statuses = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert statuses and statuses <= {s.label for s in CaseStatus}
    with app.app_context():
        numbers = {c.id: c.number for c in cases_of(*ZWOLLE)}
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert {case_id: rows[case_id][1] for case_id in numbers} == numbers
