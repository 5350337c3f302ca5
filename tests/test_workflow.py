"""The case state machine: hold, release, abort, restore on the screen, over REST, by job."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEvent, CaseStatus, Notice, NoticeKind
from app.services import errors
from app.services.cases import workflow
from tests.conftest import api_token, bearer, csrf_token, login
from tests.factories import new_case
from tests.helpers import dutch_today

S = CaseStatus
# Open and workable: a decision awaiting a second person's approval is not changed.
OPEN = {S.NEW, S.INVITED, S.DATA_RECEIVED, S.INFO_REQUESTED, S.ON_HOLD}
BACK = None  # back to the status before the hold or the abort
# DESIGN.md 4.2, written out here: (from which statuses, to which), per action.
CASEWORKER = {
    "hold": (OPEN - {S.ON_HOLD}, S.ON_HOLD),
    "release": ({S.ON_HOLD}, BACK),
    "abort": (OPEN, S.ABORTED),
    "restore": ({S.ABORTED}, BACK),
    "request_info": ({S.NEW, S.INVITED, S.DATA_RECEIVED}, S.INFO_REQUESTED),
    "decide": (OPEN, S.DECIDED),
}
FOUR_EYES = {
    "submit": (OPEN, S.AWAITING_APPROVAL),
    "approve": ({S.AWAITING_APPROVAL}, S.DECIDED),
    "send_back": ({S.AWAITING_APPROVAL}, S.DATA_RECEIVED),
}
SYSTEM = {
    "invite": ({S.NEW}, S.INVITED),
    "data_received": ({S.NEW, S.INVITED, S.INFO_REQUESTED}, S.DATA_RECEIVED),
    "info_received": ({S.INFO_REQUESTED}, S.DATA_RECEIVED),
    "auto_decide": ({S.NEW}, S.DECIDED),
    "hold_expired": ({S.ON_HOLD}, BACK),
}
REFUSED = [
    (action, status)
    for action, (sources, _target) in CASEWORKER.items()
    for status in CaseStatus
    if status not in sources
]


def case_in(db, status: CaseStatus, previous: CaseStatus | None = None) -> Case:
    case = new_case()
    case.status = status
    case.previous_status = previous
    db.session.commit()
    return case


def act(app, case_id: int, action: str, body: dict | None = None, user: str = "medewerker.zwolle"):
    token = api_token(app.test_client(), user)
    return app.test_client().post(
        f"/api/v1/case/{case_id}/{action}", json=body or {}, headers=bearer(token)
    )


def test_the_transition_table_follows_design_4_2():
    table = {name: (set(t.sources), t.target) for name, t in workflow.TRANSITIONS.items()}
    assert table == {**CASEWORKER, **FOUR_EYES, **SYSTEM}
    assert workflow.TRANSITIONS["restore"].beheerder_only
    assert [n for n, t in workflow.TRANSITIONS.items() if t.beheerder_only] == ["restore"]
    assert {n for n, t in workflow.TRANSITIONS.items() if t.system} == set(SYSTEM)
    # Data arriving while a case is on hold changes where the hold returns to.
    assert {n for n, t in workflow.TRANSITIONS.items() if t.follows_hold} == {
        "data_received", "info_received",
    }  # fmt: skip


def test_the_system_transitions_are_never_buttons(app, db):
    case = case_in(db, CaseStatus.NEW)
    with app.test_request_context():
        offered = set(workflow.allowed_actions(case, user=None))
    assert offered == {"hold", "abort", "request_info", "decide"}


@pytest.mark.parametrize(("action", "status"), REFUSED, ids=lambda v: getattr(v, "name", v))
def test_a_refused_transition_answers_409_in_dutch_and_changes_nothing(app, db, action, status):
    case = case_in(db, status, previous=CaseStatus.INVITED)
    user = "beheerder.zwolle" if action == "restore" else "medewerker.zwolle"
    body = {"reden": "Test", "omschrijving": "Test", "besluit": "GRANTED"}
    response = act(app, case.id, action.replace("_", "-"), body, user=user)
    assert response.status_code == 409, response.get_json()
    message = response.get_json()["fouten"][0]["melding"]
    assert message == workflow.refusal(action, status)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == status


def test_hold_and_release_over_rest_return_to_where_the_case_was(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    until = (dutch_today() + dt.timedelta(days=20)).isoformat()
    response = act(app, case.id, "hold", {"reden": "Wacht op terugbelverzoek", "tot": until})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"zaak_id": case.id, "status": "ON_HOLD"}
    db.session.expire_all()
    held = db.session.get(Case, case.id)
    assert (held.previous_status, held.hold_reason, held.hold_until.isoformat()) == (
        CaseStatus.DATA_RECEIVED, "Wacht op terugbelverzoek", until,
    )  # fmt: skip
    response = act(app, case.id, "release")
    assert response.get_json()["status"] == "DATA_RECEIVED"
    db.session.expire_all()
    events = [(e.action, e.from_status, e.to_status) for e in db.session.get(Case, case.id).events]
    assert events[:2] == [
        ("release", CaseStatus.ON_HOLD, CaseStatus.DATA_RECEIVED),
        ("hold", CaseStatus.DATA_RECEIVED, CaseStatus.ON_HOLD),
    ]


def test_a_hold_needs_a_reason_and_a_future_date(app, db):
    case = case_in(db, CaseStatus.INVITED)
    response = act(app, case.id, "hold", {"reden": "  "})
    assert response.status_code == 422
    assert response.get_json()["fouten"] == [
        {"veld": "reden", "melding": "Geef de reden van het in afwachting zetten."}
    ]
    response = act(app, case.id, "hold", {"reden": "x", "tot": dutch_today().isoformat()})
    assert response.get_json()["fouten"][0]["veld"] == "tot"
    response = act(app, case.id, "hold", {"reden": "x", "tot": "31-12-2026"})
    assert response.get_json()["fouten"][0]["melding"] == "Geef een datum (JJJJ-MM-DD)."
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.INVITED


def test_abort_and_restore_only_by_a_beheerder(app, db):
    case = case_in(db, CaseStatus.ON_HOLD, previous=CaseStatus.INVITED)
    assert (
        act(app, case.id, "abort", {"reden": "Verhuisd naar buiten de gemeente"}).status_code == 200
    )
    db.session.expire_all()
    aborted = db.session.get(Case, case.id)
    assert (aborted.status, aborted.previous_status, aborted.abort_reason) == (
        CaseStatus.ABORTED, CaseStatus.INVITED, "Verhuisd naar buiten de gemeente",
    )  # fmt: skip
    refused = act(app, case.id, "restore")
    assert refused.status_code == 403
    restored = act(app, case.id, "restore", user="beheerder.zwolle")
    assert restored.get_json()["status"] == "INVITED"


def test_another_organisation_gets_404(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    response = act(app, case.id, "hold", {"reden": "x"}, user="medewerker.bollenstreek")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.DATA_RECEIVED


def test_two_concurrent_holds_cannot_both_succeed(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    tokens = {u: api_token(app.test_client(), u) for u in ("medewerker.zwolle", "beheerder.zwolle")}
    results: list[int] = []
    barrier = threading.Barrier(2)

    case_id = case.id

    def run(action: str, user: str) -> None:
        with app.app_context():  # each request thread with a session of its own
            client = app.test_client()
            barrier.wait()
            try:
                response = client.post(
                    f"/api/v1/case/{case_id}/{action}",
                    json={"reden": "tegelijk"},
                    headers=bearer(tokens[user]),
                )
                results.append(response.status_code)
            except Exception as exc:  # reported by the assertion below
                results.append(repr(exc))

    threads = [
        threading.Thread(target=run, args=("hold", "medewerker.zwolle")),
        threading.Thread(target=run, args=("hold", "beheerder.zwolle")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    db.session.expire_all()
    moves = db.session.scalar(
        select(func.count(CaseEvent.id)).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "hold"
        )
    )
    assert moves == 1


def test_a_status_change_after_the_read_makes_the_move_fail(app, db):
    # Hold and abort may both succeed one after the other (abort is allowed on hold);
    # what must never happen is a move based on a status that has changed since it was read.
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    stale = db.session.get(Case, case.id)
    assert act(app, case.id, "abort", {"reden": "eerst"}).status_code == 200
    with pytest.raises(errors.Conflict):
        workflow.move(stale, CaseStatus.DATA_RECEIVED, {"status": CaseStatus.ON_HOLD},
                      dt.datetime.now(dt.UTC))  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.ABORTED


def test_the_detail_page_offers_the_allowed_actions_and_runs_them(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        page = client.get(f"/zaken/show/{case.id}").get_data(as_text=True)
        assert "In afwachting zetten" in page and "Afbreken" in page
        assert "Vrijgeven" not in page and "Herstellen" not in page
        token = csrf_token(client, f"/zaken/show/{case.id}")
        response = client.post(
            f"/zaken/show/{case.id}/actie/hold",
            data={"csrf_token": token, "reden": "Wacht op de inwoner", "tot": ""},
            follow_redirects=True,
        )
        page = response.get_data(as_text=True)
    assert "In afwachting zetten: de zaak is nu &#39;In afwachting&#39;." in page
    assert "Vrijgeven" in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.ON_HOLD


def test_the_screen_refuses_in_dutch(app, db):
    case = case_in(db, CaseStatus.DECIDED)
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        token = csrf_token(client, f"/zaken/show/{case.id}")
        page = client.post(
            f"/zaken/show/{case.id}/actie/abort",
            data={"csrf_token": token, "reden": "x"},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "&#39;Afbreken&#39; kan niet bij een zaak met status &#39;Besluit genomen&#39;." in page


def test_the_hold_job_releases_due_holds_once(app, db):
    due = case_in(db, CaseStatus.ON_HOLD, previous=CaseStatus.INVITED)
    due.hold_until = dt.date(2026, 11, 30)
    later = case_in(db, CaseStatus.ON_HOLD, previous=CaseStatus.NEW)
    later.hold_until = dt.date(2026, 12, 1)
    db.session.commit()
    moment = "2026-12-01T06:30"
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["jobs", "run", "holds", "--now", moment])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Case, due.id).status == CaseStatus.INVITED
    assert db.session.get(Case, later.id).status == CaseStatus.ON_HOLD  # its last day
    releases = db.session.scalar(
        select(func.count(CaseEvent.id)).where(
            CaseEvent.case_id == due.id, CaseEvent.action == "release"
        )
    )
    assert releases == 1


def test_a_notice_is_handled_once_on_the_screen_and_over_rest(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    first = Notice(case=case, kind=NoticeKind.OTHER, message="Bel de inwoner terug.")
    second = Notice(case=case, kind=NoticeKind.DEADLINE_EXPIRED, message="Termijn verstreken.")
    db.session.add_all([first, second])
    db.session.commit()
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        token = csrf_token(client, f"/zaken/show/{case.id}")
        page = client.post(
            f"/zaken/show/{case.id}/melding/{first.id}",
            data={"csrf_token": token},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "Melding afgehandeld." in page and "Bel de inwoner terug." not in page
    response = act(app, case.id, f"notices/{second.id}/resolve")
    assert response.status_code == 200
    again = act(app, case.id, f"notices/{second.id}/resolve")
    assert again.status_code == 409
    other = act(app, case.id, f"notices/{second.id}/resolve", user="medewerker.bollenstreek")
    assert other.status_code == 404
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.open_notices == []
    assert [e.action for e in case.events][:2] == ["notice", "notice"]


def test_bulk_hold_rechecks_every_case_and_reports_what_was_skipped(app, db):
    own = case_in(db, CaseStatus.DATA_RECEIVED)
    decided = case_in(db, CaseStatus.DECIDED)
    other = new_case("0534")  # Hillegom: another organisation
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        ids = f"{own.id},{decided.id},{other.id}"
        form_page = client.get(f"/zaken/bulk/wachten?ids={ids}").get_data(as_text=True)
        assert "3 zaak/zaken in afwachting zetten" in form_page
        token = csrf_token(client, f"/zaken/bulk/wachten?ids={ids}")
        page = client.post(
            "/zaken/bulk/wachten",
            data={"csrf_token": token, "ids": ids, "reden": "Wacht op de rechtbank"},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "In afwachting gezet: 1 zaak/zaken; 2 overgeslagen." in page
    assert f"Zaak {other.id} overgeslagen: Zaak niet gevonden." in page
    assert f"Zaak {decided.id} overgeslagen:" in page
    db.session.expire_all()
    assert db.session.get(Case, own.id).status == CaseStatus.ON_HOLD
    assert db.session.get(Case, decided.id).status == CaseStatus.DECIDED
    assert db.session.get(Case, other.id).status == CaseStatus.NEW


def test_bulk_release_and_export_from_the_list(app, db):
    held = case_in(db, CaseStatus.ON_HOLD, previous=CaseStatus.INVITED)
    open_ = case_in(db, CaseStatus.DATA_RECEIVED)
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        token = csrf_token(client, "/zaken/list/")
        page = client.post(
            "/zaken/action_post",
            data={"csrf_token": token, "action": "release_selected",
                  "rowid": [str(held.id), str(open_.id)]},
            follow_redirects=True,
        ).get_data(as_text=True)  # fmt: skip
        assert "Vrijgegeven: 1 zaak/zaken; 1 overgeslagen." in page
        exported = client.post(
            "/zaken/action_post",
            data={"csrf_token": token, "action": "export_selected",
                  "rowid": [str(held.id), str(open_.id)]},
        )  # fmt: skip
        body = exported.get_data().decode("utf-8-sig")
    db.session.expire_all()
    assert db.session.get(Case, held.id).status == CaseStatus.INVITED
    rows = [line for line in body.splitlines()[1:] if line]
    assert len(rows) == 2
    assert {held.number, open_.number} <= {cell for line in rows for cell in line.split(";")}


def test_information_is_requested_from_the_detail_page(app, db):
    case = case_in(db, CaseStatus.DATA_RECEIVED)
    with app.app_context():
        client = login(app, "medewerker.zwolle")
        page = client.get(f"/zaken/show/{case.id}").get_data(as_text=True)
        assert "Aanvullende informatie opvragen" in page and "leeg: 14 dagen" in page
        token = csrf_token(client, f"/zaken/show/{case.id}")
        page = client.post(
            f"/zaken/show/{case.id}/actie/request_info",
            data={"csrf_token": token, "omschrijving": "Uw bankafschrift.", "termijn": ""},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "de zaak is nu &#39;Aanvullende informatie opgevraagd&#39;." in page
    assert "Uw bankafschrift." in page  # in the requests table, with its deadline
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.INFO_REQUESTED
