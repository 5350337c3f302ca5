"""Exactly one active scheduler: the lease, guarded jobs, and two real `flask scheduler`s."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select, text

from app.extensions import db as _db
from app.jobs import lease
from app.jobs.scheduler import _guarded
from app.models import JobRun, SchedulerLease
from app.models.types import utcnow
from tests.conftest import build_app, own_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def clean_lease(app):
    with app.app_context():
        _db.session.execute(delete(SchedulerLease))
        _db.session.commit()
    yield
    with app.app_context():
        _db.session.execute(delete(SchedulerLease))
        _db.session.execute(delete(JobRun).where(JobRun.job.like("test-%")))
        _db.session.commit()


def test_only_one_holder_gets_the_lease_until_it_expires_or_is_released(app, clean_lease):
    now = utcnow()
    with app.app_context():
        assert lease.acquire("a", 30, now)
        assert not lease.acquire("b", 30, now)
        assert lease.acquire("a", 30, now + dt.timedelta(seconds=20))  # renewed
        assert not lease.acquire("b", 30, now + dt.timedelta(seconds=40))
        assert lease.holds("a", now + dt.timedelta(seconds=40))
        # a died: its renewed lease runs out at +50 s, then b takes over
        assert lease.acquire("b", 30, now + dt.timedelta(seconds=51))
        assert not lease.holds("a", now + dt.timedelta(seconds=51))
        lease.release("b")
        assert lease.acquire("a", 30)  # a clean stop hands over at once


def test_a_job_runs_only_in_the_holder_and_records_its_run(app, clean_lease):
    calls = []

    def job(now=None):
        calls.append(now)
        return {"verzonden": 2, "detail": "not counted"}

    def broken(now=None):
        raise ValueError("BSN 123456782 in a message must never be recorded")

    with app.app_context():
        assert lease.acquire("holder", 30)
    _guarded(app, "test-job", job, "other")()
    assert calls == []
    _guarded(app, "test-job", job, "holder")()
    _guarded(app, "test-broken", broken, "holder")()
    assert len(calls) == 1
    with app.app_context():
        runs = _db.session.scalars(
            select(JobRun).where(JobRun.job.like("test-%")).order_by(JobRun.id)
        ).all()
        assert [(r.job, r.holder, r.result, r.detail) for r in runs] == [
            ("test-job", "holder", "ok", "verzonden=2"),
            ("test-broken", "holder", "fout", "ValueError"),
        ]
        assert all(r.finished_at >= r.started_at for r in runs)


def test_health_tells_whether_a_scheduler_is_active(app, client, clean_lease):
    assert client.get("/health").get_json()["planner"] == "niet actief"
    with app.app_context():
        lease.acquire("holder", 30)
    assert client.get("/health").get_json()["planner"] == "actief"


def _start(url: str, tmp_dir: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "run",
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(tmp_dir / "uploads"),
        "SCHEDULER_LEASE_SECONDS": "3",
        "SCHEDULER_HEARTBEAT_SECONDS": "1",
        "SCHEDULER_OUTBOX_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
    }
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "scheduler"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _heartbeats(engine) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT holder, started_at, finished_at FROM job_run"
                " WHERE job = 'heartbeat' ORDER BY started_at"
            )
        ).all()


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"waited {seconds} s for {what}")


def _pid(holder: str) -> int:
    return int(holder.split(":")[1])


def test_two_schedulers_run_each_job_once_and_the_second_takes_over(tmp_path):
    url = own_database("scheduler", tmp_path)
    build_app(url, tmp_path)  # migrated, with the demo
    engine = create_engine(url)
    first = _start(url, tmp_path, tmp_path / "first.log")
    second = _start(url, tmp_path, tmp_path / "second.log")
    processes = {first.pid: first, second.pid: second}
    try:
        _wait_for(lambda: len(_heartbeats(engine)) >= 4, 40, "four heartbeats")
        runs = _heartbeats(engine)
        holders = {holder for holder, _, _ in runs}
        assert len(holders) == 1, f"two schedulers ran jobs: {holders}"
        active = processes[_pid(holders.pop())]
        idle = second if active is first else first
        assert idle.poll() is None, "the idle scheduler must keep running, waiting"

        active.send_signal(signal.SIGTERM)  # a clean stop releases the lease
        assert active.wait(timeout=20) == 0
        stopped_at = len(_heartbeats(engine))
        _wait_for(lambda: len(_heartbeats(engine)) >= stopped_at + 3, 30, "the takeover")
        after = _heartbeats(engine)[stopped_at:]
        assert {_pid(holder) for holder, _, _ in after} == {idle.pid}
        # Never two at once: every run of the first ended before the second's began.
        last_of_first = max(f for h, _, f in _heartbeats(engine) if _pid(h) == active.pid)
        assert min(s for _, s, _ in after) >= last_of_first
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        engine.dispose()
    for name in ("first.log", "second.log"):
        log = (tmp_path / name).read_text()
        assert "Traceback" not in log, log
