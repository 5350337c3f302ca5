"""The UI is Dutch: FAB's strings are all translated, dates and amounts in Dutch notation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import flask_appbuilder
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.formatting import amount_nl, date_nl, datetime_nl, figure_nl, percentage_nl

OURS = Path(__file__).resolve().parent.parent / "app" / "translations" / "nl" / "LC_MESSAGES"
FAB = Path(flask_appbuilder.__file__).parent


def _translated(path: Path) -> set[str]:
    with open(path, "rb") as f:
        return {m.id for m in read_po(f) if m.id and m.string and not m.fuzzy}


def test_every_flask_appbuilder_string_has_a_dutch_translation():
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None}
    found = {
        msg[2]
        for msg in extract_from_dir(str(FAB), method_map=method_map, keywords=keywords)
        if isinstance(msg[2], str)
    }
    known = _translated(FAB / "translations" / "nl" / "LC_MESSAGES" / "messages.po")
    known |= _translated(OURS / "messages.po")
    missing = sorted(found - known)
    assert missing == [], f"untranslated FAB strings: {missing}"


def test_compiled_catalogue_matches_the_po_file():
    with open(OURS / "messages.po", "rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id}
    with open(OURS / "messages.mo", "rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert po == mo, "run `pybabel compile -d app/translations` after editing messages.po"


def test_dutch_notation_for_dates_times_and_amounts():
    assert date_nl(dt.date(2026, 3, 7)) == "07-03-2026"
    # 23:30 UTC on 31 December is already 1 January in Amsterdam.
    assert date_nl(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == "01-01-2027"
    assert datetime_nl(dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)) == "01-07-2026 12:00"
    assert amount_nl(Decimal("1234.56")) == "€ 1.234,56"
    assert amount_nl(Decimal("1690.789")) == "€ 1.690,79"
    assert amount_nl(Decimal("-5")) == "€ -5,00"
    assert amount_nl(Decimal("1000000")) == "€ 1.000.000,00"
    assert percentage_nl(Decimal("130.00")) == "130 %"
    assert percentage_nl(Decimal("5.50")) == "5,5 %"
    assert figure_nl("inkomen", "2191.63") == "€ 2.191,63"
    assert figure_nl("percentage", "130") == "130 %"


def test_screens_are_in_dutch(app, medewerker_client, client):
    login_page = client.get("/login/").get_data(as_text=True)
    assert "Gebruikersnaam" in login_page
    page = medewerker_client.get("/zaken/list/").get_data(as_text=True)
    for text in ["Zaken", "Aangemaakt op", "Exporteren", "Zoeken op BSN", "Afmelden"]:
        assert text in page, text
    assert "Logout" not in page and "Add Filter" not in page
    page = medewerker_client.get("/normen/list/").get_data(as_text=True)
    assert "€ 1.369,06" in page


def test_not_found_is_a_dutch_page_and_dutch_json_under_api(medewerker_client, client):
    response = medewerker_client.get("/zaken/show/999999")
    assert response.status_code == 404
    assert "Niet gevonden" in response.get_data(as_text=True)
    response = client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.get_json()["fouten"][0]["melding"].startswith("Deze pagina")


def test_sources_file_types_and_sizes_are_named_as_people_name_them():
    from app.formatting import file_type_nl, size_nl, source_nl

    assert (source_nl("uwv"), source_nl("mijnoverheid"), source_nl("belastingdienst")) == (
        "UWV", "MijnOverheid", "Belastingdienst",
    )  # fmt: skip
    assert (file_type_nl("application/pdf"), file_type_nl("image/jpeg")) == ("PDF", "JPEG-foto")
    assert (size_nl(812), size_nl(14_500), size_nl(2_400_000)) == ("812 bytes", "14 kB", "2,3 MB")


def test_the_case_page_names_the_source_of_each_income(app):
    from tests.conftest import login
    from tests.helpers import delivered_case

    with app.app_context():
        client = app.test_client()
        case_id = delivered_case(client).id
        page = login(app, "medewerker.zwolle").get(f"/zaken/show/{case_id}").get_data(as_text=True)
    assert "<td>UWV</td>" in page and "<td>uwv</td>" not in page
