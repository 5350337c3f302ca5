"""Several web workers: gunicorn serves, one worker runs the jobs, any worker sees progress."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from app import create_app
from app.services.imports import progress
from tests.conftest import build_app, make_config, migrate_app, own_database
from tests.helpers import free_port, http_get, wait_for_health

ROOT = Path(__file__).resolve().parent.parent
# The spread test: caseworkers at work at once, each with a connection of its own, and the
# pages each asks.
CASEWORKERS, PAGES = 40, 8


def test_import_progress_is_seen_by_another_instance(app, tmp_path):
    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite is one machine: its progress is a file beside it. On PostgreSQL the other
        # instance has a disk of its own and reads the progress from the database.
        other.config["UPLOAD_DIR"] = app.config["UPLOAD_DIR"]
    with app.app_context():
        progress.update(424242, "import", 3000, 10000)
    with other.app_context():
        assert progress.get(424242) == {"fase": "import", "verwerkt": 3000, "totaal": 10000}
        progress.clear(424242)
    with app.app_context():
        assert progress.get(424242) is None


def test_gunicorn_serves_with_two_workers_and_one_of_them_runs_the_jobs(tmp_path):
    url = own_database("gunicorn", tmp_path)
    build_app(url, tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PORT": str(port),
        "WEB_WORKERS": "2",
        "SCHEDULER_IN_WEB": "1",
        "SCHEDULER_LEASE_SECONDS": "3",
        "SCHEDULER_HEARTBEAT_SECONDS": "1",
        "SCHEDULER_OUTBOX_SECONDS": "3600",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "run:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + 60
        health: dict = {}
        while time.monotonic() < deadline:
            status, body = http_get(f"http://127.0.0.1:{port}/health")
            if status == 200:
                health = json.loads(body)
                if health.get("planner") == "actief":
                    with engine.connect() as conn:
                        runs = conn.execute(
                            text("SELECT count(*) FROM job_run WHERE job = 'heartbeat'")
                        ).scalar()
                    if runs >= 3:
                        break
            time.sleep(0.5)
        assert health.get("planner") == "actief", health
        status, body = http_get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and b"Inloggen" in body
        with engine.connect() as conn:
            holders = conn.execute(text("SELECT DISTINCT holder FROM job_run")).scalars().all()
        assert len(holders) == 1, holders
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
        log.close()
    output = (tmp_path / "gunicorn.log").read_text()
    assert "Booting worker" in output
    assert output.count("Booting worker") >= 2, output
    # Each worker has a socket of its own (reuse_port); the log still says where.
    assert f"Listening at: http://127.0.0.1:{port} (a socket per worker)" in output, output
    assert "Traceback" not in output, output


def test_kept_alive_connections_are_spread_over_the_workers(tmp_path):
    """Each worker gets its share of the connections (a browser keeps its one open)."""
    url = own_database("spread", tmp_path)
    build_app(url, tmp_path)
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "PORT": str(port),
           "UPLOAD_DIR": str(tmp_path / "uploads"), "WEB_WORKERS": "2"}  # fmt: skip
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "run:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert wait_for_health(f"http://127.0.0.1:{port}", 60)
        # Wait until both workers are up, so neither is favoured by booting first.
        deadline = time.monotonic() + 30
        while (tmp_path / "gunicorn.log").read_text().count("Booting worker") < 2:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1)

        # Caseworkers at work: each keeps one connection and asks page after page.
        def caseworker() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _page in range(PAGES):
                connection.request("GET", "/login/")
                answer = connection.getresponse()
                answer.read()
                assert answer.status == 200
            connection.close()

        with ThreadPoolExecutor(CASEWORKERS) as pool:
            list(pool.map(lambda _n: caseworker(), range(CASEWORKERS)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    served = Counter(
        re.findall(r'<(\d+)> \S+ "GET /login/"', (tmp_path / "gunicorn.log").read_text())
    )
    assert sum(served.values()) == CASEWORKERS * PAGES, served
    # The kernel gives each connection to a worker at random: each worker then serves at least
    # a fifth of the pages but for about one run in ten thousand. With one shared socket the
    # first worker took nine in ten (288 of 320 pages, three runs out of three).
    assert len(served) == 2 and min(served.values()) >= CASEWORKERS * PAGES // 5, served


def test_a_worker_leaves_its_start_up_objects_out_of_garbage_collection(app, tmp_path):
    """After a worker's start, a full collection walks none of the application's objects."""
    # In a process of its own: freezing would otherwise change the test run's collector.
    probe = (
        "import gc, runpy, sys, types\n"
        "from app import create_app\n"
        "application = create_app()\n"
        "gc.collect()\n"
        "before = len(gc.get_objects())\n"
        "settings = runpy.run_path('gunicorn.conf.py')\n"
        "settings['post_worker_init'](types.SimpleNamespace(wsgi=application))\n"
        "print(before, len(gc.get_objects()), gc.get_freeze_count(), sys.getswitchinterval())\n"
    )
    env = {**os.environ, "APP_ENV": "development", "UPLOAD_DIR": str(tmp_path / "uploads"),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    before, tracked, frozen, interval = result.stdout.split()[-4:]
    # The application leaves some 300,000 objects; a full collection walked them all (110-170
    # ms with every thread of the worker stopped, every hundred requests or so).
    assert int(before) > 100_000
    assert int(frozen) >= int(before) * 0.99 and int(tracked) < 1_000
    assert float(interval) == 0.001


def test_workers_starting_together_on_a_new_database_write_the_permissions_once(tmp_path):
    """Three processes start at once after `flask db upgrade`: no error, every permission."""
    url = own_database("startup", tmp_path)
    migrate_app(create_app(make_config(url, tmp_path)))
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url,
           "UPLOAD_DIR": str(tmp_path / "uploads")}  # fmt: skip
    start = "from app import create_app; create_app()"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", start],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    logs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0], logs
    # Without the start-up lock each row one process added was an error in another's log
    # ("Add Permission: IntegrityError ... UNIQUE constraint failed: ab_permission.name").
    assert not [line for log in logs for line in log.splitlines() if "Error" in line], logs

    def counts() -> tuple[int, ...]:
        engine = create_engine(url)
        with engine.connect() as connection:
            found = tuple(
                connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in (
                    "ab_permission",
                    "ab_view_menu",
                    "ab_permission_view",
                    "ab_permission_view_role",
                    "ab_role",
                )
            )
        engine.dispose()
        return found

    written = counts()
    create_app(make_config(url, tmp_path))  # one more start alone adds nothing: none was missing
    assert counts() == written and written[2] > 100, written
