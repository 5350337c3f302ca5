"""Every page reachable from the menus, as Admin, Beheerder and Medewerker on the demo:
no server error, no English Flask-AppBuilder text, no None/True/False, no raw code.

The crawl follows the links of each page (GET only, same site), one page per URL shape
(`/zaken/show/12` and `/zaken/show/13` are one shape), so it stays bounded while it
still reaches every screen, list, show and edit page the menus lead to.
"""

from __future__ import annotations

import html
import re
from collections import deque

import pytest

from tests.conftest import ADMIN_PASSWORD, login
from tests.helpers import CODES, ENGLISH

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = re.compile(
    r"^/(logout|lang|static|api|swagger|inwoner|account|code)(/|$)|/(export|pdf|download|delete|"
    r"action|action_post|geweigerd|preview/\d+/pdf|huisstijl|logo)\b|\.(pdf|csv|xlsx|png)$"
)
RAW_VALUE = re.compile(r"^(None|True|False)$")
MAX_PAGES = 250


def shape(path: str) -> str:
    """/zaken/show/12?x=1 -> /zaken/show/# (ids and query strings do not make a new page)."""
    return re.sub(r"/\d+", "/#", path.split("?", 1)[0])


def visible_text(page: str) -> list[str]:
    """The text nodes and the placeholders and titles a person reads."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    page = re.sub(r"<option\b[^>]*>.*?</option>", "", page, flags=re.S | re.I)
    texts = [html.unescape(t).strip() for t in re.findall(r">([^<]+)<", page)]
    texts += [html.unescape(t) for t in re.findall(r'(?:placeholder|title)="([^"]+)"', page)]
    return [t for t in texts if t]


@pytest.mark.parametrize(
    ("username", "password"),
    [("admin", ADMIN_PASSWORD), ("beheerder.zwolle", None), ("medewerker.zwolle", None)],
)
def test_every_page_from_the_menus_is_dutch_and_whole(app, username, password):
    client = login(app, username, password) if password else login(app, username)
    start = client.get("/").get_data(as_text=True)
    queue = deque(sorted({p for p in LINK.findall(start) if not SKIP.search(p)}))
    seen: set[str] = set()
    problems: list[tuple[str, str, str]] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        path = html.unescape(queue.popleft())
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        response = client.get(path)
        visited += 1
        if response.status_code >= 500:
            problems.append((path, "status", str(response.status_code)))
            continue
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        for text in visible_text(page):
            if text in ENGLISH:
                problems.append((path, "Engels", text))
            elif text in CODES:
                problems.append((path, "code", text))
            elif RAW_VALUE.match(text):
                problems.append((path, "Python-waarde", text))
        for link in LINK.findall(page):
            if not SKIP.search(link) and shape(html.unescape(link)) not in seen:
                queue.append(link)
    assert visited >= 10, visited
    assert not problems, "\n".join(map(str, sorted(set(problems))))
