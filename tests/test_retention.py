"""Retention: a dry-run report first, a Beheerder confirms, personal data goes, a count stays."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from app.extensions import db as _db
from app.models import (
    AuditLog,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatistic,
    CaseStatus,
    Decision,
    Document,
    Memo,
    Message,
    Resident,
    RetentionRun,
    Signal,
    SignalKind,
    User,
    ZgwEvent,
)
from app.services.cases import uploads
from app.services.security import retention
from tests.conftest import csrf_token
from tests.factories import invited_case, new_case
from tests.helpers import org

NOW = dt.datetime.now(dt.UTC)


def _close(case_id: int, status: CaseStatus, years_ago: float) -> None:
    moment = NOW - dt.timedelta(days=round(365.25 * years_ago))
    values = {"status": status, "changed_on": moment}
    if status == CaseStatus.DECIDED:
        values |= {"decided_on": moment, "decision": Decision.GRANTED}
    _db.session.execute(update(Case).where(Case.id == case_id).values(**values))
    _db.session.commit()


@pytest.fixture()
def old_cases(app):
    """Two Zwolle cases past seven years (one with partner, child, document, memo, message),
    one decided six years ago, one open for eight years, and one in another organisation."""
    # Not the `db` fixture: its app context would share `g` with the clients' requests.
    with app.app_context():
        ids = _make_old_cases()
    yield ids
    # Leave nothing due behind for the next test (the database is shared).
    with app.app_context():
        mine = [ids[k] for k in ("due", "aborted", "recent", "open", "foreign")]
        _db.session.execute(
            update(Case).where(Case.id.in_(mine)).values(decided_on=NOW, changed_on=NOW)
        )
        _db.session.execute(update(RetentionRun).values(status=retention.SUPERSEDED))
        _db.session.commit()


def _make_old_cases() -> dict:
    db = _db
    due, _ = invited_case(partner=True, children=1)
    stored = uploads.store(uploads.check("bewijs.pdf", b"%PDF-1.4 retention test"))
    db.session.add(
        Document(
            case_id=due.id,
            original_name="bewijs.pdf",
            stored_name=stored,
            content_type="application/pdf",
            size=24,
        )
    )
    db.session.add(Memo(case_id=due.id, text="Memo met persoonsgegevens"))
    # A signal and a zaaksysteem event hang from the case too (SQLite does not cascade).
    zwolle_user = db.session.scalar(select(User.id).where(User.username == "medewerker.zwolle"))
    db.session.add(Signal(user_id=zwolle_user, case_id=due.id, kind=SignalKind.ASSIGNED,
                          dedupe_key=f"retention-test:{due.id}"))  # fmt: skip
    db.session.add(ZgwEvent(case_id=due.id, kind="CREATED", data={}))
    db.session.commit()
    aborted = new_case(kind=CaseKind.APPLICATION)
    recent = new_case()
    still_open = new_case()
    foreign = new_case("0534")
    _close(due.id, CaseStatus.DECIDED, 8)
    _close(aborted.id, CaseStatus.ABORTED, 7.5)
    _close(recent.id, CaseStatus.DECIDED, 6)
    _close(foreign.id, CaseStatus.DECIDED, 9)
    _db.session.execute(
        update(Case)
        .where(Case.id == still_open.id)
        .values(created_on=NOW - dt.timedelta(days=3000))
    )
    _db.session.commit()
    ids = {
        "due": due.id,
        "aborted": aborted.id,
        "recent": recent.id,
        "open": still_open.id,
        "foreign": foreign.id,
        "residents": [due.applicant_id, due.partner_id, *(c.id for c in due.children)],
        "file": stored,
    }
    return ids


def _report(client) -> str:
    return client.get("/bewaartermijn/").get_data(as_text=True)


def _confirm(client, run_id: int, checked: bool = True):
    token = csrf_token(client, "/bewaartermijn/")
    data = {"csrf_token": token, **({"gecontroleerd": "ja"} if checked else {})}
    return client.post(f"/bewaartermijn/{run_id}/bevestigen", data=data)


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _propose(app) -> int:
    with app.app_context():
        return retention.propose(org("Gemeente Zwolle").id).id


def test_the_nightly_job_only_reports_and_running_it_twice_changes_nothing(app, old_cases):
    runner = app.test_cli_runner()
    with app.app_context():
        before = _count(Case)
    assert runner.invoke(args=["jobs", "run", "retention"]).exit_code == 0
    assert runner.invoke(args=["jobs", "run", "retention"]).exit_code == 0
    with app.app_context():
        runs = _db.session.scalars(
            select(RetentionRun).where(
                RetentionRun.organisation_id == org("Gemeente Zwolle").id,
                RetentionRun.status == retention.PROPOSED,
            )
        ).all()
        assert len(runs) == 1
        assert sorted(runs[0].case_ids) == sorted([old_cases["due"], old_cases["aborted"]])
        assert sum(row["zaken"] for row in runs[0].summary) == 2
        assert {row["gemeente"] for row in runs[0].summary} == {"Zwolle"}
        assert _count(Case) == before  # a dry run removes nothing


def test_confirming_removes_personal_data_and_keeps_an_anonymous_count(
    app, old_cases, beheerder_client
):
    token = csrf_token(beheerder_client, "/bewaartermijn/")
    beheerder_client.post("/bewaartermijn/rapport", data={"csrf_token": token})
    assert re.search(r'id="retention-total">2<', _report(beheerder_client))
    with app.app_context():
        run_id = retention.latest(org("Gemeente Zwolle").id).id
        statistics_before = _count(CaseStatistic)

    _confirm(beheerder_client, run_id, checked=False)
    assert "niets verwijderd" in _report(beheerder_client)
    with app.app_context():
        assert _db.session.get(Case, old_cases["due"]) is not None

    _confirm(beheerder_client, run_id)
    due = [old_cases["due"], old_cases["aborted"]]
    with app.app_context():
        assert _count(Case, Case.id.in_(due)) == 0
        for model in (Document, Memo, Message, CaseEvent, Signal, ZgwEvent):
            assert _count(model, model.case_id.in_(due)) == 0, model
        assert _count(Resident, Resident.id.in_(old_cases["residents"])) == 0
        with pytest.raises(FileNotFoundError):
            uploads.read(old_cases["file"])
        for kept in ("recent", "open", "foreign"):
            assert _db.session.get(Case, old_cases[kept]) is not None, kept
        assert _count(CaseStatistic) == statistics_before + 2
        decided = _db.session.scalar(
            select(CaseStatistic)
            .where(CaseStatistic.status == CaseStatus.DECIDED)
            .order_by(CaseStatistic.id.desc())
            .limit(1)
        )
        assert (decided.adults, decided.children, decided.decision) == (2, 1, Decision.GRANTED)
        entry = _db.session.scalar(
            select(AuditLog)
            .where(AuditLog.action == "retention.removed")
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
        assert entry.detail == "zaken=2" and entry.username == "beheerder.zwolle"
    _confirm(beheerder_client, run_id)  # twice: nothing more happens
    assert "al uitgevoerd" in _report(beheerder_client)
    with app.app_context():
        assert _count(CaseStatistic) == statistics_before + 2


def test_a_case_restored_after_the_report_is_not_removed(app, old_cases, beheerder_client):
    run_id = _propose(app)
    with app.app_context():
        _db.session.execute(
            update(Case)
            .where(Case.id == old_cases["aborted"])
            .values(status=CaseStatus.DATA_RECEIVED)
        )
        _db.session.commit()
    _confirm(beheerder_client, run_id)
    with app.app_context():
        assert _db.session.get(Case, old_cases["aborted"]) is not None
        assert _db.session.get(Case, old_cases["due"]) is None


def test_another_organisation_cannot_see_or_confirm_the_report(
    app, old_cases, isd_beheerder_client, medewerker_client
):
    run_id = _propose(app)
    assert _confirm(isd_beheerder_client, run_id).status_code == 404
    assert "Zwolle" not in _report(isd_beheerder_client)
    assert medewerker_client.get("/bewaartermijn/").status_code in (302, 403)
    with app.app_context():
        assert _db.session.get(Case, old_cases["due"]) is not None


def test_the_retention_period_is_set_per_organisation_with_a_dutch_error(app, beheerder_client):
    token = csrf_token(beheerder_client, "/bewaartermijn/")

    def post(years: str):
        return beheerder_client.post(
            "/bewaartermijn/termijn", data={"bewaartermijn": years, "csrf_token": token}
        )

    post("1")
    assert "Kies een bewaartermijn van 2 tot en met 20 jaar." in _report(beheerder_client)
    with app.app_context():
        assert org("Gemeente Zwolle").retention_years == 7
    post("9")
    with app.app_context():
        assert org("Gemeente Zwolle").retention_years == 9
    post("7")
