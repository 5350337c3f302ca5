"""Faults that kill for real: whatever dies, nothing is lost or stored half."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD
from app.extensions import db as _db
from app.models import Case, ImportKind, ImportRecord, ImportStatus, Municipality, User
from app.services.imports import engine, progress
from tests.conftest import build_app, own_database
from tests.helpers import free_port, reassessment_csv, wait_for_health

ROOT = Path(__file__).resolve().parent.parent
ROWS = 20_000


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
    tmp_path,
):
    app = build_app(own_database("faults", tmp_path), tmp_path)
    with app.app_context():
        before = _cases_of_zwolle()
        user = _db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
        record = engine.start(
            ImportKind.REASSESSMENT, "0193", io.BytesIO(reassessment_csv(ROWS)), "groot.csv", user
        )
        record, summary = engine.run_preview(record.id)
        assert record.status == ImportStatus.PREVIEWED and summary.new == ROWS
        import_id = record.id
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],  # SQLite's progress file: the same machine
        "PORT": str(port),
        "WEB_WORKERS": "1",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "run:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for_health(base, 60), (tmp_path / "server.log").read_text()[-2000:]
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
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
