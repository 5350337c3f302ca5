"""Faults that kill for real: whatever dies, nothing is lost or stored half."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import db as _db
from app.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Document,
    ImportKind,
    ImportRecord,
    ImportStatus,
    Message,
    MessageStatus,
    Municipality,
    StoredFile,
    TemplateEvent,
    User,
)
from app.services.imports import engine, progress
from app.services.inbound.signing import sign
from app.services.messaging import outbox
from tests.conftest import api_token, build_app, make_config, own_database
from tests.factories import new_case
from tests.helpers import (
    INTAKE_SECRET,
    free_port,
    payload,
    reassessment_csv,
    run_job,
    set_outbox_aside,
    wait_for_health,
)
from tests.pgserver import own_postgres, postgres_ids
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
    env = _env(app, **{"PORT": str(port), "WEB_WORKERS": "1", **extra})
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
        except BaseException:
            # A failing test shows what the server said (pytest prints captured stderr).
            sys.stderr.write(f"--- {log_path.name}, its end ---\n{log_path.read_text()[-4000:]}\n")
            raise
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
            set_outbox_aside()
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
            set_outbox_aside()
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


@contextlib.contextmanager
def _small_disk(megabytes: float) -> Iterator[Path]:
    """A real file system of `megabytes` (tmpfs), mounted for the test and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="gp-small-disk-"))
    size = int(megabytes * 1024 * 1024)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def _pdf(size: int) -> bytes:
    """A PDF of about `size` bytes that does not compress (random padding)."""
    return b"%PDF-1.4\n%" + os.urandom(size) + b"\n%%EOF\n"


def _upload(client, token: str, case_id: int, data: bytes):
    return client.post(
        f"/api/v1/case/{case_id}/documents",
        data={"bestanden": (io.BytesIO(data), "loonstrook.pdf")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


def _stored_rows() -> tuple[int, int]:
    return (
        _db.session.scalar(select(func.count(Document.id))),
        _db.session.scalar(select(func.count(StoredFile.id))),
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_full_disk_while_storing_a_document_answers_in_dutch_and_stores_nothing(
    fault_app, tmp_path
):
    with fault_app.app_context():
        case_id = new_case(status=CaseStatus.INFO_REQUESTED).id
    if POSTGRES:
        app = fault_app
        with _small_disk(2) as disk, app.app_context():
            os.chown(disk, *postgres_ids())
            with _db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"CREATE TABLESPACE small_disk LOCATION '{disk}'"))
                # The documents' table (and its TOAST) now lives on the small disk.
                conn.execute(text("ALTER TABLE stored_file SET TABLESPACE small_disk"))
            try:
                _full_disk_refuses_then_works(app, case_id, lambda: _grow(disk, 8))
            finally:
                _db.session.remove()
                with _db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("ALTER TABLE stored_file SET TABLESPACE pg_default"))
                    conn.execute(text("DROP TABLESPACE small_disk"))
        return
    source = Path(make_url(fault_app.config["SQLALCHEMY_DATABASE_URI"]).database)
    with fault_app.app_context():
        with _db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        _db.engine.dispose()
    used = source.stat().st_size
    # The database and one more megabyte: room for logins, not for a 3 MB document.
    with _small_disk(used / 1024 / 1024 + 1) as disk:
        shutil.copy(source, disk / "full.db")
        app = create_app(make_config(f"sqlite:///{disk / 'full.db'}", tmp_path))
        with app.app_context():
            try:
                _full_disk_refuses_then_works(app, case_id)
                with _db.engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            finally:
                _db.session.remove()
                _db.engine.dispose()


def _grow(disk: Path, megabytes: int) -> None:
    """The beheerder makes room: the file system grows (PostgreSQL keeps a failed write's pages)."""
    subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(disk)], check=True)


def _full_disk_refuses_then_works(app: Flask, case_id: int, make_room=lambda: None) -> None:
    client = app.test_client()
    token = api_token(client, "medewerker.zwolle")
    before = _stored_rows()
    events = _db.session.scalar(
        select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id)
    )
    answer = _upload(client, token, case_id, _pdf(3 * 1024 * 1024))
    assert answer.status_code == 503, answer.get_data(as_text=True)[:500]
    assert answer.get_json()["fouten"][0]["melding"].startswith("De opslag van de server is vol")
    assert answer.headers["Retry-After"] == "60"
    _db.session.rollback()
    assert _stored_rows() == before  # nothing half-stored: no document, no file
    assert events == _db.session.scalar(
        select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id)
    )
    # What fits is stored as ever.
    make_room()
    small = _pdf(20 * 1024)
    answer = _upload(client, token, case_id, small)
    assert answer.status_code == 201, answer.get_data(as_text=True)[:500]
    _db.session.rollback()
    assert _stored_rows() == (before[0] + 1, before[1] + 1)


