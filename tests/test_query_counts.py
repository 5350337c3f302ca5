"""A list page issues the same number of queries whatever its length (no query per row).

Pages of 20 and 100 rows: both hold households with a partner, so the page-wide load
of partners runs in both (a page without any partner skips that one query).
"""

from __future__ import annotations

import re

from app.extensions import db as _db
from tests.conftest import api_token, bearer
from tests.helpers import counted, make_user


def _html_rows(page: str) -> int:
    return len(set(re.findall(r'href="/zaken/show/(\d+)"', page)))


def test_the_case_list_screen_costs_the_same_queries_for_20_or_100_rows(app, beheerder_client):
    beheerder_client.get("/zaken/list/")  # warm: the session row, roles
    found = {}
    for size in (20, 100):
        with counted(app) as statements:
            page = beheerder_client.get(f"/zaken/list/?psize_CaseModelView={size}")
        assert page.status_code == 200
        found[size] = (_html_rows(page.get_data(as_text=True)), len(statements))
    assert found[20][0] == 20 and found[100][0] > 40, found
    assert found[20][1] == found[100][1] <= 20, found


def test_the_case_list_api_costs_the_same_queries_for_20_or_100_rows(app, client):
    headers = bearer(api_token(client, "beheerder.zwolle"))
    found = {}
    for size in (20, 100):
        with counted(app) as statements:
            response = client.get(f"/api/v1/case/?q=(page_size:{size})", headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert all(row["applicant_bsn"] and row["municipality"] for row in body["result"])
        found[size] = (len(body["result"]), len(statements))
    assert found[20][0] == 20 and found[100][0] > 40, found
    assert found[20][1] == found[100][1] <= 15, found


def test_the_case_detail_page_stays_within_its_query_budget(app, beheerder_client):
    beheerder_client.get("/zaken/list/")
    case_id = re.search(
        r'href="/zaken/show/(\d+)"', beheerder_client.get("/zaken/list/").get_data(as_text=True)
    ).group(1)
    with counted(app) as statements:
        assert beheerder_client.get(f"/zaken/show/{case_id}").status_code == 200
    assert len(statements) <= 25, len(statements)


def test_the_case_detail_page_costs_the_same_whatever_the_team_size(app, beheerder_client):
    """The Beheerder's page lists every colleague to assign to: their roles come in one query."""
    case_id = re.search(
        r'href="/zaken/show/(\d+)"', beheerder_client.get("/zaken/list/").get_data(as_text=True)
    ).group(1)
    beheerder_client.get(f"/zaken/show/{case_id}")
    with counted(app) as before:
        assert beheerder_client.get(f"/zaken/show/{case_id}").status_code == 200
    for _ in range(5):
        make_user(app)
    with counted(app) as after:
        assert beheerder_client.get(f"/zaken/show/{case_id}").status_code == 200
    assert len(after) == len(before), (len(before), len(after))


def test_the_bsn_search_loads_the_user_once_not_again_after_its_audit_entry(app, beheerder_client):
    """The audit entry of a read commits without expiring what the request loaded."""
    from app.models import Resident
    from tests.conftest import csrf_token

    with app.app_context():
        bsn = _db.session.scalar(_db.select(Resident.bsn).limit(1))
    token = csrf_token(beheerder_client, "/zaken/zoek-bsn")
    with counted(app) as statements:
        page = beheerder_client.post("/zaken/zoek-bsn", data={"bsn": bsn, "csrf_token": token})
    assert page.status_code == 200
    assert any(s.startswith("INSERT INTO audit_log") for s in statements)
    user_loads = [s for s in statements if s.startswith("SELECT ab_user.id")]
    assert len(user_loads) == 1, len(user_loads)


def test_a_page_asks_for_the_organisations_municipalities_once(app, beheerder_client):
    """The list, its count and its filters' choices are scoped with one look-up of the ids."""
    beheerder_client.get("/zaken/list/")
    with counted(app) as statements:
        page = beheerder_client.get("/zaken/list/?_flt_0_status=INVITED")
    assert page.status_code == 200
    lookups = [s for s in statements if re.match(r"SELECT municipality\.id\s+FROM municipality", s)]
    # Before: four (the count, the rows, the filter's choices and their count).
    assert len(lookups) == 1, len(lookups)


def test_the_users_roles_and_groups_come_with_the_user_in_one_query(app, beheerder_client):
    """Every page's menu asks the roles: they are loaded with the user, not one by one."""
    beheerder_client.get("/zaken/list/")
    with counted(app) as statements:
        assert beheerder_client.get("/zaken/list/").status_code == 200
    user_loads = [s for s in statements if s.startswith("SELECT ab_user.id")]
    assert len(user_loads) == 1 and "ab_role" in user_loads[0] and "ab_group" in user_loads[0]
    assert not [s for s in statements if s.startswith("SELECT ab_role.id")], statements
