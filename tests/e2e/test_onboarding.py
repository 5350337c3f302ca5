"""A new municipality goes live on an empty install, from the screens alone.

The server starts on a database with only the platform Admin (no demo). The Admin
creates an organisation, a municipality from the CBS list and invites its Beheerder and
a Medewerker; the Beheerder chooses a password through the emailed link, completes the
set-up checklist (a template's Voorbeeld, a test email caught by the SMTP server, the
trial invitation), imports a reassessment file and invites; the resident delivers in
the sandbox; the Medewerker decides and sends the first beschikking. Every link in the
emails must open on the port this server runs on.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseStatus, Municipality
from tests.conftest import ADMIN_PASSWORD
from tests.e2e.conftest import LiveServer, screenshot

PASSWORD = "Paars-Fietsje-Regen-42"
RESIDENT = "inwoner.dalfsen@example.nl"


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("e2e-empty"), empty=True)
    yield server
    server.stop()


def _text(message: Any) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


def _link(server: LiveServer, message: Any, path: str) -> str:
    """The link to `path` in an email; it must point at this server's own port."""
    found = re.search(r"https?://[^\s/]+(/" + path + r"/\S+)", _text(message))
    assert found, _text(message)
    assert found.group(0).startswith(server.url), found.group(0)
    return found.group(0)


