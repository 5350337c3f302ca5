"""Working as a team in a real browser: a Beheerder assigns a case, the caseworker finds it
under "Mijn zaken", follows the bell's signal to the case and reads it there."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseStatus, Municipality
from tests.e2e.conftest import axe_violations, log_in, screenshot


def _open_case(live) -> tuple[int, str]:
    """An open Zwolle case without a handler: (id, number)."""
    with live.app.app_context():
        case = db.session.scalar(
            select(Case)
            .join(Municipality)
            .where(
                Municipality.cbs_code == "0193",
                Case.status == CaseStatus.DATA_RECEIVED,
                Case.handler_id.is_(None),
            )
            .order_by(Case.id)
            .limit(1)
        )
        found = case.id, case.number
        db.session.remove()
    return found


def test_a_caseworker_goes_from_my_cases_through_a_signal_to_the_case(new_page, live):
    case_id, number = _open_case(live)

    beheerder = new_page()
    log_in(beheerder, "beheerder.zwolle")
    beheerder.goto(f"/zaken/show/{case_id}")
    beheerder.select_option("#kies-behandelaar", label="Mehmet Doğan")
    beheerder.click("#behandelaar button[type=submit]")
    beheerder.wait_for_selector(".alert-success")
    assert "Behandelaar: Mehmet Doğan." in beheerder.inner_text(".alert-success")
    screenshot(beheerder, "team-toewijzen")

    caseworker = new_page()
    log_in(caseworker, "medewerker.zwolle")
    bell = caseworker.locator("#signalen-bel")
    assert re.match(r"Signalen: [1-9]\d* ongelezen", bell.get_attribute("aria-label"))
    unread_before = int(bell.locator(".badge").inner_text())

    # "Mijn zaken" is one click from the menu and lists the case.
    caseworker.click("a.dropdown-toggle:has-text('Zaken')")
    caseworker.click("a:has-text('Mijn zaken')")
    caseworker.wait_for_url(re.compile(r"/zaken/list/\?mijn=1"))
    assert number in caseworker.content()
    screenshot(caseworker, "team-mijn-zaken")

    # The bell leads to the signal; opening it shows the case and reads the signal.
    bell.click()
    caseworker.wait_for_url(re.compile(r"/signalen/$"))
    row = caseworker.locator("#signalen tr[data-signaal='ASSIGNED']").first
    assert number in row.inner_text()
    assert axe_violations(caseworker) == []
    screenshot(caseworker, "team-signalen")
    row.locator("a").click()
    caseworker.wait_for_url(re.compile(rf"/zaken/show/{case_id}$"))
    assert "Mehmet Doğan" in caseworker.inner_text("#behandelaar")
    assert caseworker.locator("#behandelaar button:has-text('Teruggeven')").count() == 1
    badge = caseworker.locator("#signalen-bel .badge")
    after = int(badge.inner_text()) if badge.count() else 0
    assert after == unread_before - 1
