"""Faults that kill for real: whatever dies, nothing is lost or stored half."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, text, update

from app.demo import DEMO_PASSWORD
from app.extensions import db as _db
from app.models import (
    Case,
    CaseEvent,
    CaseStatus,
    ImportKind,
    ImportRecord,
    ImportStatus,
    Message,
    MessageStatus,
    Municipality,
    TemplateEvent,
    User,
)
from app.services.imports import engine, progress
from app.services.messaging import outbox
from tests.conftest import build_app, own_database
from tests.factories import new_case
from tests.helpers import free_port, reassessment_csv, run_job, wait_for_health
from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROWS = 20_000
POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture(scope="module")
def fault_app(tmp_path_factory) -> Flask:
    """One database of its own for the fault tests (processes are killed on it)."""
    folder = tmp_path_factory.mktemp("faults")
    return build_app(own_database("faults", folder), folder)


def _env(app: Flask, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "development",
        "FLASK_APP": "run",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],  # SQLite's progress file: the same machine
        **extra,
    }


@contextlib.contextmanager
def _gunicorn(app: Flask, folder: Path, **extra: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real instance (gunicorn, one worker) on a free port; stopped afterwards."""
    port = free_port()
    env = _env(app, PORT=str(port), WEB_WORKERS="1", **extra)
    log_path = folder / f"server-{port}.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "run:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            assert wait_for_health(base, 60), log_path.read_text()[-2000:]
            yield server, base
        finally:
            server.terminate()
            server.wait(timeout=30)