class _Load:
    """Caseworkers reading the case list and an intake posting applications, with retries."""

    def __init__(self, bases: list[str], tokens: list[str]) -> None:
        self.bases, self.tokens = bases, tokens
        self.answers: list[tuple[float, str, int, str]] = []  # (moment, kind, status, body)
        self.stored: dict[str, dict] = {}
        self.stop = threading.Event()
        self.broken: list[str] = []

    def _note(self, kind: str, answer: requests.Response) -> None:
        body = answer.text if answer.status_code >= 400 else ""
        self.answers.append((time.monotonic(), kind, answer.status_code, body))

    def read(self, n: int) -> None:
        while not self.stop.is_set():
            try:
                answer = requests.get(
                    f"{self.bases[n % 2]}/api/v1/case/",
                    params={"q": "(page:0,page_size:25)"},
                    headers={"Authorization": f"Bearer {self.tokens[n % 2]}"},
                    timeout=30,
                )
                self._note("lijst", answer)
            except requests.RequestException as exc:
                self.broken.append(f"lijst: {type(exc).__name__}")
            n += 1

    def screen(self, session: requests.Session, base: str) -> None:
        while not self.stop.is_set():
            try:
                self._note("scherm", session.get(f"{base}/zaken/list/", timeout=30))
            except requests.RequestException as exc:
                self.broken.append(f"scherm: {type(exc).__name__}")

    def write(self, n: int) -> None:
        while not self.stop.is_set():
            body = payload("0534")
            raw = json.dumps(body).encode()
            while True:  # the intake retries until the application is stored
                headers = {
                    "Content-Type": "application/json",
                    "X-Signature": sign(INTAKE_SECRET, raw),
                }
                try:
                    answer = requests.post(
                        f"{self.bases[n % 2]}/api/v1/intake/aanvraag",
                        data=raw, headers=headers, timeout=30,
                    )  # fmt: skip
                    self._note("aanvraag", answer)
                    if answer.status_code in (200, 201):
                        self.stored[body["aanvraagnummer"]] = body
                        break
                except requests.RequestException as exc:
                    self.broken.append(f"aanvraag: {type(exc).__name__}")
                n += 1
                time.sleep(0.2)


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL is restarted")
def test_postgresql_restarted_under_load_the_instances_recover_and_nothing_is_half_written(
    tmp_path,
):
    with own_postgres() as (url, pg_ctl):
        app = build_app(url, tmp_path)
        with (
            _gunicorn(app, tmp_path, WEB_WORKERS="2", INTAKE_HMAC_SECRET=INTAKE_SECRET) as (
                first, one),
            _gunicorn(app, tmp_path, WEB_WORKERS="2", INTAKE_HMAC_SECRET=INTAKE_SECRET) as (
                second, two),
        ):  # fmt: skip
            workers = _workers(first.pid) + _workers(second.pid)
            load = _Load([one, two], [_token(one), _token(two)])
            threads = [threading.Thread(target=load.read, args=(n,)) for n in range(3)]
            threads += [threading.Thread(target=load.write, args=(n,)) for n in range(2)]
            threads.append(threading.Thread(target=load.screen, args=(_login(two), two)))
            for thread in threads:
                thread.start()
            try:
                time.sleep(4)
                down = time.monotonic()
                pg_ctl("stop")
                time.sleep(3)
                pg_ctl("start")
                up = time.monotonic()
                time.sleep(8)
            finally:
                load.stop.set()
                for thread in threads:
                    thread.join(60)
            # The same processes served before, during and after: no instance restarted.
            assert _workers(first.pid) + _workers(second.pid) == workers
        statuses = Counter(status for _, _, status, _ in load.answers)
        assert load.broken == [] and set(statuses) <= {200, 201, 503}, (statuses, load.broken)
        outage = [a for a in load.answers if a[2] == 503]
        assert outage, "no request met the restart"
        assert {
            body for *_, body in outage if "De database is even niet bereikbaar" not in body
        } == set()
        assert {kind for _, kind, *_ in outage} == {"lijst", "aanvraag", "scherm"}
        # Recovered: every request that began a second after the start was served.
        assert [a for a in load.answers if a[2] == 503 and a[0] > up + 1] == []
        assert any(a[0] > up + 1 and a[2] in (200, 201) for a in load.answers)
        assert sum(1 for a in load.answers if a[0] < down and a[2] in (200, 201)) > 10
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()  # its connections died with the server
            numbers = list(load.stored)
            cases = _db.session.scalars(
                select(Case).where(Case.application_number.in_(numbers))
            ).all()
            # Every application stored exactly once, and whole: applicant, partner, child.
            assert sorted(c.application_number for c in cases) == sorted(numbers)
            for case in cases:
                body = load.stored[case.application_number]
                assert case.applicant.bsn == body["aanvrager"]["bsn"]
                assert case.partner.bsn == body["partner"]["bsn"]
                assert [child.bsn for child in case.children] == [body["kinderen"][0]["bsn"]]
