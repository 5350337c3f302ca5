"""A case list's count: from the case tally where the filters allow it, and always exactly
the number of rows the list gives, through REST and on the screen, for every organisation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Municipality, User
from tests.conftest import api_token, bearer, login
from tests.helpers import counted


def _ids(app):
    with app.app_context():
        zwolle = _db.session.scalar(select(Municipality.id).where(Municipality.cbs_code == "0193"))
        other = _db.session.scalar(select(Municipality.id).where(Municipality.cbs_code == "0534"))
    return zwolle, other


FILTERS = {
    "geen filter": [],
    "status": ["(col:status,opr:eq,value:INVITED)"],
    "advies": ["(col:advice,opr:eq,value:GRANT)"],
    "gemeente": ["(col:municipality,opr:rel_o_m,value:{zwolle})"],
    "status en gemeente": [
        "(col:status,opr:eq,value:DATA_RECEIVED)",
        "(col:municipality,opr:rel_o_m,value:{zwolle})",
    ],
    "gemeente van een andere organisatie": ["(col:municipality,opr:rel_o_m,value:{other})"],
    "soort (niet in de telling)": ["(col:kind,opr:eq,value:REASSESSMENT)"],
    "status niet gelijk (niet in de telling)": ["(col:status,opr:neq,value:INVITED)"],
    "onbekende gemeente": ["(col:municipality,opr:rel_o_m,value:987654)"],
}


def _rest_rows(client, headers, filters: list[str]) -> tuple[int, int]:
    """The list's count, and the rows it gives when paged through to the end."""
    rows, page, count = 0, 0, None
    while True:
        query = f"(filters:!({','.join(filters)}),page:{page},page_size:100)"
        body = client.get(f"/api/v1/case/?q={query}", headers=headers).get_json()
        count = body["count"] if count is None else count
        rows += len(body["result"])
        if len(body["result"]) < 100:
            return count, rows
        page += 1


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_rest_list_counts_exactly_the_rows_it_gives(app, client, name):
    zwolle, other = _ids(app)
    filters = [f.format(zwolle=zwolle, other=other) for f in FILTERS[name]]
    headers = bearer(api_token(client, "beheerder.zwolle"))
    count, rows = _rest_rows(client, headers, filters)
    assert count == rows, (name, count, rows)
    if name == "gemeente van een andere organisatie":
        assert count == 0
    elif name in ("geen filter", "status", "gemeente"):
        assert count > 0, name


def test_the_count_comes_from_the_tally_and_not_from_the_cases(app, client):
    """A count over the cases reads every matching row: at a million, 14 ms per page."""
    zwolle, _ = _ids(app)
    headers = bearer(api_token(client, "beheerder.zwolle"))
    counts = re.compile(r"count\(.*FROM \"case\"", re.S | re.I)
    for filters, from_tally in (
        ("(col:status,opr:eq,value:INVITED)", True),
        (f"(col:municipality,opr:rel_o_m,value:{zwolle})", True),
        ("(col:kind,opr:eq,value:REASSESSMENT)", False),
    ):
        with counted(app) as seen:
            response = client.get(f"/api/v1/case/?q=(filters:!({filters}))", headers=headers)
        assert response.status_code == 200
        read_cases = any(counts.search(s) for s in seen)
        read_tally = any("case_tally" in s for s in seen)
        assert (read_tally, read_cases) == (from_tally, not from_tally), filters
    screen = login(app, "beheerder.zwolle")
    for query, from_tally in (
        ("_flt_0_status=INVITED", True),
        (f"_flt_0_status=INVITED&_flt_0_municipality={zwolle}", True),
        ("_flt_0_kind=REASSESSMENT", False),
    ):
        with counted(app) as seen:
            assert screen.get(f"/zaken/list/?{query}").status_code == 200
        read_cases = any(counts.search(s) for s in seen)
        read_tally = any("case_tally" in s for s in seen)
        assert (read_tally, read_cases) == (from_tally, not from_tally), query


def test_the_screen_counts_as_the_rest_list_for_another_organisation(app, client):
    """ISD Bollenstreek's beheerder: the screen's count is the REST count is the rows."""
    user = "beheerder.bollenstreek"
    headers = bearer(api_token(client, user))
    screen = login(app, user)
    for flt, rest in (
        ("", []),
        ("_flt_0_status=INVITED", ["(col:status,opr:eq,value:INVITED)"]),
        ("_flt_0_advice=REJECT", ["(col:advice,opr:eq,value:REJECT)"]),
    ):
        count, rows = _rest_rows(client, headers, rest)
        page = screen.get(f"/zaken/list/?{flt}").get_data(as_text=True)
        shown = re.search(r"Aantal records:</strong>\s*(\d+)", page)
        assert count == rows
        assert shown and int(shown.group(1)) == count, (flt, count)
    # Two values for one filter: FAB applies both, so nothing is both INVITED and NEW.
    page = screen.get("/zaken/list/?_flt_0_status=INVITED&_flt_0_status=NEW")
    text = page.get_data(as_text=True)
    shown = re.search(r"Aantal records:</strong>\s*(\d+)", text)
    assert (shown is None or int(shown.group(1)) == 0) and "/zaken/show/" not in text


def test_a_change_counts_at_once(app, db, client):
    """The tally is written in the change's own transaction: the next list counts it."""
    from tests.factories import new_case

    headers = bearer(api_token(client, "beheerder.zwolle"))
    before, _ = _rest_rows(client, headers, ["(col:status,opr:eq,value:NEW)"])
    new_case("0193")
    after, rows = _rest_rows(client, headers, ["(col:status,opr:eq,value:NEW)"])
    assert after == before + 1 == rows
    assert db.session.scalar(select(User.id).where(User.username == "beheerder.zwolle"))


@pytest.mark.parametrize("resource", ["case", "message"])
def test_a_filter_on_a_code_that_does_not_exist_is_a_dutch_400_naming_q(client, resource):
    """It was a 500: the statement refused the code before it reached the database."""
    headers = bearer(api_token(client, "beheerder.zwolle"))
    response = client.get(
        f"/api/v1/{resource}/?q=(filters:!((col:status,opr:eq,value:GEEN)))", headers=headers
    )
    assert response.status_code == 400
    (error,) = response.get_json()["fouten"]
    assert error["veld"] == "q" and "code die het veld niet kent" in error["melding"]