def _scheduler(app: Flask, folder: Path, name: str, **extra: str) -> subprocess.Popen:
    """A real `flask scheduler` process."""
    log = (folder / f"{name}.log").open("w")
    return subprocess.Popen(
        [str(BIN / "flask"), "scheduler"],
        cwd=ROOT, env=_env(app, **extra), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _cases_of_zwolle() -> int:
    return _db.session.scalar(
        select(func.count(Case.id)).join(Municipality).where(Municipality.cbs_code == "0193")
    )


def _login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base}/login/",
        data={"username": "beheerder.zwolle", "password": DEMO_PASSWORD, "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def _confirm(session: requests.Session, base: str, import_id: int) -> None:
    page = session.get(f"{base}/import/show/{import_id}", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base}/import/show/{import_id}/bevestigen",
        data={"csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]


def _workers(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_worker_killed_during_an_import_confirm_leaves_it_whole_or_absent_and_a_retry_works(
    fault_app, tmp_path
):
    app = fault_app
    with app.app_context():
        before = _cases_of_zwolle()
        user = _db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
        record = engine.start(
            ImportKind.REASSESSMENT, "0193", io.BytesIO(reassessment_csv(ROWS)), "groot.csv", user
        )
        record, summary = engine.run_preview(record.id)
        assert record.status == ImportStatus.PREVIEWED and summary.new == ROWS
        import_id = record.id
    with _gunicorn(app, tmp_path) as (server, base):
        session = _login(base)
        _confirm(session, base, import_id)
        # Kill the worker (SIGKILL: no cleanup of any kind) while it writes the rows.
        deadline = time.monotonic() + 120
        with app.app_context():
            while time.monotonic() < deadline:
                state = progress.get(import_id) or {}
                if state.get("fase") == "import" and state.get("verwerkt", 0) >= 2000:
                    break
                time.sleep(0.05)
            assert state.get("fase") == "import", state
        (worker,) = _workers(server.pid)
        os.kill(worker, signal.SIGKILL)
        with app.app_context():
            assert _cases_of_zwolle() == before  # absent: nothing of the import is stored
            assert _db.session.get(ImportRecord, import_id).status == ImportStatus.IMPORTING
        # Gunicorn starts a new worker; the import's page sees the step has died.
        assert wait_for_health(base, 60)
        page = session.get(f"{base}/import/show/{import_id}", timeout=10).text
        assert "afgebroken doordat de server stopte" in page and "Bevestigen" in page
        with app.app_context():
            record = _db.session.get(ImportRecord, import_id)
            assert record.status == ImportStatus.PREVIEWED and record.stored_name
            assert _cases_of_zwolle() == before
        # The retry imports every row once.
        _confirm(session, base, import_id)
        deadline = time.monotonic() + 180
        with app.app_context():
            while time.monotonic() < deadline:
                _db.session.expire_all()
                if _db.session.get(ImportRecord, import_id).status == ImportStatus.DONE:
                    break
                time.sleep(0.3)
            record = _db.session.get(ImportRecord, import_id)
            assert record.status == ImportStatus.DONE, record.message
            assert _cases_of_zwolle() == before + ROWS
        page = session.get(f"{base}/import/show/{import_id}", timeout=10).text
        assert "afgebroken" not in page


def _set_outbox_aside() -> None:
    _db.session.execute(
        update(Message)
        .where(Message.status == MessageStatus.PENDING)
        .values(status=MessageStatus.NOT_SENT)
    )
    _db.session.commit()


def _queue_emails(count: int, now: dt.datetime | None = None) -> list[int]:
    """`count` confirmations to residents with addresses of their own, oldest first."""
    ids = []
    for n in range(count):
        case = new_case(email=f"inwoner{n}.{time.monotonic_ns()}@example.nl")
        message = outbox.queue(case, TemplateEvent.CONFIRMATION, now=now)
        _db.session.commit()
        ids.append(message.id)
    return ids


def test_the_scheduler_killed_while_sending_loses_no_email_and_sends_none_twice(
    fault_app, tmp_path
):
    app = fault_app
    mail = SmtpServer().start()
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SCHEDULER_OUTBOX_SECONDS": "1",
        "SCHEDULER_LEASE_SECONDS": "3",
        "OUTBOX_CLAIM_SECONDS": "5",
    }
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mail.port)
    first = second = None
    try:
        with app.app_context():
            _set_outbox_aside()
            ids = _queue_emails(10)
        killed = threading.Event()

        def kill_on_the_fourth(_mail) -> None:
            # The worst moment: the mail server holds the email, the sender never hears so.
            if len(mail.inbox.messages) == 4 and not killed.is_set():
                os.kill(first.pid, signal.SIGKILL)
                killed.set()

        mail.inbox.on_data = kill_on_the_fourth
        first = _scheduler(app, tmp_path, "scheduler-1", **settings)
        assert killed.wait(60), (tmp_path / "scheduler-1.log").read_text()[-2000:]
        first.wait(timeout=10)
        with app.app_context():
            rows = {
                m.id: m for m in _db.session.scalars(select(Message).where(Message.id.in_(ids)))
            }
            assert [rows[i].status for i in ids[:3]] == [MessageStatus.SENT] * 3
            in_flight = rows[ids[3]]
            assert in_flight.status == MessageStatus.PENDING and in_flight.email_message_id
            assert all(rows[i].attempts == 0 for i in ids[4:])
        # Another scheduler takes over once the dead one's lease has run out.
        second = _scheduler(app, tmp_path, "scheduler-2", **settings)
        deadline = time.monotonic() + 90
        with app.app_context():
            while time.monotonic() < deadline:
                _db.session.expire_all()
                statuses = _db.session.scalars(
                    select(Message.status).where(Message.id.in_(ids))
                ).all()
                if set(statuses) == {MessageStatus.SENT}:
                    break
                time.sleep(0.5)
            rows = {
                m.id: m for m in _db.session.scalars(select(Message).where(Message.id.in_(ids)))
            }
            assert {m.status for m in rows.values()} == {MessageStatus.SENT}, (
                tmp_path / "scheduler-2.log"
            ).read_text()[-2000:]
        received = Counter((m["To"].strip(), m["Message-ID"].strip()) for m in mail.inbox.messages)
        # No email lost: every stored email arrived, under the Message-ID stored with it.
        assert {(rows[i].recipient, rows[i].email_message_id) for i in ids} == set(received)
        # None sent twice: one Message-ID per resident; only the email in flight when the
        # scheduler died went out again, as the same email (mail systems show it once).
        assert len({to for to, _ in received}) == len(ids)
        assert [key for key, times in received.items() if times > 1] == [
            (in_flight.recipient, in_flight.email_message_id)
        ]
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        mail.stop()
        app.config.update(SMTP_HOST="", SMTP_PORT=25)


def test_a_mail_server_down_for_an_hour_drains_its_backlog_in_order(fault_app):
    app = fault_app
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    t0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    try:
        with app.app_context():
            _set_outbox_aside()
            ids: list[int] = []
            # An hour of work goes on while the mail server is down: an email every 10
            # minutes, the outbox job every minute.
            for minute in range(61):
                now = t0 + dt.timedelta(minutes=minute)
                if minute % 10 == 0:
                    ids += _queue_emails(1, now)
                run_job(app, "outbox", now)
            _db.session.expire_all()
            rows = [_db.session.get(Message, i) for i in ids]
            assert {m.status for m in rows} == {MessageStatus.PENDING}
            # Only the oldest was tried, once a minute; the others wait behind it.
            assert rows[0].attempts == 61 and "ConnectionRefusedError" in rows[0].last_error
            assert [m.attempts for m in rows[1:]] == [0] * (len(ids) - 1)
        mail = SmtpServer(port).start()
        try:
            with app.app_context():
                ids += _queue_emails(1, t0 + dt.timedelta(minutes=61))
                run_job(app, "outbox", t0 + dt.timedelta(minutes=61))
        finally:
            mail.stop()
        with app.app_context():
            _db.session.expire_all()
            rows = [_db.session.get(Message, i) for i in ids]
            assert {m.status for m in rows} == {MessageStatus.SENT}
            # In the order they were made, each once.
            assert [m["Message-ID"].strip() for m in mail.inbox.messages] == [
                m.email_message_id for m in rows
            ]
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)


