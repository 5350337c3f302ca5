"""The whole reassessment in a real browser, as its people do it.

A Beheerder imports a file (preview, refused rows, confirm while the progress bar
moves) and starts the reassessment; a resident opens the start link from the email and,
with the keyboard alone, sends the data as a couple in the sandbox; the caseworker sees
the advice and its calculation, asks for a document, the resident uploads it on a phone,
and the caseworker decides: the beschikking arrives by email as a PDF. The steps share
one live server, so they run in this order; each checks its own outcome.
"""

from __future__ import annotations

import csv
import io
import random
import re
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseStatus, Resident
from app.services.bsn import generate as make_bsn
from tests.e2e.conftest import PHONE, axe_violations, log_in, screenshot

HEADER = ["bsn", "voorletters", "achternaam", "geboortedatum", "straat", "huisnummer",
          "postcode", "woonplaats", "email", "contractnummer", "partner_bsn",
          "partner_achternaam", "aantal_kinderen"]  # fmt: skip
RESIDENT = "inwoner.e2e@example.nl"
START_LINK = re.compile(r"http://127\.0\.0\.1:\d+/inwoner/start/[\w-]+")
UPLOAD_LINK = re.compile(r"http://127\.0\.0\.1:\d+/inwoner/upload/[\w-]+")
# Records every text the import's progress bar shows, across the page's reloads.
WATCH_PROGRESS = """
document.addEventListener('DOMContentLoaded', () => {
  const bar = document.getElementById('import-bar');
  if (!bar) return;
  const seen = JSON.parse(sessionStorage.getItem('voortgang') || '[]');
  new MutationObserver(() => {
    seen.push(bar.textContent);
    sessionStorage.setItem('voortgang', JSON.stringify(seen));
  }).observe(bar, {childList: true, characterData: true, subtree: true});
});
"""


def _file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(bsn: str, surname: str, email: str, partner: str = "") -> list[str]:
    return [bsn, "E.", surname, "12-03-1968", "Melkmarkt", "12", "8011 MC", "Zwolle", email,
            "", partner, "Partner" if partner else "", "1"]  # fmt: skip


def _text(message: Any) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _upload(page: Any, name: str, content: bytes) -> None:
    """Open the focused file field with the keyboard and pick a file in the chooser."""
    chooser = None
    for key in ("Space", "Enter", "Space"):  # a busy machine may swallow the first press
        try:
            with page.expect_file_chooser(timeout=5_000) as opened:
                page.keyboard.press(key)
            chooser = opened.value
            break
        except PlaywrightTimeout:
            assert page.evaluate("document.activeElement.id") == "bestanden"
    assert chooser is not None, "the file field does not open from the keyboard"
    chooser.set_files({"name": name, "mimeType": "application/pdf", "buffer": content})


def _confirm_upload(page: Any, data: bytes, name: str) -> None:
    page.goto("/import/nieuw/heronderzoek")
    page.select_option("#gemeentecode", "0193")
    page.set_input_files("#bestand", {"name": name, "mimeType": "text/csv", "buffer": data})
    page.click("button[type=submit]:has-text('Controleren')")
    page.wait_for_selector("button:has-text('Bevestigen')", timeout=60_000)


@pytest.fixture(scope="module")
def journey(live: Any) -> dict[str, Any]:
    """What the steps hand to each other."""
    return {}


def test_beheerder_imports_checks_confirms_and_starts_the_reassessment(new_page, live, journey):
    rng = random.Random(13)
    with live.app.app_context():
        taken = set(db.session.scalars(select(Resident.bsn)))
    applicant, partner = make_bsn(rng, taken), make_bsn(rng, taken)
    journey.update(applicant=applicant, partner=partner)
    small = _file([
        _row(applicant, "Jansen-E2E", RESIDENT, partner),
        _row(make_bsn(rng, taken), "Bakker-E2E", "bakker.e2e@example.nl"),
        _row("123456780", "Fout-E2E", "fout.e2e@example.nl"),  # fails the elfproef
    ])  # fmt: skip
    page = new_page()
    page.add_init_script(WATCH_PROGRESS)
    log_in(page, "beheerder.zwolle")
    _confirm_upload(page, small, "heronderzoek-klein.csv")
    assert page.inner_text("#import-counts .new") == "2"
    assert page.inner_text("#import-counts .refused") == "1"
    refused = page.inner_text("#refused-rows")
    assert "bsn" in refused and "4" in refused  # line 4 of the file, field bsn
    screenshot(page, "beheerder-import-controle")
    page.click("button:has-text('Bevestigen')")
    page.wait_for_selector("button:has-text('Start heronderzoek')", timeout=60_000)
    page.click("button:has-text('Start heronderzoek')")
    # It says how many residents of which import will be invited, and asks first.
    assert page.get_attribute("[data-aantal]", "data-aantal") == "2"
    assert "heronderzoek-klein.csv" in page.inner_text("#start-bevestigen")
    screenshot(page, "beheerder-start-bevestigen")
    page.click("button:has-text('Ja, nodig 2 inwoner(s) uit')")
    page.wait_for_selector(".alert:has-text('uitgenodigd')")
    mails = live.mails_to(RESIDENT)
    assert len(mails) == 1, [m["Subject"] for m in mails]
    journey["start_link"] = START_LINK.search(_text(mails[0])).group(0)

    # A large file, to see the progress bar move while the confirmed rows are written.
    big = _file([_row(make_bsn(rng, taken), f"Groot{i}", "") for i in range(50_000)])
    _confirm_upload(page, big, "heronderzoek-groot.csv")
    # The status page opens while 50,000 rows are written in the same process: on a busy
    # machine (CI runs both databases at once) that can take longer than the default.
    page.click("button:has-text('Bevestigen')", timeout=120_000)
    page.wait_for_selector("#import-status:text-is('Geïmporteerd')", timeout=120_000)
    shown = page.evaluate("JSON.parse(sessionStorage.getItem('voortgang') || '[]')")
    moving = sorted({int(t[:-1]) for t in shown if re.fullmatch(r"\d{1,2}%", t)})
    assert moving and 0 < moving[0] < 100, shown
    assert page.inner_text("#import-counts .new") == "50000"


