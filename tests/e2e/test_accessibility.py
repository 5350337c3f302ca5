"""A second accessibility engine beside axe: HTML_CodeSniffer (WCAG 2 AA, the engine pa11y
runs) over the resident pages and the main backoffice pages of each role: no errors."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PHONE, htmlcs_errors, log_in

# Rules that do not apply, each with the reason.
IGNORED: dict[str, str] = {
    # Flask-AppBuilder's hidden forms (display: none) for deleting and list actions are
    # submitted by its script after a confirmation; no one reaches them by keyboard.
    "WCAG2AA.Principle3.Guideline3_2.3_2_2.H32.2": "FAB's hidden script-submitted forms",
}

BACKOFFICE = {
    "medewerker.zwolle": ["/", "/zaken/list/", "CASE", "/berichten/list/", "/memos/list/"],
    "beheerder.zwolle": ["/", "/gemeenten/list/", "/sjablonen/list/", "/users/list/",
                         "/inrichting/0193", "/auditlog/list/", "/import/nieuw/heronderzoek"],
    "admin": ["/", "/organisaties/list/", "/organisaties/add", "/gemeenten/list/"],
}  # fmt: skip


@pytest.mark.parametrize("username", sorted(BACKOFFICE))
def test_the_backoffice_pages_have_no_htmlcs_errors(new_page, username):
    page = new_page()
    log_in(page, username)
    found = {}
    for path in BACKOFFICE[username]:
        if path == "CASE":
            page.goto("/zaken/list/?_flt_0_status=DATA_RECEIVED")
            page.locator("table a[href*='/show/']").first.click()
            page.wait_for_load_state()
            path = page.url
        else:
            page.goto(path)
        errors = htmlcs_errors(page, IGNORED)
        if errors:
            found[path] = errors
    assert not found, "\n".join(f"{p}: {e}" for p, errs in found.items() for e in errs)


def test_the_resident_pages_have_no_htmlcs_errors(new_page, live):
    worker = new_page()
    log_in(worker, "medewerker.zwolle")
    worker.goto("/zaken/list/?_flt_0_status=INVITED")
    worker.locator("table a[href*='/show/']").first.click()
    start = worker.get_attribute("a:has-text('Startpagina van de inwoner')", "href")
    found = {}
    for viewport in (None, PHONE):
        page = new_page(viewport=viewport)
        for path in (start, "/code", "/inwoner/start/onbekend"):
            page.goto(path)
            errors = htmlcs_errors(page, IGNORED)
            if errors:
                found[f"{path} {viewport or ''}"] = errors
        page.goto(start)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/inwoner/sandbox/"))
        errors = htmlcs_errors(page, IGNORED)
        if errors:
            found["sandbox"] = errors
    assert not found, "\n".join(f"{p}: {e}" for p, errs in found.items() for e in errs)
