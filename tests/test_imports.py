"""Imports with real files: encodings, delimiters, XLSX dates, refused rows, atomic confirm."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import threading
import time

import pytest
from flask import Flask, request
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text

from app import priority
from app.demo import make_bsn
from app.extensions import db as _db
from app.models import (
    AllowlistEntry,
    AuditLog,
    Case,
    CaseKind,
    CaseStatus,
    ImportRecord,
    ImportStatus,
    Message,
    Municipality,
    Resident,
)
from app.services.imports import engine
from tests.conftest import api_token, bearer, csrf_token
from tests.helpers import municipality, upload_on_screen, wait_for_import

RNG = random.Random(4242)
TAKEN: set[str] = set()
HEADER = [
    "BSN",
    "Voorletters",
    "Tussenvoegsel",
    "Achternaam",
    "Geboortedatum",
    "Straat",
    "Huisnummer",
    "Huisnummer toevoeging",
    "Postcode",
    "Woonplaats",
    "E-mail",
    "Communicatievoorkeur",
    "Contractnummer",
    "Partner_BSN",
    "Partner achternaam",
    "Aantal kinderen",
]


def bsn() -> str:
    return make_bsn(RNG, TAKEN)


def bsn_with_leading_zero() -> str:
    """A valid BSN starting with 0, as Excel would turn into an 8-digit number."""
    for n in range(1234567, 9999999, 7919):
        head = f"0{n:07d}"
        check = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True)) % 11
        if check < 10 and head + str(check) not in TAKEN:
            TAKEN.add(head + str(check))
            return head + str(check)
    raise AssertionError("no BSN left")


def row(**overrides: str) -> list[str]:
    values = {
        "BSN": bsn(),
        "Voorletters": "J.",
        "Tussenvoegsel": "",
        "Achternaam": "Jansen",
        "Geboortedatum": "01-02-1960",
        "Straat": "Kerkstraat",
        "Huisnummer": "1",
        "Huisnummer toevoeging": "",
        "Postcode": "8011ab",
        "Woonplaats": "Zwolle",
        "E-mail": "j.jansen@example.nl",
        "Communicatievoorkeur": "",
        "Contractnummer": "",
        "Partner_BSN": "",
        "Partner achternaam": "",
        "Aantal kinderen": "0",
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


def csv_bytes(rows: list[list[str]], delimiter: str = ";", encoding: str = "cp1252") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def post_import(client, token, data: bytes, filename: str, cbs: str = "0193", **fields):
    form = {"file": (io.BytesIO(data), filename), "gemeentecode": cbs, "dry_run": "false"}
    form.update(fields)
    return client.post(
        f"/api/v1/import/{fields.pop('kind', 'reassessment')}",
        data=form,
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count(model.id)).where(*where))


def test_windows_1252_semicolon_file_with_accented_names(app, client, token):
    numbers = [bsn(), bsn()]
    data = csv_bytes(
        [
            row(
                BSN=numbers[0], Achternaam="Müller", Voorletters="G.", **{"E-mail": "g@example.nl"}
            ),
            row(BSN=numbers[1], Achternaam="Zoë de Brûlé", Geboortedatum="3-4-1971"),
        ]
    )
    assert "ë".encode("cp1252") in data  # really Windows-1252, not UTF-8
    response = post_import(client, token, data, "heronderzoek.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {
        "rijen": 2,
        "nieuw": 2,
        "bijgewerkt": 0,
        "ongewijzigd": 0,
        "geweigerd": [],
        "wijzigingen": [],
        "hersteld": [],
        "uitgevoerd": True,
    }
    with app.app_context():
        residents = {
            r.bsn: r for r in _db.session.scalars(select(Resident).where(Resident.bsn.in_(numbers)))
        }
        assert residents[numbers[0]].surname == "Müller"
        assert residents[numbers[1]].surname == "Zoë de Brûlé"
        assert residents[numbers[1]].birth_date == dt.date(1971, 4, 3)
        assert residents[numbers[0]].postcode == "8011 AB"
        case = _db.session.scalar(select(Case).where(Case.applicant_id == residents[numbers[0]].id))
        assert (case.kind, case.status) == (CaseKind.REASSESSMENT, CaseStatus.NEW)
        assert case.events[0].description.startswith("Aangemaakt door import heronderzoek")


def test_utf8_bom_comma_file(app, client, token):
    number = bsn()
    data = b"\xef\xbb\xbf" + csv_bytes(
        [row(BSN=number, Achternaam="Öztürk", Communicatievoorkeur="post")], ",", "utf-8"
    )
    body = post_import(client, token, data, "export.txt").get_json()
    assert (body["nieuw"], body["geweigerd"]) == (1, [])
    with app.app_context():
        resident = _db.session.scalar(select(Resident).where(Resident.bsn == number))
        assert resident.surname == "Öztürk"
        case = _db.session.scalar(select(Case).where(Case.applicant_id == resident.id))
        assert case.contact_preference.name == "LETTER"


def test_xlsx_with_date_cells_and_a_bsn_that_lost_its_leading_zero(app, client, token):
    number = bsn_with_leading_zero()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    values = row(BSN=number)
    values[0] = int(number)  # Excel stores it as a number: 8 digits
    values[4] = dt.datetime(1955, 12, 31)
    values[15] = 2
    sheet.append(values)
    sheet.append([None] * len(HEADER))  # empty trailing row
    out = io.BytesIO()
    workbook.save(out)
    body = post_import(client, token, out.getvalue(), "heronderzoek.xlsx").get_json()
    assert (body["rijen"], body["nieuw"], body["geweigerd"]) == (1, 1, [])
    with app.app_context():
        resident = _db.session.scalar(select(Resident).where(Resident.bsn == number))
        assert resident.birth_date == dt.date(1955, 12, 31)
        case = _db.session.scalar(select(Case).where(Case.applicant_id == resident.id))
        assert case.children_count == 2


def test_refused_rows_of_every_kind_with_line_numbers(app, client, token):
    duplicate = bsn()
    rows = [
        row(),  # line 2: fine
        row(BSN="123456789"),  # 3: elfproef
        row(Achternaam=""),  # 4: required
        row(Geboortedatum="31-02-1980"),  # 5: no such date
        row(Postcode="ABCD 12"),  # 6
        row(**{"E-mail": "geen-adres"}),  # 7
        row(Communicatievoorkeur="fax"),  # 8
        row(Communicatievoorkeur="EMAIL", **{"E-mail": ""}),  # 9
        row(Communicatievoorkeur="BRIEF", Straat=""),  # 10
        row(**{"Aantal kinderen": "twee"}),  # 11
        row(Partner_BSN="111111111"),  # 12
        row(BSN=duplicate),  # 13: duplicate with 14
        row(BSN=duplicate),  # 14
    ]
    response = post_import(client, token, csv_bytes(rows), "fouten.csv", dry_run="true")
    body = response.get_json()
    assert (body["rijen"], body["nieuw"], body["uitgevoerd"]) == (13, 1, False)
    refused = {r["regel"]: r["fouten"] for r in body["geweigerd"]}
    assert sorted(refused) == list(range(3, 15))
    fields = {line: {e["veld"] for e in errors} for line, errors in refused.items()}
    assert fields[3] == {"bsn"}
    assert fields[4] == {"achternaam"}
    assert fields[5] == {"geboortedatum"}
    assert fields[6] == {"postcode"}
    assert fields[7] == {"email"}
    assert fields[8] == {"communicatievoorkeur"}
    assert fields[9] == {"email"}
    assert fields[10] == {"straat"}
    assert fields[11] == {"aantal_kinderen"}
    assert fields[12] == {"partner_bsn"}
    assert "regel 14" in refused[13][0]["melding"]
    assert "regel 13" in refused[14][0]["melding"]
    assert "elfproef" in refused[3][0]["melding"]


def test_dry_run_writes_nothing_at_all(app, client, token):
    with app.app_context():
        before = (count(Case), count(Resident), count(ImportRecord))
    response = post_import(client, token, csv_bytes([row(), row()]), "a.csv", dry_run="true")
    assert response.get_json()["nieuw"] == 2
    with app.app_context():
        assert (count(Case), count(Resident), count(ImportRecord)) == before


def test_reimport_is_unchanged_and_contract_number_updates(app, client, token):
    first, second = bsn(), bsn()
    rows = [row(BSN=first, Contractnummer="C-9001"), row(BSN=second)]
    assert post_import(client, token, csv_bytes(rows), "a.csv").get_json()["nieuw"] == 2
    again = post_import(client, token, csv_bytes(rows), "a.csv").get_json()
    assert (again["nieuw"], again["bijgewerkt"], again["ongewijzigd"]) == (0, 0, 2)
    changed = [
        row(
            BSN=first,
            Contractnummer="C-9001",
            Straat="Nieuwstraat",
            Partner_BSN=bsn(),
            **{"Partner achternaam": "Bakker", "Aantal kinderen": "1"},
        )
    ]
    body = post_import(client, token, csv_bytes(changed), "b.csv").get_json()
    assert (body["nieuw"], body["bijgewerkt"]) == (0, 1)
    with app.app_context():
        cases = _db.session.scalars(select(Case).where(Case.contract_number == "C-9001")).all()
        assert len(cases) == 1
        assert cases[0].applicant.street == "Nieuwstraat"
        assert cases[0].partner.surname == "Bakker"
        assert cases[0].children_count == 1
        assert any(e.action == "import_update" for e in cases[0].events)


def test_failure_midway_through_confirm_leaves_nothing_written(app, client, token, monkeypatch):
    real = engine._write_reassessment
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("schijf vol")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "_write_reassessment", failing)
    with app.app_context():
        before = (count(Case), count(Resident))
    response = post_import(client, token, csv_bytes([row() for _ in range(5)]), "a.csv")
    assert response.status_code == 500
    assert "niets opgeslagen" in response.get_json()["fouten"][0]["melding"]
    with app.app_context():
        assert (count(Case), count(Resident)) == before
        record = _db.session.scalar(select(ImportRecord).order_by(ImportRecord.id.desc()).limit(1))
        assert record.status == ImportStatus.FAILED


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "leeg.csv", "leeg"),
        (b"\x00\x01\x02\x03binary", "data.csv", "binaire"),
        (b"%PDF-1.4 ...", "scan.pdf", "Onbekend bestandsformaat"),
        (b"naam;adres\r\nJansen;Kerkstraat\r\n", "a.csv", "bsn, achternaam, geboortedatum"),
    ],
)
def test_bad_files_are_refused_in_dutch_and_change_nothing(
    app, client, token, data, filename, message
):
    with app.app_context():
        before = (count(Case), count(ImportRecord))
    response = post_import(client, token, data, filename)
    assert response.status_code == 422
    assert message in response.get_json()["fouten"][0]["melding"]
    with app.app_context():
        assert (count(Case), count(ImportRecord)) == before


def test_size_and_row_limits(app, client, token):
    saved = (app.config["IMPORT_MAX_BYTES"], app.config["IMPORT_MAX_ROWS"])
    app.config.update(IMPORT_MAX_BYTES=2000)
    try:
        response = post_import(client, token, csv_bytes([row() for _ in range(40)]), "a.csv")
        assert response.status_code == 413
        assert "groter dan" in response.get_json()["fouten"][0]["melding"]
    finally:
        app.config["IMPORT_MAX_BYTES"] = saved[0]
    app.config.update(IMPORT_MAX_ROWS=3)
    try:
        response = post_import(client, token, csv_bytes([row() for _ in range(5)]), "a.csv")
        assert response.status_code == 422
        assert "meer dan 3 rijen" in response.get_json()["fouten"][0]["melding"]
    finally:
        app.config["IMPORT_MAX_ROWS"] = saved[1]


def test_import_for_another_organisations_municipality_is_404(app, client, token):
    response = post_import(client, token, csv_bytes([row()]), "a.csv", cbs="0534")
    assert response.status_code == 404
    medewerker = api_token(client, "medewerker.zwolle")
    assert post_import(client, medewerker, csv_bytes([row()]), "a.csv").status_code == 403


def test_missing_fields_are_named(client, token):
    response = client.post(
        "/api/v1/import/reassessment",
        data={},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert {e["veld"] for e in response.get_json()["fouten"]} == {"file", "gemeentecode", "dry_run"}


def test_allowlist_append_and_replace(app, client, token):
    zwolle_id = None
    with app.app_context():
        zwolle_id = municipality("0193").id
        before = count(AllowlistEntry, AllowlistEntry.municipality_id == zwolle_id)
        existing = _db.session.scalar(
            select(AllowlistEntry.bsn).where(AllowlistEntry.municipality_id == zwolle_id).limit(1)
        )
    new = [bsn(), bsn()]
    data = ("bsn;naam\r\n" + f"{existing};x\r\n{new[0]};y\r\n{new[1]};z\r\n").encode()
    body = post_import(client, token, data, "lijst.csv", kind="allowlist", mode="append").get_json()
    assert (body["nieuw"], body["ongewijzigd"], body["uitgevoerd"]) == (2, 1, True)
    with app.app_context():
        assert count(AllowlistEntry, AllowlistEntry.municipality_id == zwolle_id) == before + 2
    data = f"BSN\r\n{new[0]}\r\n".encode()
    body = post_import(
        client, token, data, "lijst.csv", kind="allowlist", mode="replace"
    ).get_json()
    assert (body["nieuw"], body["ongewijzigd"]) == (0, 1)
    with app.app_context():
        left = _db.session.scalars(
            select(AllowlistEntry.bsn).where(AllowlistEntry.municipality_id == zwolle_id)
        ).all()
        assert left == [new[0]]


def test_screen_flow_upload_preview_refused_download_confirm_and_start(app, beheerder_client):
    client = beheerder_client
    good = [row(**{"E-mail": "", "Communicatievoorkeur": "brief"}), row()]
    data = csv_bytes([*good, row(BSN="123456789")])
    token, record_id = upload_on_screen(client, data, "h.csv")
    page = client.get(f"/import/show/{record_id}").get_data(as_text=True)
    assert "Gecontroleerd, wacht op bevestiging" in page
    assert '<td class="new">2</td>' in page and '<td class="refused">1</td>' in page
    download = client.get(f"/import/show/{record_id}/geweigerd")
    text = download.get_data().decode("cp1252")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][-1] == "fouten" and len(lines) == 2
    assert "elfproef" in lines[1][-1]
    with app.app_context():
        before = count(Case)
    client.post(f"/import/show/{record_id}/bevestigen", data={"csrf_token": token})
    wait_for_import(client, record_id)
    page = client.get(f"/import/show/{record_id}").get_data(as_text=True)
    assert "Geïmporteerd" in page
    with app.app_context():
        assert count(Case) == before + 2
        record = _db.session.get(ImportRecord, record_id)
        assert record.created_by.username == "beheerder.zwolle"
        assert record.stored_name is None  # the upload is gone after confirming
        new_ids = [
            c.id
            for c in _db.session.scalars(
                select(Case).where(
                    Case.municipality_id == municipality("0193").id,
                    Case.status == CaseStatus.NEW,
                    Case.kind == CaseKind.REASSESSMENT,
                )
            )
        ]
        imported_ids = [c for c in new_ids if c > max(new_ids) - 2]
        older_ids = [c for c in new_ids if c not in imported_ids]
    assert older_ids, "the demo has older new reassessments of Zwolle"
    # Offered on the import's page: it says how many of which import, and asks first.
    start = {"csrf_token": token, "gemeentecode": "0193", "import_id": str(record_id)}
    asked = client.post("/import/start", data=start)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'data-aantal="2"' in page and "h.csv" in page
    with app.app_context():
        assert {c.status for c in _db.session.scalars(select(Case).where(Case.id.in_(new_ids)))} \
            == {CaseStatus.NEW}  # fmt: skip
    response = client.post("/import/start", data={**start, "bevestigd": "1", "aantal": "2"})
    assert response.status_code == 302
    with app.app_context():
        cases = {
            c.id: c.status for c in _db.session.scalars(select(Case).where(Case.id.in_(new_ids)))
        }
        assert {cases[i] for i in imported_ids} == {CaseStatus.INVITED}
        assert {cases[i] for i in older_ids} == {CaseStatus.NEW}  # other imports untouched
        messages = _db.session.scalars(
            select(Message).where(Message.case_id.in_(imported_ids))
        ).all()
        assert {m.channel.name for m in messages} == {"EMAIL", "LETTER"}
    # For the whole municipality it names every origin and count, and a stale count asks again.
    whole = {"csrf_token": token, "gemeentecode": "0193"}
    page = client.post("/import/start", data=whole).get_data(as_text=True)
    assert f'data-aantal="{len(older_ids)}"' in page
    stale = client.post("/import/start", data={**whole, "bevestigd": "1", "aantal": "999"})
    assert stale.status_code == 200 and "intussen veranderd" in stale.get_data(as_text=True)


def test_start_reassessment_action_counts_refusals(app, beheerder_client):
    from tests.factories import new_case

    with app.app_context():
        zwolle = municipality("0193").id
        fresh = new_case().id
        decided = _db.session.scalar(
            select(Case.id)
            .where(Case.municipality_id == zwolle, Case.status == CaseStatus.DECIDED)
            .limit(1)
        )
    token = csrf_token(beheerder_client, "/zaken/list/")
    response = beheerder_client.post(
        "/zaken/action_post",
        data={"csrf_token": token, "action": "start_reassessment", "rowid": [fresh, decided]},
        follow_redirects=True,
    )
    assert "1 inwoner(s) uitgenodigd; 1 zaak/zaken geweigerd" in response.get_data(as_text=True)
    with app.app_context():
        assert _db.session.get(Case, fresh).status == CaseStatus.INVITED
        assert _db.session.get(Case, decided).status == CaseStatus.DECIDED


def test_allowlist_screen_counts_and_bsn_check(app, beheerder_client):
    with app.app_context():
        listed = _db.session.scalar(
            select(AllowlistEntry.bsn)
            .where(AllowlistEntry.municipality_id == municipality("0193").id)
            .limit(1)
        )
    page = beheerder_client.get("/allowlist/").get_data(as_text=True)
    assert 'data-gemeente="0193"' in page and 'data-gemeente="0534"' not in page
    token = csrf_token(beheerder_client, "/allowlist/")
    page = beheerder_client.post(
        "/allowlist/", data={"csrf_token": token, "gemeentecode": "0193", "bsn": listed}
    ).get_data(as_text=True)
    assert "staat op de allowlist van Zwolle" in page
    page = beheerder_client.post(
        "/allowlist/", data={"csrf_token": token, "gemeentecode": "0534", "bsn": listed}
    )
    assert page.status_code == 404


def test_refused_rows_download_of_an_xlsx_is_an_xlsx(app, beheerder_client):
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(row(BSN="123456789"))
    out = io.BytesIO()
    workbook.save(out)
    _token, record_id = upload_on_screen(beheerder_client, out.getvalue(), "x.xlsx")
    download = beheerder_client.get(f"/import/show/{record_id}/geweigerd")
    sheet = load_workbook(io.BytesIO(download.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "fouten" and "elfproef" in rows[1][-1]


def test_municipality_model_has_import_tenancy(app):
    with app.app_context():
        assert _db.session.scalar(select(Municipality).limit(1)) is not None


def test_a_couple_on_two_rows_shares_its_two_residents(app, client, token):
    one, two = bsn(), bsn()
    rows = [
        row(BSN=one, Partner_BSN=two, **{"Partner achternaam": "Twee"}),
        row(BSN=two, Achternaam="Twee", Partner_BSN=one, **{"Partner achternaam": "Jansen"}),
    ]
    body = post_import(client, token, csv_bytes(rows), "stel.csv").get_json()
    assert (body["nieuw"], body["geweigerd"]) == (2, [])
    with app.app_context():
        assert count(Resident, Resident.bsn.in_([one, two])) == 2


def test_invite_case_action_over_the_api(app, client, token):
    from tests.factories import new_case

    with app.app_context():
        fresh = new_case().id
        other_org = new_case(cbs_code="0534").id
    response = client.post(f"/api/v1/case/{fresh}/invite", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"zaak_id": fresh, "status": "INVITED"}
    again = client.post(f"/api/v1/case/{fresh}/invite", headers=bearer(token))
    assert again.status_code == 409
    assert "status Nieuw" in again.get_json()["fouten"][0]["melding"]
    assert client.post(f"/api/v1/case/{other_org}/invite", headers=bearer(token)).status_code == 404
    with app.app_context():
        municipality("0193").module_ockto = False
        _db.session.commit()
        blocked = new_case().id
    try:
        response = client.post(f"/api/v1/case/{blocked}/invite", headers=bearer(token))
        assert response.status_code == 403
    finally:
        with app.app_context():
            municipality("0193").module_ockto = True
            _db.session.commit()
    with app.app_context():
        assert _db.session.get(Case, blocked).status == CaseStatus.NEW
        assert len(_db.session.get(Case, fresh).invitations) == 1


def test_postgresql_plans_each_lookup_for_its_own_parameters(app, db):
    """A generic plan made while the table was empty scanned it whole for every batch."""
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite prepares no generic plans")
    assert _db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"


def test_a_check_with_nothing_to_save_offers_no_confirmation(app, beheerder_client):
    client = beheerder_client
    data = csv_bytes([row(BSN="123456789")])  # the only row fails the elfproef
    _token, record_id = upload_on_screen(client, data, "n.csv")
    page = client.get(f"/import/show/{record_id}").get_data(as_text=True)
    assert 'id="niets-op-te-slaan"' in page and "Bevestigen:" not in page
    assert "Annuleren" in page


def _spy_on_steps(monkeypatch) -> list[tuple[str, int, int]]:
    """Record, for each import step, the thread it ran in and that thread's nice value."""
    seen: list[tuple[str, int, int]] = []
    for name in ("preview", "confirm"):
        real = getattr(engine, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            seen.append((_name, threading.get_ident(), priority.thread_nice()))
            return _real(*args, **kwargs)

        monkeypatch.setattr(engine, name, spy)
    return seen


def test_an_api_import_runs_at_background_priority_apart_from_the_request_thread(
    app, client, token, monkeypatch
):
    monkeypatch.setitem(app.config, "BACKGROUND_NICE", 7)
    seen = _spy_on_steps(monkeypatch)
    before = priority.thread_nice()
    response = post_import(client, token, csv_bytes([row(), row()]), "a.csv")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["nieuw"] == 2
    assert [name for name, _, _ in seen] == ["preview", "confirm"]
    # The steps ran lowered (on SQLite at full speed: they hold its only write lock), in
    # threads of their own; the thread that served the request (this one, with the test
    # client) serves the next request at its own priority.
    expected = before if _on_sqlite(app) else max(before, 7)
    assert all(nice == expected for _, _, nice in seen), seen
    assert all(ident != threading.get_ident() for _, ident, _ in seen)
    assert priority.thread_nice() == before


def test_a_failing_api_import_step_is_answered_from_the_request_thread(
    app, client, token, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("kapot")

    monkeypatch.setattr(engine, "preview", broken)
    response = post_import(client, token, csv_bytes([row()]), "a.csv")
    # The step's own thread raised; the request answers as for any failure (500, Dutch).
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_json()["fouten"][0]["melding"]


def test_a_screen_import_runs_its_steps_at_background_priority(app, beheerder_client, monkeypatch):
    monkeypatch.setitem(app.config, "BACKGROUND_NICE", 5)
    seen = _spy_on_steps(monkeypatch)
    before = priority.thread_nice()
    client = beheerder_client
    token, record_id = upload_on_screen(client, csv_bytes([row()]), "h.csv")
    client.post(f"/import/show/{record_id}/bevestigen", data={"csrf_token": token})
    wait_for_import(client, record_id)
    assert [name for name, _, _ in seen] == ["preview", "confirm"]
    if _on_sqlite(app):
        assert all(nice == before for _, _, nice in seen), seen
    else:
        assert all(nice >= 5 for _, _, nice in seen), seen


def test_a_confirm_on_the_screens_writes_nothing_once_its_step_holds_the_write_lock(
    app, beheerder_client, monkeypatch
):
    """The step may take SQLite's only write lock at once; the request has written all it
    writes by then (its audit entry), or it waits for the whole import and answers 503."""
    client = beheerder_client
    token, record_id = upload_on_screen(client, csv_bytes([row()]), "slot.csv")
    holding, release = threading.Event(), threading.Event()
    real_confirm, real_in_background = engine.run_confirm, engine.in_background

    def confirm_holding_the_lock(record_id, user_id):
        # A write of the step's own, held open: on SQLite the database's write lock.
        _db.session.execute(
            text("UPDATE import_record SET message = NULL WHERE id = :id"), {"id": record_id}
        )
        holding.set()
        release.wait(30)
        _db.session.rollback()
        return real_confirm(record_id, user_id)

    def started_and_holding(app_, target, *args, **kwargs):
        thread = real_in_background(app_, confirm_holding_the_lock, *args, **kwargs)
        assert holding.wait(10)  # the view returns only once the step holds the lock
        return thread

    monkeypatch.setattr(engine, "in_background", started_and_holding)
    started = time.monotonic()
    try:
        answer = client.post(f"/import/show/{record_id}/bevestigen", data={"csrf_token": token})
        waited = time.monotonic() - started
    finally:
        release.set()
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    assert waited < 10  # not the busy timeout (15 s)
    wait_for_import(client, record_id)
    with app.app_context():
        assert _db.session.get(ImportRecord, record_id).status == ImportStatus.DONE
        entries = _db.session.execute(
            select(AuditLog.action, AuditLog.username)
            .where(AuditLog.object_type == "import", AuditLog.object_id == str(record_id))
            .order_by(AuditLog.id)
        ).all()
    actions = [action for action, _ in entries]
    # Who asked to confirm, from the request (no generic entry after it); the step's own
    # entry when the import was stored, in the name of who confirmed it.
    changes = [entry for entry in entries if not entry[0].startswith("http.")]
    assert changes[-2:] == [
        ("import.reassessment.confirm_start", "beheerder.zwolle"),
        ("import.reassessment.confirm", "beheerder.zwolle"),
    ], changes
    assert "http.post" not in actions, actions


def _on_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_background_work_is_lowered_on_postgresql_and_not_on_sqlite():
    """On SQLite the work holds the only write lock: lowered, every writer would wait on it."""
    settings = Flask(__name__)
    settings.config["BACKGROUND_NICE"] = 10
    settings.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://gp@db/gemeentepolis"
    assert priority.background_nice(settings) == 10
    for uri in ("sqlite:////srv/gp/gemeentepolis.db", "sqlite://"):
        settings.config["SQLALCHEMY_DATABASE_URI"] = uri
        assert priority.background_nice(settings) == 0
    settings.config["BACKGROUND_NICE"] = 0
    settings.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://gp@db/gemeentepolis"
    assert priority.background_nice(settings) == 0


def test_a_priority_of_zero_leaves_the_thread_as_it_is():
    before = priority.thread_nice()
    priority.lower_this_thread(0)
    assert priority.thread_nice() == before


def test_work_done_apart_leaves_the_callers_request_and_its_upload_open(app):
    """The lowered thread gets the request's address, not the caller's request object."""
    upload = {"bestand": (io.BytesIO(b"bsn;naam\n"), "herbeoordeling.csv")}
    with app.test_request_context(
        "/api/v1/import/herbeoordeling", method="POST", data=upload,
        environ_base={"REMOTE_ADDR": "192.0.2.8"},
    ):  # fmt: skip
        stored = request.files["bestand"]  # the caller has the upload in hand
        seen = priority.run_lowered(app, lambda: (request.remote_addr, request.get_data()))
        # Leaving a copy of the request context closed the caller's request: its upload
        # could no longer be read while the caller still answered.
        assert stored.read() == b"bsn;naam\n"
    assert seen == ("192.0.2.8", b"")
