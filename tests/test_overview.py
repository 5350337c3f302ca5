"""Overzicht: per municipality and in total, per status: cases, adults, insured persons."""

from __future__ import annotations

import datetime as dt
import re

from app.extensions import db as _db
from app.models import CaseKind, CaseStatus, Notice, NoticeKind
from tests.factories import new_case
from tests.helpers import BOLLENSTREEK, ZWOLLE, cases_of, dutch_today


def _table(page: str, key: str) -> dict[str, tuple[int, int, int]]:
    block = page.split(f'data-gemeente="{key}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for status, body in re.findall(r'data-status="([A-Z_]+)">(.*?)</tr>', block, re.S):
        numbers = [
            int(n) for n in re.findall(r'class="text-right (?:cases|adults|insured)">(\d+)', body)
        ]
        rows[status] = tuple(numbers)
    return rows


def _expected(cases) -> dict[str, tuple[int, int, int]]:
    result: dict[str, list[int]] = {}
    for c in cases:
        for key in (c.status.name, "TOTAAL"):
            counts = result.setdefault(key, [0, 0, 0])
            adults = 1 + (1 if c.partner_id else 0)
            counts[0] += 1
            counts[1] += adults
            counts[2] += adults + c.children_count
    return {k: tuple(v) for k, v in result.items()}


def test_overview_counts_for_an_isd_per_municipality_and_in_total(app, isd_medewerker_client):
    page = isd_medewerker_client.get("/").get_data(as_text=True)
    assert 'data-gemeente="0193"' not in page
    with app.app_context():
        for code in BOLLENSTREEK:
            shown = _table(page, code)
            expected = _expected(cases_of(code))
            for status, counts in expected.items():
                assert shown[status] == counts, (code, status)
        total = _table(page, "totaal")
        expected = _expected(cases_of(*BOLLENSTREEK))
        for status, counts in expected.items():
            assert total[status] == counts
        # Insured persons count children, adults count partners: the demo has both.
        assert expected["TOTAAL"][2] > expected["TOTAAL"][1] > expected["TOTAAL"][0]


def test_overview_for_a_single_municipality_shows_only_it(app, beheerder_client):
    page = beheerder_client.get("/").get_data(as_text=True)
    assert re.findall(r'data-gemeente="(\d{4})"', page) == ["0193"]
    with app.app_context():
        assert _table(page, "0193")["TOTAAL"] == _expected(cases_of(*ZWOLLE))["TOTAAL"]


def test_overview_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_dashboard_links_what_needs_attention_into_filtered_lists(app, beheerder_client):
    with app.app_context():
        held = new_case()
        held.status, held.previous_status = CaseStatus.ON_HOLD, CaseStatus.INVITED
        held.hold_until = dutch_today() - dt.timedelta(days=1)
        flagged = new_case()
        _db.session.add(Notice(case=flagged, kind=NoticeKind.OTHER, message="Let op"))
        _db.session.commit()
        held_id, flagged_id, municipality_id = held.id, flagged.id, held.municipality_id
    page = beheerder_client.get("/").get_data(as_text=True)
    assert 'data-aandacht-gemeente="0193"' in page
    link = f"?aandacht=wacht&amp;_flt_0_municipality={municipality_id}"
    assert link in page
    listed = beheerder_client.get(f"/zaken/list/{link.replace('&amp;', '&')}").get_data(
        as_text=True
    )
    assert f"/zaken/show/{held_id}" in listed and f"/zaken/show/{flagged_id}" not in listed
    notices = beheerder_client.get("/zaken/list/?aandacht=meldingen").get_data(as_text=True)
    assert f"/zaken/show/{flagged_id}" in notices and f"/zaken/show/{held_id}" not in notices


def test_the_dashboard_draws_applications_per_week_and_the_status_distribution(
    app, beheerder_client
):
    with app.app_context():
        before = {
            status: len([c for c in cases_of(*ZWOLLE) if c.status == status])
            for status in CaseStatus
        }
        new_case(kind=CaseKind.APPLICATION)
    page = beheerder_client.get("/").get_data(as_text=True)
    assert '<svg class="chart-weeks"' in page and '<svg class="chart-statuses"' in page
    monday = dutch_today() - dt.timedelta(days=dutch_today().weekday())
    match = re.search(rf'data-week="{monday.isoformat()}" data-aantal="(\d+)"', page)
    assert match and int(match.group(1)) >= 1
    new = re.search(r'<g data-status="NEW" data-aantal="(\d+)"', page)
    assert int(new.group(1)) == before[CaseStatus.NEW] + 1
    assert "<script" not in page.split('class="row charts"')[1].split("</svg>")[0]


def test_applications_count_in_their_dutch_week_around_midnight(app):
    from sqlalchemy import select

    from app.formatting import AMSTERDAM
    from app.models import User
    from app.services.cases import records

    with app.app_context():
        admin = _db.session.scalar(select(User).where(User.username == "admin"))
        today = dutch_today()
        monday = today - dt.timedelta(days=today.weekday())
        before = dict(records.applications_per_week(today, user=admin))
        # Monday 00:30 in Amsterdam is still Sunday in UTC; Sunday 23:30 the week before.
        for moment in (dt.time(0, 30), None):
            case = new_case(kind=CaseKind.APPLICATION)
            if moment is None:
                when = dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(23, 30))
            else:
                when = dt.datetime.combine(monday, moment)
            case.created_on = when.replace(tzinfo=AMSTERDAM)
            _db.session.commit()
        after = dict(records.applications_per_week(today, user=admin))
        last_week = monday - dt.timedelta(weeks=1)
        assert after[monday] == before[monday] + 1
        assert after[last_week] == before[last_week] + 1
        assert sum(after.values()) == sum(before.values()) + 2