def _token(base: str, username: str = "medewerker.zwolle") -> str:
    answer = requests.post(
        f"{base}/api/v1/security/login",
        json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def _decide(base: str, token: str, case_id: int, timeout: float = 30) -> requests.Response:
    return requests.post(
        f"{base}/api/v1/case/{case_id}/decide",
        json={"besluit": "GRANTED", "toelichting": "Inkomen en vermogen zijn gecontroleerd."},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )


def _decide_quietly(base: str, token: str, case_id: int) -> None:
    """A decision whose server is killed under it: the answer (if any) does not matter."""
    with contextlib.suppress(requests.RequestException):
        _decide(base, token, case_id, 30)


def _beschikkingen(case_id: int) -> int:
    return _db.session.scalar(
        select(func.count(Message.id)).where(
            Message.case_id == case_id, Message.event == TemplateEvent.DECISION_GRANTED
        )
    )


def _decision_lines(case_id: int) -> int:
    return _db.session.scalar(
        select(func.count(CaseEvent.id)).where(
            CaseEvent.case_id == case_id, CaseEvent.description.like("Besluit:%")
        )
    )


def _whole_or_absent(case_id: int) -> bool:
    """Decided with one beschikking and one history line, or untouched; True when decided."""
    _db.session.expire_all()
    case = _db.session.get(Case, case_id)
    if case.status == CaseStatus.DECIDED:
        assert case.decided_on is not None
        assert (_beschikkingen(case_id), _decision_lines(case_id)) == (1, 1)
        return True
    assert case.status == CaseStatus.DATA_RECEIVED and case.decided_on is None
    assert (_beschikkingen(case_id), _decision_lines(case_id)) == (0, 0)
    return False


def _kill_worker_and_wait(server: subprocess.Popen, base: str) -> None:
    (worker,) = _workers(server.pid)
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _workers(server.pid) == [worker]:
        time.sleep(0.05)
    assert wait_for_health(base, 60)


def test_an_instance_killed_at_any_moment_of_a_decision_leaves_one_beschikking_or_none(
    fault_app, tmp_path
):
    app = fault_app
    with app.app_context():
        cases = [new_case(status=CaseStatus.DATA_RECEIVED).id for _ in range(7)]
    with _gunicorn(app, tmp_path) as (server, base):
        token = _token(base)
        started = time.monotonic()
        assert _decide(base, token, cases[0]).status_code == 200
        took = time.monotonic() - started
        with app.app_context():
            assert _whole_or_absent(cases[0])
        # Kill the worker at moments spread over the length of a decision.
        outcomes = []
        for n, case_id in enumerate(cases[1:]):
            thread = threading.Thread(target=_decide_quietly, args=(base, token, case_id))
            thread.start()
            # From before the request arrives to well after its commit.
            time.sleep(1.5 * took * n / (len(cases) - 2))
            _kill_worker_and_wait(server, base)
            thread.join(30)
            with app.app_context():
                outcomes.append(_whole_or_absent(case_id))
        # The ones that were not decided can be decided again, once.
        for case_id, decided in zip(cases[1:], outcomes, strict=True):
            if not decided:
                assert _decide(base, token, case_id).status_code == 200
        with app.app_context():
            assert all(_whole_or_absent(case_id) for case_id in cases)
    assert False in outcomes and True in outcomes  # kills before and after the commit


def _case_row_locks() -> int:
    with _db.engine.connect() as probe:
        return probe.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'case' AND l.mode = 'RowExclusiveLock' AND l.granted"
            )
        )


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL: a lock holds the decision mid-way")
def test_an_instance_killed_in_the_middle_of_a_decision_writes_nothing(fault_app, tmp_path):
    app = fault_app
    with app.app_context():
        case_id = new_case(status=CaseStatus.DATA_RECEIVED).id
    with _gunicorn(app, tmp_path) as (server, base):
        token = _token(base)
        with app.app_context():
            blocker = _db.engine.connect()
            # Whoever writes a message now waits: the decision stops after its first writes.
            blocker.execute(text("LOCK TABLE message IN SHARE ROW EXCLUSIVE MODE"))
            thread = threading.Thread(target=_decide_quietly, args=(base, token, case_id))
            thread.start()
            waiting = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not waiting:
                with _db.engine.connect() as probe:
                    waiting = probe.scalar(
                        text(
                            "SELECT count(*) FROM pg_locks WHERE NOT granted "
                            "AND relation = 'message'::regclass"
                        )
                    )
                time.sleep(0.05)
            assert waiting, "the decision never reached the beschikking"
            assert _case_row_locks()  # the case is already changed, inside its transaction
            _kill_worker_and_wait(server, base)
            blocker.rollback()
            blocker.close()
            thread.join(30)
            # The dead worker's database session ends at its next read of the socket.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _case_row_locks():
                time.sleep(0.1)
            assert not _whole_or_absent(case_id)
        assert _decide(base, token, case_id).status_code == 200
        with app.app_context():
            assert _whole_or_absent(case_id)
