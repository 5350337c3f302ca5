"""Imports of the files municipal staff make: what a spreadsheet does to numbers is undone.

Files are built as Excel and LibreOffice write them (openpyxl number cells, the csv module
in Windows-1252, tab-separated text) and, where Debian's LibreOffice is installed, saved
by LibreOffice itself. A column the file leaves out never empties data on update.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy import func, select

from app.demo import make_bsn
from app.extensions import db as _db
from app.models import Case, CaseKind, ImportRecord, Resident
from tests.conftest import bearer
from tests.helpers import municipality, upload_on_screen

FULL = [
    "bsn",
    "achternaam",
    "geboortedatum",
    "straat",
    "huisnummer",
    "postcode",
    "woonplaats",
    "email",
    "telefoon",
    "contractnummer",
    "partner_bsn",
    "partner_achternaam",
    "aantal_kinderen",
]
TAKEN: set[str] = set()


def new_bsn(leading_zero: bool = False) -> str:
    import random

    rng = random.Random(len(TAKEN) * 7919 + 17)
    while True:
        number = make_bsn(rng, TAKEN)
        if not leading_zero:
            return number
        if number[1] == "0":
            continue  # exactly one leading zero: a spreadsheet keeps eight digits
        head = "0" + number[1:8]
        check = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True)) % 11
        if check < 10 and head + str(check) not in TAKEN:
            TAKEN.add(head + str(check))
            return head + str(check)


def household(bsn: str, **values: object) -> dict[str, object]:
    found = {
        "bsn": bsn,
        "achternaam": "Jansen",
        "geboortedatum": "01-02-1960",
        "straat": "Kerkstraat",
        "huisnummer": "1",
        "postcode": "8011 AB",
        "woonplaats": "Zwolle",
        "email": "j.jansen@example.nl",
        "telefoon": "0612345678",
        "contractnummer": "",
        "partner_bsn": "",
        "partner_achternaam": "",
        "aantal_kinderen": "0",
    }
    found.update(values)
    return found


def csv_file(
    header: list[str],
    rows: list[dict[str, object]],
    delimiter: str = ";",
    encoding: str = "cp1252",
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[r.get(h, "") for h in header] for r in rows])
    return out.getvalue().encode(encoding)


def xlsx_file(
    header: list[str], rows: list[list[object]], empty_first_sheet: bool = False
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if empty_first_sheet:
        sheet.title = "Leeg"
        sheet = workbook.create_sheet("Gegevens")
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def post(client, token, data: bytes, filename: str, dry_run: bool = False, cbs: str = "0193"):
    response = client.post(
        "/api/v1/import/reassessment",
        data={
            "file": (io.BytesIO(data), filename),
            "gemeentecode": cbs,
            "dry_run": "true" if dry_run else "false",
        },
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    return response


def open_case_of(bsn: str) -> Case:
    return _db.session.scalar(
        select(Case)
        .join(Resident, Case.applicant_id == Resident.id)
        .where(Resident.bsn == bsn, Case.kind == CaseKind.REASSESSMENT)
    )


def open_cases_of(bsn: str) -> int:
    return _db.session.scalar(
        select(func.count(Case.id))
        .join(Resident, Case.applicant_id == Resident.id)
        .where(Resident.bsn == bsn, Case.kind == CaseKind.REASSESSMENT)
    )


def seeded(client, token, *rows: dict[str, object]) -> None:
    body = post(client, token, csv_file(FULL, list(rows)), "eerste.csv").get_json()
    assert body["nieuw"] == len(rows), body


# --- behaviour 6: an update changes only what the file says ---------------------------


def test_a_column_absent_from_the_file_leaves_its_field_as_it_was(app, client, token):
    people = [new_bsn() for _ in range(3)]
    partner = new_bsn()
    seeded(
        client,
        token,
        *(household(b, contractnummer=f"K-{b}", aantal_kinderen="2") for b in people[:2]),
        household(people[2], partner_bsn=partner, partner_achternaam="Bakker"),
    )
    # The yearly file of another system: no telefoon, partner or children columns.
    narrow = FULL[: FULL.index("telefoon")]
    rows = [household(b, straat="Nieuwstraat") for b in people]
    preview = post(client, token, csv_file(narrow, rows), "smal.csv", dry_run=True).get_json()
    assert (preview["bijgewerkt"], preview["nieuw"]) == (3, 0)
    # Each updated row says what changes: the street, and nothing the file does not have.
    assert [[c["veld"] for c in r["wijzigingen"]] for r in preview["wijzigingen"]] == [
        ["straat"]
    ] * 3
    assert preview["wijzigingen"][0]["wijzigingen"][0] == {
        "veld": "straat",
        "oud": "Kerkstraat",
        "nieuw": "Nieuwstraat",
    }
    with app.app_context():
        numbers = {open_case_of(b).id: open_case_of(b).number for b in people}
    assert {r["zaak_id"]: r["zaaknummer"] for r in preview["wijzigingen"]} == numbers
    body = post(client, token, csv_file(narrow, rows), "smal.csv").get_json()
    assert body["bijgewerkt"] == 3
    with app.app_context():
        for number in people:
            case = open_case_of(number)
            assert case.applicant.street == "Nieuwstraat"
            assert case.applicant.phone == "0612345678"
        assert open_case_of(people[0]).children_count == 2
        assert open_case_of(people[0]).contract_number == f"K-{people[0]}"
        assert open_case_of(people[2]).partner.bsn == partner


def test_an_empty_cell_in_a_present_column_empties_the_field(app, client, token):
    number, partner = new_bsn(), new_bsn()
    seeded(client, token, household(number, partner_bsn=partner, partner_achternaam="Bakker"))
    emptied = household(number, telefoon="", partner_bsn="", partner_achternaam="")
    body = post(client, token, csv_file(FULL, [emptied]), "leeg.csv").get_json()
    assert body["bijgewerkt"] == 1
    fields = {c["veld"]: c for c in body["wijzigingen"][0]["wijzigingen"]}
    assert fields["telefoon"] == {"veld": "telefoon", "oud": "0612345678", "nieuw": ""}
    assert fields["partner_bsn"]["oud"] == partner and fields["partner_bsn"]["nieuw"] == ""
    with app.app_context():
        case = open_case_of(number)
        assert case.applicant.phone is None and case.partner is None


def test_the_preview_on_the_screen_shows_each_change_old_and_new(
    app, client, token, beheerder_client
):
    number = new_bsn()
    seeded(client, token, household(number))
    data = csv_file(
        ["bsn", "achternaam", "geboortedatum", "email"],
        [household(number, email="nieuw@example.nl")],
    )
    page = _preview_on_screen(beheerder_client, data, "mail.csv")
    assert 'id="changed-rows"' in page
    assert "j.jansen@example.nl" in page and "nieuw@example.nl" in page
    assert '<td class="updated">1</td>' in page


# --- behaviour 7: what spreadsheets do to numbers ---------------------------------------


def test_a_contract_number_that_lost_its_leading_zeros_updates_its_case(app, client, token):
    first, second = new_bsn(), new_bsn()
    seeded(
        client,
        token,
        household(first, contractnummer="0001234567"),
        household(second, contractnummer="0007654321"),
    )
    # LibreOffice saved the column as numbers: 0001234567 became 1234567.
    data = xlsx_file(
        ["bsn", "achternaam", "geboortedatum", "email", "contractnummer"],
        [
            [int(first), "Jansen", "01-02-1960", "j.jansen@example.nl", 1234567],
            [int(second), "Jansen", "01-02-1960", "ander@example.nl", 7654321],
        ],
    )
    body = post(client, token, data, "getallen.xlsx").get_json()
    assert (body["nieuw"], body["bijgewerkt"], body["ongewijzigd"]) == (0, 1, 1), body
    notes = [n for r in body["hersteld"] for n in r["meldingen"]]
    assert {n["veld"] for n in notes} == {"contractnummer"}
    assert any("0001234567" in n["melding"] and "voorloopnullen" in n["melding"] for n in notes)
    with app.app_context():
        assert open_cases_of(first) == 1 and open_cases_of(second) == 1
        assert open_case_of(first).contract_number == "0001234567"  # stays as it was
        assert open_case_of(second).applicant.email == "ander@example.nl"


def test_a_bsn_with_an_open_reassessment_never_gets_a_second_one(app, client, token):
    numbered, unnumbered = new_bsn(), new_bsn()
    seeded(client, token, household(numbered, contractnummer="K-1"), household(unnumbered))
    rows = [household(numbered, contractnummer="K-2"), household(unnumbered, contractnummer="K-3")]
    body = post(client, token, csv_file(FULL, rows), "tweede.csv").get_json()
    # A different contract number for a BSN that has an open case: refused, naming the case.
    assert [r["regel"] for r in body["geweigerd"]] == [2]
    message = body["geweigerd"][0]["fouten"][0]
    assert message["veld"] == "bsn" and "zaak K-1" in message["melding"]
    # An open case without a contract number is that case: it gets the number.
    assert (body["nieuw"], body["bijgewerkt"]) == (0, 1)
    with app.app_context():
        assert open_cases_of(numbered) == 1 and open_cases_of(unnumbered) == 1
        assert open_case_of(unnumbered).contract_number == "K-3"


def test_a_phone_number_from_a_number_cell_gets_its_zero_back_and_the_preview_says_so(
    app, client, token
):
    number = new_bsn()
    data = xlsx_file(
        ["bsn", "achternaam", "geboortedatum", "email", "telefoon"],
        [[number, "Jansen", dt.datetime(1960, 2, 1), "j@example.nl", 612345678]],
    )
    body = post(client, token, data, "telefoon.xlsx").get_json()
    assert body["nieuw"] == 1
    assert body["hersteld"] == [
        {
            "regel": 2,
            "meldingen": [
                {"veld": "telefoon", "melding": body["hersteld"][0]["meldingen"][0]["melding"]}
            ],
        }
    ]
    assert "0612345678" in body["hersteld"][0]["meldingen"][0]["melding"]
    with app.app_context():
        assert open_case_of(number).applicant.phone == "0612345678"


def test_a_bsn_in_scientific_notation_is_refused_saying_the_spreadsheet_did_it(client, token):
    rows = [household("1,23457E+08"), household("048908386")]
    body = post(client, token, csv_file(FULL, rows), "wetenschap.csv", dry_run=True).get_json()
    first, second = (r["fouten"][0]["melding"] for r in body["geweigerd"])
    assert "'1,23457E+08'" in first and "wetenschappelijke notatie" in first
    assert "elfproef" not in first
    # Quoted as the file has it, never as the import rewrote it.
    assert "'048908386'" in second and "123457E+08" not in first


def test_an_eight_digit_bsn_that_fails_the_elfproef_is_quoted_as_in_the_file(client, token):
    body = post(client, token, csv_file(FULL, [household("48908387")]), "a.csv", True).get_json()
    message = body["geweigerd"][0]["fouten"][0]["melding"]
    assert message.startswith("'48908387' is geen geldig BSN") and "048908387" in message


def test_a_bsn_that_lost_its_leading_zero_is_padded_and_said(app, client, token):
    number = new_bsn(leading_zero=True)
    data = xlsx_file(
        ["bsn", "achternaam", "geboortedatum", "email"],
        [[int(number), "Jansen", dt.datetime(1960, 2, 1), "j@example.nl"]],
    )
    body = post(client, token, data, "nul.xlsx").get_json()
    assert body["nieuw"] == 1
    assert body["hersteld"][0]["meldingen"][0]["veld"] == "bsn"
    with app.app_context():
        assert open_cases_of(number) == 1


# --- formats, sheets, delimiters ------------------------------------------------------


def test_a_tab_separated_txt_is_read(app, client, token):
    number = new_bsn()
    data = csv_file(FULL, [household(number)], delimiter="\t")
    body = post(client, token, data, "export.txt").get_json()
    assert (body["nieuw"], body["geweigerd"]) == (1, []), body


def test_the_first_sheet_with_a_header_is_read(app, client, token):
    number = new_bsn()
    data = xlsx_file(
        ["bsn", "achternaam", "geboortedatum", "email"],
        [[number, "Jansen", "01-02-1960", "j@example.nl"]],
        empty_first_sheet=True,
    )
    body = post(client, token, data, "tweede-blad.xlsx").get_json()
    assert body["nieuw"] == 1, body


def test_a_workbook_without_a_header_says_the_sheets_are_empty(client, token):
    workbook = Workbook()
    workbook.create_sheet("Ook leeg")
    out = io.BytesIO()
    workbook.save(out)
    response = post(client, token, out.getvalue(), "leeg.xlsx")
    assert response.status_code == 422
    assert "werkblad is leeg" in response.get_json()["fouten"][0]["melding"]


def _ods(rows_xml: str) -> bytes:
    """An .ods as LibreOffice writes one: mimetype first, repeated empty cells and rows."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        "<office:body><office:spreadsheet>"
        '<table:table table:name="Leeg"><table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>'
        f'<table:table table:name="Blad2">{rows_xml}'
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _text_cell(text: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def _number_cell(value: int) -> str:
    typed = f'office:value-type="float" office:value="{value}"'
    return f"<table:table-cell {typed}><text:p>{value}</text:p></table:table-cell>"


def test_an_ods_file_is_read_with_its_number_and_date_cells(app, client, token):
    number = new_bsn()
    header = "".join(
        _text_cell(h) for h in ["bsn", "achternaam", "geboortedatum", "email", "telefoon"]
    )
    row = (
        _number_cell(int(number))
        + _text_cell("Jansen")
        + '<table:table-cell office:value-type="date" office:date-value="1960-02-01">'
        "<text:p>01-02-60</text:p></table:table-cell>"
        + _text_cell("j@example.nl")
        + _number_cell(612345678)
    )
    empty = '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
    data = _ods(
        f"<table:table-row>{header}</table:table-row>{empty}<table:table-row>{row}</table:table-row>"
    )
    body = post(client, token, data, "libreoffice.ods").get_json()
    assert (body["nieuw"], body["geweigerd"]) == (1, []), body
    assert body["hersteld"][0]["regel"] == 4  # two empty rows between: the sheet's row 4
    with app.app_context():
        case = open_case_of(number)
        assert case.applicant.birth_date == dt.date(1960, 2, 1)
        assert case.applicant.phone == "0612345678"


def test_a_broken_ods_cell_refuses_the_file_in_dutch_and_changes_nothing(app, client, token):
    header = "".join(_text_cell(h) for h in ["bsn", "achternaam", "geboortedatum"])
    broken = (
        _number_cell(int(new_bsn())) + _text_cell("Jansen")
        + '<table:table-cell office:value-type="date" office:date-value="gisteren"/>'
    )  # fmt: skip
    data = _ods(f"<table:table-row>{header}</table:table-row><table:table-row>{broken}"
                "</table:table-row>")  # fmt: skip
    with app.app_context():
        before = (_db.session.scalar(select(func.count(Case.id))),
                  _db.session.scalar(select(func.count(ImportRecord.id))))  # fmt: skip
    response = post(client, token, data, "kapot.ods")
    assert response.status_code == 422, response.get_data(as_text=True)
    message = response.get_json()["fouten"][0]
    assert message["veld"] == "bestand" and "OpenDocument" in message["melding"]
    with app.app_context():
        after = (_db.session.scalar(select(func.count(Case.id))),
                 _db.session.scalar(select(func.count(ImportRecord.id))))  # fmt: skip
    assert after == before


# --- row numbers and limits -----------------------------------------------------------


def test_rows_after_a_cell_spanning_lines_keep_the_spreadsheets_row_numbers(client, token):
    rows = [
        household(new_bsn(), straat="Kerkstraat\nachterom"),
        household(new_bsn()),
        household("123456789"),
    ]
    body = post(client, token, csv_file(FULL, rows), "regels.csv", dry_run=True).get_json()
    assert [r["regel"] for r in body["geweigerd"]] == [4]


def test_empty_trailing_rows_count_for_no_limit(app, client, token, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = [household(new_bsn()) for _ in range(3)]
    data = csv_file(FULL, rows) + b";;;;;;;;;;;;\r\n" * 20 + b"\r\n" * 20
    assert post(client, token, data, "leeg-eind.csv", dry_run=True).status_code == 200
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["bsn", "achternaam", "geboortedatum", "email"])
    for r in rows:
        sheet.append([r["bsn"], "Jansen", "01-02-1960", "j@example.nl"])
    for line in range(5, 60):  # formatted, empty rows: the sheet says it has 59
        sheet.cell(row=line, column=1).font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    assert load_workbook(io.BytesIO(out.getvalue())).active.max_row == 59
    response = post(client, token, out.getvalue(), "opgemaakt.xlsx", dry_run=True)
    assert response.status_code == 200, response.get_json()
    over = csv_file(FULL, [*rows, household(new_bsn())])
    response = post(client, token, over, "te-veel.csv", dry_run=True)
    assert "meer dan 3 rijen" in response.get_json()["fouten"][0]["melding"]


# --- the refused rows' file ------------------------------------------------------------


def _preview_on_screen(client, data: bytes, filename: str) -> str:
    """The import's page once the uploaded file is checked."""
    _token, record_id = upload_on_screen(client, data, filename)
    return client.get(f"/import/show/{record_id}").get_data(as_text=True)


def test_refused_rows_of_a_windows_1252_file_come_back_labelled_as_such(app, beheerder_client):
    rows = [household("123456789", achternaam="Brûlé", postcode="12")]
    _token, record_id = upload_on_screen(beheerder_client, csv_file(FULL, rows), "fout.csv")
    page = beheerder_client.get(f"/import/show/{record_id}").get_data(as_text=True)
    assert '<td class="refused">1</td>' in page
    download = beheerder_client.get(f"/import/show/{record_id}/geweigerd")
    assert download.headers["Content-Type"] == "text/csv; charset=windows-1252"
    text = download.get_data().decode("cp1252")
    assert "Brûlé" in text
    errors = list(csv.reader(io.StringIO(text), delimiter=";"))[1][-1]
    # Each message a sentence of its own, never ".;".
    assert ".;" not in errors and errors.count("bsn:") == 1 and "postcode:" in errors


def test_refused_rows_of_an_xlsx_keep_dates_as_dates(app, beheerder_client):
    data = xlsx_file(
        ["bsn", "achternaam", "geboortedatum", "email"],
        [["123456789", "Jansen", dt.datetime(1960, 2, 1), "j@example.nl"]],
    )
    _token, record_id = upload_on_screen(beheerder_client, data, "fout.xlsx")
    download = beheerder_client.get(f"/import/show/{record_id}/geweigerd")
    sheet = load_workbook(io.BytesIO(download.get_data())).active
    cell = sheet.cell(row=2, column=3)
    assert cell.value == dt.datetime(1960, 2, 1) and cell.number_format == "dd\\-mm\\-yyyy"


def test_nothing_to_save_asks_to_offer_the_file_again_in_good_dutch(
    app, client, token, beheerder_client
):
    number = new_bsn()
    seeded(client, token, household(number))
    page = _preview_on_screen(beheerder_client, csv_file(FULL, [household(number)]), "zelfde.csv")
    assert "bied het opnieuw aan" in page and "biedt" not in page


# --- files LibreOffice itself saved -----------------------------------------------------

SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("LIBREOFFICE_REQUIRED"),
    reason="Debian's libreoffice-calc-nogui is not installed (.ci/run installs it)",
)