def test_a_new_municipality_goes_live_from_an_empty_install(browser, empty, capsys):
    started, screens = time.monotonic(), []
    contexts = []

    def page_for() -> Any:
        context = browser.new_context(base_url=empty.url, locale="nl-NL",
                                      viewport={"width": 1280, "height": 900})  # fmt: skip
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("load", lambda p: screens.append(p.url))
        return page

    def log_in(page: Any, username: str, password: str) -> None:
        page.goto("/login/")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))

    try:
        # 1. The platform Admin: organisation, municipality from the CBS list, first users.
        admin = page_for()
        log_in(admin, "admin", ADMIN_PASSWORD)
        admin.click("#geen-gemeenten a")  # the overview says where to start
        admin.fill("#name", "Gemeente Dalfsen")
        admin.select_option("#kind", "MUNICIPALITY")
        admin.click("button[type=submit]:has-text('Opslaan'), input[type=submit]")
        admin.click("#gemeente-toevoegen")  # the new organisation opens on its own page
        admin.select_option("#cbs_code", "0148")
        for name in ("module_ockto", "module_legitimacy", "module_decisions",
                     "reminders_enabled", "check_assets"):  # fmt: skip
            assert admin.is_checked(f"#{name}"), name  # a new municipality starts with them on
        admin.fill("#sender_address", "Postbus 35\n7720 AA  Dalfsen")
        admin.fill("#signature", "Team Minima\nGemeente Dalfsen")
        screenshot(admin, "admin-gemeente-toevoegen")
        admin.click("button[type=submit]:has-text('Opslaan'), input[type=submit]")
        admin.wait_for_selector("#gebruikers-van-organisatie")  # back on the organisation
        with empty.app.app_context():
            dalfsen = db.session.scalar(select(Municipality).where(Municipality.cbs_code == "0148"))
            assert dalfsen is not None and dalfsen.name == "Dalfsen"
            org_id = dalfsen.organisation_id
        for username, role, email in (
            ("beheerder.dalfsen", "Beheerder", "beheer@dalfsen.example.nl"),
            ("medewerker.dalfsen", "Medewerker", "werk@dalfsen.example.nl"),
        ):
            admin.goto(f"/organisaties/show/{org_id}")
            admin.click("#gebruiker-uitnodigen")
            assert admin.locator("input[name=password]").count() == 0  # nobody types it
            admin.fill("#first_name", username.split(".")[0].title())
            admin.fill("#last_name", "Dalfsen")
            admin.fill("#username", username)
            admin.fill("#email", email)
            admin.select_option("#roles", label=role)
            admin.click("button[type=submit]:has-text('Opslaan'), input[type=submit]")
            admin.wait_for_selector(".alert:has-text('eenmalige link')")

        # 2. The Beheerder chooses a password through the emailed link.
        beheerder = page_for()
        mail = empty.mails_to("beheer@dalfsen.example.nl")[-1]
        beheerder.goto(_link(empty, mail, "account/activeren"))
        beheerder.fill("#password", PASSWORD)
        beheerder.fill("#conf_password", PASSWORD)
        beheerder.click("button[type=submit]")
        beheerder.wait_for_selector("h1:has-text('opgeslagen')")
        log_in(beheerder, "beheerder.dalfsen", PASSWORD)

        # 3. The set-up checklist, reached from the overview.
        beheerder.click(".setup-incomplete a")
        beheerder.wait_for_selector("#stap-HOUSE_STYLE [data-klaar=ja]")
        screenshot(beheerder, "beheerder-inrichting")
        for step in ("POLICY", "NORMS"):
            beheerder.click(f"#stap-{step} button[type=submit]")
            beheerder.wait_for_selector(f"#stap-{step} [data-klaar=ja]")
        previews = [a.get_attribute("href") for a in
                    beheerder.locator(".templates-seen a[target=_blank]").all()]  # fmt: skip
        assert len(previews) == 9
        for href in previews:
            beheerder.goto(href)
            assert beheerder.locator("#voorbeeld-tekst").count() == 1
        beheerder.go_back()
        beheerder.goto("/inrichting/0148")
        beheerder.click("#stap-TEST_EMAIL button[type=submit]")
        beheerder.wait_for_selector(".alert:has-text('Testmail verstuurd')")
        assert any("Testmail" in (m["Subject"] or "") for m in
                   empty.mails_to("beheer@dalfsen.example.nl"))  # fmt: skip
        beheerder.click("#stap-TEST_INVITATION button[type=submit]")
        beheerder.wait_for_selector(".alert:has-text('Proefuitnodiging verstuurd')")
        trial = [m for m in empty.mails_to("beheer@dalfsen.example.nl")
                 if "[Proef]" in (m["Subject"] or "")][-1]  # fmt: skip
        phone = page_for()
        phone.goto(_link(empty, trial, "inwoner/proef"))
        assert "Proefuitnodiging" in phone.inner_text("#proef")
        phone.click("button[type=submit]")  # on through the sandbox, as a resident goes
        phone.check("#situatie-SINGLE")
        phone.click("button[type=submit]")
        phone.wait_for_selector("#proef-klaar")
        beheerder.goto("/inrichting/0148")
        beheerder.wait_for_selector("#inrichting-klaar")
        screenshot(beheerder, "beheerder-inrichting-klaar")

        # 4. The first import, offered by the finished checklist, and the invitation.
        beheerder.click("#inrichting-klaar a")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["bsn", "voorletters", "achternaam", "geboortedatum", "straat",
                         "huisnummer", "postcode", "woonplaats", "email"])  # fmt: skip
        writer.writerow(["111222333", "D.", "Dalfsema", "12-03-1968", "Kerkstraat", "1",
                         "7721 AB", "Dalfsen", RESIDENT])  # fmt: skip
        beheerder.select_option("#gemeentecode", "0148")
        beheerder.set_input_files("#bestand", {"name": "dalfsen.csv", "mimeType": "text/csv",
                                               "buffer": out.getvalue().encode()})  # fmt: skip
        beheerder.click("button[type=submit]:has-text('Controleren')")
        beheerder.click("button:has-text('Bevestigen')", timeout=60_000)
        beheerder.click("button:has-text('Start heronderzoek')", timeout=60_000)
        assert beheerder.get_attribute("[data-aantal]", "data-aantal") == "1"
        beheerder.click("button:has-text('Ja, nodig 1 inwoner(s) uit')")
        beheerder.wait_for_selector(".alert:has-text('uitgenodigd')")

        # 5. The resident delivers in the sandbox, from the link in the invitation.
        resident = page_for()
        resident.goto(_link(empty, empty.mails_to(RESIDENT)[-1], "inwoner/start"))
        resident.click("button[type=submit]")
        resident.check("#situatie-SINGLE")
        resident.click("button[type=submit]")
        resident.wait_for_selector("h1:has-text('Bedankt')")

        # 6. The Medewerker activates their account, decides and sends the beschikking.
        worker = page_for()
        worker.goto(_link(empty, empty.mails_to("werk@dalfsen.example.nl")[-1],
                          "account/activeren"))  # fmt: skip
        worker.fill("#password", PASSWORD + "x")
        worker.fill("#conf_password", PASSWORD + "x")
        worker.click("button[type=submit]")
        worker.wait_for_selector("h1:has-text('opgeslagen')")
        log_in(worker, "medewerker.dalfsen", PASSWORD + "x")
        with empty.app.app_context():
            case = db.session.scalar(select(Case).where(Case.municipality_id == dalfsen.id))
            assert case.status == CaseStatus.DATA_RECEIVED, case.status
            case_id = case.id
        worker.goto(f"/zaken/show/{case_id}")
        worker.check("input[name=besluit][value=GRANTED]")
        for box in worker.locator("input[name=redenen]:checked").all():
            box.uncheck()
        worker.click("button:has-text('Akkoord en verzenden')")
        worker.click("button:has-text('Ja, verstuur de beschikking')")
        worker.wait_for_selector(".status-label[data-status=DECIDED]")
        beschikking = empty.mails_to(RESIDENT)[-1]
        pdfs = [a for a in beschikking.iter_attachments() if a.get_content_type() ==
                "application/pdf"]  # fmt: skip
        assert pdfs and pdfs[0].get_content().startswith(b"%PDF")
    finally:
        for context in contexts:
            context.close()
    minutes = (time.monotonic() - started) / 60
    with capsys.disabled():  # shown in every run, not only on failure
        print(f"\nNieuwe gemeente live: {len(screens)} schermen in {minutes:.1f} minuten.")
