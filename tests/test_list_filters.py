"""Filtering lists by a moment works: typed times are Dutch time, nothing crashes."""

from __future__ import annotations

import datetime as dt

import pytest

from app.models import Memo
from tests.conftest import login
from tests.factories import new_case


@pytest.mark.parametrize(
    "path",
    [
        "/auditlog/list/?_flt_1_created_on=2026-01-01+08:00:00",
        "/auditlog/list/?_flt_2_created_on=2030-01-01",
        "/berichten/list/?_flt_1_created_on=2026-01-01+00:00:00",
        "/memos/list/?_flt_0_created_on=2026-01-01+00:00:00",
        "/import/list/?_flt_1_created_on=2026-01-01",
        "/geweigerde-verzoeken/list/?_flt_1_received_on=2026-01-01",
        "/auditlog/list/?_flt_1_created_on=geen-datum",
    ],
)
def test_a_date_filter_on_a_list_answers_the_list(beheerder_client, path):
    response = beheerder_client.get(path)
    assert response.status_code == 200, path


def test_a_typed_moment_is_read_as_dutch_time(app, db):
    # 06:45 and 07:15 UTC on 1 January are 07:45 and 08:15 in the Netherlands (UTC+1):
    # "after 08:00" shows only the second; read as UTC it would show neither.
    case = new_case("0193")
    early = Memo(case=case, text="Memo om kwart voor acht", created_on=moment(6, 45))
    late = Memo(case=case, text="Memo om kwart over acht", created_on=moment(7, 15))
    db.session.add_all([early, late])
    db.session.commit()
    with app.app_context():
        client = login(app, "beheerder.zwolle")
        after = client.get(
            "/memos/list/?_flt_1_created_on=2026-01-01+08:00:00&psize_MemoModelView=100"
        )
        before = client.get(
            "/memos/list/?_flt_2_created_on=2026-01-01+08:00:00&psize_MemoModelView=100"
        )
    after_page, before_page = after.get_data(as_text=True), before.get_data(as_text=True)
    assert "Memo om kwart over acht" in after_page
    assert "Memo om kwart voor acht" not in after_page
    assert "Memo om kwart voor acht" in before_page
    assert "Memo om kwart over acht" not in before_page
    # And the list shows the moments in Dutch time too.
    assert "01-01-2026 08:15" in after_page


def moment(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, hour, minute, tzinfo=dt.UTC)