def _saved_by_libreoffice(tmp_path: Path, data: bytes, target: str) -> bytes:
    """The CSV opened in LibreOffice Calc (numbers detected) and saved as `target`."""
    assert SOFFICE, "LIBREOFFICE_REQUIRED is set but soffice is missing"
    source = tmp_path / "bron.csv"
    source.write_bytes(data)
    out = tmp_path / "uit"
    filters = {
        "ods": "ods",
        "xlsx": "xlsx",
        "csv": "csv:Text - txt - csv (StarCalc):59,34,76,1",
    }
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profiel",
            "--headless",
            "--convert-to",
            filters[target],
            "--infilter=CSV:59,34,76,1",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (out / f"bron.{target}").read_bytes()


@needs_libreoffice
@pytest.mark.parametrize("target", ["ods", "xlsx", "csv"])
def test_a_file_libreoffice_saved_with_numbers_updates_without_losing_zeros(
    app, client, token, tmp_path, target
):
    number = new_bsn(leading_zero=True)
    contract = f"000{number[1:8]}"
    seeded(client, token, household(number, contractnummer=contract))
    # The municipality's own file, opened and saved in LibreOffice: BSN, phone and
    # contract number become numbers without their leading zeros.
    changed = household(number, contractnummer=contract, straat="Nieuwstraat")
    data = _saved_by_libreoffice(tmp_path, csv_file(FULL, [changed], encoding="utf-8"), target)
    body = post(client, token, data, f"bewerkt.{target}").get_json()
    assert (body["nieuw"], body["bijgewerkt"], body["geweigerd"]) == (0, 1, []), body
    assert [c["veld"] for c in body["wijzigingen"][0]["wijzigingen"]] == ["straat"]
    assert {n["veld"] for r in body["hersteld"] for n in r["meldingen"]} == {
        "bsn",
        "telefoon",
        "contractnummer",
    }
    with app.app_context():
        assert open_cases_of(number) == 1
        case = open_case_of(number)
        assert (case.contract_number, case.applicant.phone) == (contract, "0612345678")
        assert case.municipality_id == municipality("0193").id


