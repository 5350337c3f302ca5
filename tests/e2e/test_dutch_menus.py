"""Every menu item, as each role, in a real browser: Dutch titles, no English FAB strings,
no enum codes where a label belongs, and no serious accessibility violation on the main
caseworker screens."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import axe_violations, log_in, screenshot
from tests.helpers import CODES, ENGLISH

# Text a person sees on a page: text nodes, and the attributes read out or shown.
VISIBLE_TEXT = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) continue;
    if (parent.closest('[hidden], template')) continue;
    const text = node.textContent.trim();
    if (text) seen.push(text);
  }
  const named = '[title], [placeholder], [aria-label], input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(named)) {
    for (const a of ['title', 'placeholder', 'aria-label', 'value']) {
      const v = el.getAttribute(a);
      if (v && (a !== 'value' || el.tagName === 'INPUT')) seen.push(v.trim());
    }
  }
  return seen;
}"""
MENU_LINKS = """() => [...document.querySelectorAll('.navbar a[href]')]
  .map(a => a.getAttribute('href'))
  .filter(h => h.startsWith('/') && !h.startsWith('/logout') && !h.startsWith('/lang'))"""


@pytest.mark.parametrize("username", ["admin", "beheerder.zwolle", "medewerker.zwolle"])
def test_every_menu_item_is_dutch_for_each_role(new_page, username):
    page = new_page()
    log_in(page, username)
    links = sorted(set(page.evaluate(MENU_LINKS)))
    assert len(links) >= 5, links
    problems = []
    for link in links:
        response = page.goto(link)
        assert response.status < 400, (link, response.status)
        if not page.title() or re.match(r"(List|Show|Add|Edit) ", page.title()):
            problems.append((link, "title", page.title()))
        for text in page.evaluate(VISIBLE_TEXT):
            if text in ENGLISH:
                problems.append((link, "English", text))
            if text in CODES:
                problems.append((link, "code", text))
        # One level deeper: the first row's page (show) of every list.
        first = page.locator("table a[href*='/show/']").first
        if first.count():
            list_title = page.title()
            first.click()
            page.wait_for_load_state()
            if page.title() == list_title:  # a show page names its object
                problems.append((page.url, "title names no object", page.title()))
            for text in page.evaluate(VISIBLE_TEXT):
                if text in ENGLISH or text in CODES:
                    problems.append((page.url, "show", text))
    assert not problems, "\n".join(map(str, sorted(set(problems))))


def test_main_caseworker_screens_have_no_serious_accessibility_violations(new_page, live):
    page = new_page()
    log_in(page, "medewerker.zwolle")
    found = {}
    for path in ["/", "/zaken/list/"]:
        page.goto(path)
        found[path] = axe_violations(page)
    page.goto("/zaken/list/?_flt_0_status=DATA_RECEIVED")
    page.locator("table a[href*='/show/']").first.click()
    page.wait_for_load_state()
    screenshot(page, "medewerker-zaak")
    found["zaak"] = axe_violations(page)
    assert not any(found.values()), json.dumps(found, indent=1, ensure_ascii=False)