def test_resident_sends_data_as_a_couple_with_the_keyboard_alone(new_page, live, journey):
    page = new_page()
    page.goto(journey["start_link"])
    assert page.title().startswith("Gegevens doorgeven")
    assert axe_violations(page) == []
    screenshot(page, "inwoner-start")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/inwoner/sandbox/"))
    assert axe_violations(page) == []
    tab_to(page, "input[name=situatie]")
    for _ in range(10):
        if page.is_checked("#situatie-COUPLE"):
            break
        page.keyboard.press("ArrowDown")
    assert page.is_checked("#situatie-COUPLE")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Bedankt, uw gegevens zijn verstuurd"
    assert axe_violations(page) == []
    with live.app.app_context():
        case = db.session.scalar(
            select(Case).join(Resident, Case.applicant_id == Resident.id)
            .where(Resident.bsn == journey["applicant"])
        )  # fmt: skip
        assert case.status == CaseStatus.DATA_RECEIVED
        journey["case_id"] = case.id


def test_caseworker_requests_a_document_the_resident_uploads_it_on_a_phone(new_page, live, journey):
    page = new_page()
    log_in(page, "medewerker.zwolle")
    page.goto(f"/zaken/show/{journey['case_id']}")
    advice = page.inner_text("#advies")
    assert re.search(r"Toekennen|Onderzoeken|Afwijzen", advice), advice
    page.click("#advies summary:has-text('Berekening')")
    assert "€" in page.inner_text("#advies")  # the calculation with its amounts
    screenshot(page, "medewerker-advies")
    page.click("summary:has-text('Aanvullende informatie opvragen')")
    page.fill("#omschrijving", "Stuur de jaaropgave 2025 van uw werkgever.")
    page.click("button:has-text('Versturen')")
    page.wait_for_selector(".status-label[data-status=INFO_REQUESTED]")
    mail = live.mails_to(RESIDENT)[-1]
    link = UPLOAD_LINK.search(_text(mail)).group(0)

    phone = new_page(viewport=PHONE)
    phone.goto(link)
    assert "jaaropgave 2025" in phone.inner_text("main")
    assert axe_violations(phone) == []
    screenshot(phone, "inwoner-upload-telefoon")
    tab_to(phone, "#bestanden")
    _upload(phone, "jaaropgave-2025.pdf", b"%PDF-1.4\n% jaaropgave\n%%EOF\n")
    tab_to(phone, "button[type=submit]")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("h1:has-text('ontvangen')")
    page.reload()
    assert "jaaropgave-2025.pdf" in page.inner_text("body")


def test_caseworker_decides_and_the_beschikking_arrives_as_pdf(new_page, live, journey):
    page = new_page()
    log_in(page, "medewerker.zwolle")
    page.goto(f"/zaken/show/{journey['case_id']}")
    page.check("input[name=besluit][value=GRANTED]")
    for box in page.locator("input[name=redenen]:checked").all():
        box.uncheck()
    before = len(live.mails_to(RESIDENT))
    page.click("button:has-text('Akkoord en verzenden')")
    # Asked once more, naming the resident and the channel; nothing is sent yet.
    assert "Jansen-E2E" in page.inner_text("#bevestigen")
    assert page.get_attribute("[data-kanaal]", "data-kanaal") == "EMAIL"
    assert len(live.mails_to(RESIDENT)) == before
    page.click("button:has-text('Ja, verstuur de beschikking')")
    page.wait_for_selector(".status-label[data-status=DECIDED]")
    mails = live.mails_to(RESIDENT)[before:]
    assert len(mails) == 1
    attachments = [part for part in mails[0].iter_attachments()]
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert attachments[0].get_content().startswith(b"%PDF")


def test_another_organisation_sees_none_of_it(new_page, live, journey):
    page = new_page()
    log_in(page, "medewerker.bollenstreek")
    response = page.goto(f"/zaken/show/{journey['case_id']}")
    assert response.status == 404
    page.goto("/zaken/list/?_flt_0_status=DECIDED")
    assert journey["applicant"] not in page.inner_text("body")
    page.goto("/import/list/")
    assert "heronderzoek-klein.csv" not in page.inner_text("body")