def test_a_value_longer_than_its_field_is_refused_quoting_only_its_start(app, client, token):
    long_initials = "A." * 30
    rows = [household(new_bsn(), voorletters=long_initials), household(new_bsn())]
    header = [*FULL, "voorletters"]
    body = post(client, token, csv_file(header, rows), "lang.csv").get_json()
    assert (body["nieuw"], [r["regel"] for r in body["geweigerd"]]) == (1, [2])
    message = body["geweigerd"][0]["fouten"][0]
    assert message["veld"] == "voorletters" and "ten hoogste 40 tekens" in message["melding"]
    assert long_initials not in message["melding"]  # a message never repeats a whole cell


def test_a_failing_confirm_leaves_nothing_live_and_nothing_staged(app, client, token, monkeypatch):
    from app.models import ImportRow
    from app.services.imports import writer

    def broken(record, now):
        raise RuntimeError("schijf vol")

    monkeypatch.setattr(writer, "switch", broken)
    numbers = [new_bsn() for _ in range(3)]
    response = post(client, token, csv_file(FULL, [household(n) for n in numbers]), "a.csv")
    assert response.status_code == 500
    with app.app_context():
        assert sum(open_cases_of(n) for n in numbers) == 0
        assert _db.session.scalar(select(func.count()).select_from(ImportRow)) == 0
