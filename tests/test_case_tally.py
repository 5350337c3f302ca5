"""The case tally: the overview's counts stay exact through every kind of change."""

from __future__ import annotations

import io

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, text

from app import demo_bulk
from app.extensions import db as _db
from app.models import Case, CaseStatus, CaseTally, ImportKind, Municipality, User
from app.services.cases import tally
from app.services.imports import engine
from tests.conftest import api_token, bearer
from tests.helpers import delivered_case, payload, post_application, reassessment_csv


def _truth() -> dict:
    """Counted the slow way, from the cases themselves."""
    adults = 1 + sql_case((Case.partner_id.is_not(None), 1), else_=0)
    rows = _db.session.execute(
        select(
            Case.municipality_id, Case.status, Case.advice, func.count(Case.id),
            func.sum(adults), func.sum(adults + Case.children_count),
        ).group_by(Case.municipality_id, Case.status, Case.advice)
    )  # fmt: skip
    return {(m, s, a): (int(n), int(ad), int(ins)) for m, s, a, n, ad, ins in rows}


def _tallied() -> dict:
    admin = _db.session.scalar(select(User).where(User.username == "admin"))
    return {(m, s, a): (c.cases, c.adults, c.insured) for m, s, a, c in tally.counts(admin)}


def _import_new_cases(cbs_code: str, count: int) -> None:
    data = reassessment_csv(count)
    user = _db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
    record = engine.start(ImportKind.REASSESSMENT, cbs_code, io.BytesIO(data), "t.csv", user)
    engine.run_preview(record.id)
    record, summary = engine.run_confirm(record.id, user.id)
    assert summary.new == count, record.message


def test_the_tally_equals_a_count_of_the_cases_after_every_kind_of_change(app, client):
    with app.app_context():
        assert _tallied() == _truth()
        # An online application, and a delivery that adds a partner (adults change).
        assert post_application(client, payload("0193")).status_code in (200, 201)
        delivered_case(client, partner=True)
        assert _tallied() == _truth()
        # An import of new cases, written in bulk.
        _import_new_cases("0193", 25)
        assert _tallied() == _truth()
        # Status changes through the REST API.
        headers = bearer(api_token(client, "beheerder.zwolle"))
        open_ids = _db.session.scalars(
            select(Case.id)
            .join(Municipality)
            .where(Municipality.cbs_code == "0193", Case.status == CaseStatus.NEW)
            .limit(3)
        ).all()
        for case_id in open_ids:
            response = client.post(
                f"/api/v1/case/{case_id}/abort", json={"reden": "Tellen"}, headers=headers
            )
            assert response.status_code == 200, response.get_json()
        assert _tallied() == _truth()
        # Bulk generation (Core inserts of many statements) and a removal by any path.
        demo_bulk.generate(40, seed=7)
        _db.session.execute(
            text('DELETE FROM "case" WHERE id = (SELECT max(id) FROM "case")'
                 " AND id NOT IN (SELECT case_id FROM case_event)")
        )  # fmt: skip
        _db.session.commit()
        assert _tallied() == _truth()


def test_a_rolled_back_change_leaves_the_tally_as_it_was(app):
    with app.app_context():
        before = _tallied()
        rows = _db.session.scalar(select(func.count(CaseTally.id)))
        _db.session.execute(text("UPDATE \"case\" SET status = 'ABORTED' WHERE status = 'NEW'"))
        assert _tallied() != before  # inside the transaction the change counts at once
        _db.session.rollback()
        assert _tallied() == before == _truth()
        assert _db.session.scalar(select(func.count(CaseTally.id))) == rows


def test_a_change_that_counts_nothing_writes_no_delta(app):
    with app.app_context():
        rows = _db.session.scalar(select(func.count(CaseTally.id)))
        _db.session.execute(text('UPDATE "case" SET changed_on = changed_on'))
        _db.session.commit()
        assert _db.session.scalar(select(func.count(CaseTally.id))) == rows


def test_compacting_keeps_every_sum_and_leaves_one_row_per_group(app):
    with app.app_context():
        demo_bulk.generate(30, seed=11)
        before = _tallied()
        assert _db.session.scalar(select(func.count(CaseTally.id))) > len(before)
        result = app.test_cli_runner().invoke(args=["jobs", "run", "tally"])
        assert result.exit_code == 0, result.output
        assert _tallied() == before == _truth()
        assert _db.session.scalar(select(func.count(CaseTally.id))) == len(before)
        tally.compact()  # twice is the same
        assert _tallied() == before
        assert _db.session.scalar(select(func.count(CaseTally.id))) == len(before)
