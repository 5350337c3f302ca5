"""Benchmark: stream N cases as CSV and XLSX; prints rows, seconds and peak Python memory.

Run: .venv/bin/python bench/export_bench.py [N] [--append=bench/RESULTS.md]
(default 20000; uses a temporary SQLite, or BENCH_DATABASE_URL; with BENCH_REUSE=1 it exports
the cases already there instead of making N). Beside the floor: one SQL scan + csv module.
Each time is the best of RUNS runs: on a shared two-core machine a single run of a
second or two varies by a third, and noise only ever adds time.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import arguments, bench_admin, free_port, make_app, reusing
from flask import g
from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import Case, Municipality, Organisation, Resident, User
from app.services.imports import export

RUNS = 3


def main(n: int, append: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        if not reusing():
            _make_cases(app, n)
        admin_id = bench_admin(app)
        with app.app_context():
            n = db.session.scalar(select(func.count(Case.id)))
            admin = db.session.get(User, admin_id)
            floor_s = min(floor(app) for _ in range(RUNS))
            print(f"floor (raw SQL scan + csv module): {floor_s:.2f} s")
            lines = [
                f"\n## Export van alle zaken: {n:,} rijen\n".replace(",", "."),
                f"Beste van {RUNS} keer, in het proces.\n",
                "| formaat | seconden | × vloer | piek Python-geheugen (MB) | doel | gehaald |",
                "|---|---:|---:|---:|---|---|",
            ]
            for fmt in ("csv", "xlsx"):
                # Time without tracemalloc (it slows Python down), then measure the peak.
                timed = [run_export(app, admin, fmt, trace=False) for _ in range(RUNS)]
                seconds, size = min(t[0] for t in timed), timed[0][1]
                _, _, peak = run_export(app, admin, fmt, trace=True)
                print(
                    f"{fmt}: {n} rows, {size / 1e6:.1f} MB, {seconds:.2f} s, "
                    f"peak Python memory {peak / 1e6:.1f} MB"
                )
                met = "ja" if seconds <= 4 * floor_s else "**nee**"
                lines.append(
                    f"| {fmt} | {seconds:.2f} | {seconds / floor_s:.1f} | {peak / 1e6:.0f} | "
                    f"≤ 4 × vloer | {met} |"
                )
            lines.append(f"| vloer: SQL-scan + csv-module | {floor_s:.2f} | 1.0 | | | |")
            lines.append(
                f"\nPiekgeheugen (RSS) van dit meetproces (met het aanmaken van de "
                f"gegevens): {peak_rss_mb():.0f} MB."
            )
        server = served_export_rss(app.config["SQLALCHEMY_DATABASE_URI"], tmp)
        lines += [
            "",
            "Door de server (gunicorn, 1 worker, via HTTP met een API-token): "
            "piekgeheugen (VmHWM) van de worker na het downloaden.",
            "",
            "| formaat | seconden | MB ontvangen | piek-RSS worker (MB) | doel | gehaald |",
            "|---|---:|---:|---:|---|---|",
        ]
        for fmt, (seconds, size, rss) in server.items():
            met = "ja" if rss <= 400 else "**nee**"
            lines.append(
                f"| {fmt} | {seconds:.2f} | {size / 1e6:.1f} | {rss:.0f} | ≤ 400 MB | {met} |"
            )
        print("\n".join(lines))
        if append:
            with open(append, "a") as out:
                out.write("\n".join(lines) + "\n")


def _make_cases(app, n: int) -> None:
    """N cases, each with its own applicant, in a municipality of their own."""
    with app.app_context():
        org = Organisation(name="Bench")
        m = Municipality(organisation=org, cbs_code="9999", name="Bench")
        db.session.add_all([org, m])
        db.session.commit()
        now = dt.datetime.now(dt.UTC)
        db.session.execute(
            insert(Resident),
            [
                {
                    "municipality_id": m.id,
                    "bsn": f"{i:09d}",
                    "surname": f"Naam{i}",
                    "initials": "A.",
                    "created_on": now,
                    "changed_on": now,
                }
                for i in range(n)
            ],
        )
        ids = db.session.scalars(select(Resident.id).order_by(Resident.id)).all()
        db.session.execute(
            insert(Case),
            [
                {
                    "municipality_id": m.id,
                    "kind": "REASSESSMENT",
                    "status": "NEW",
                    "applicant_id": rid,
                    "children_count": 1,
                    "contact_preference": "EMAIL",
                    "contract_number": f"C{rid}",
                    "created_on": now,
                    "changed_on": now,
                }
                for rid in ids
            ],
        )
        db.session.commit()


def _worker_hwm_mb(master: int) -> float:
    """Peak resident memory (VmHWM) of the gunicorn worker(s) under `master`."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peak = 0.0
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def _request(port: int, method: str, path: str, body: str | None = None,
             headers: dict | None = None) -> http.client.HTTPResponse:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request(method, path, body, headers or {})
    return connection.getresponse()


def served_export_rss(url: str, tmp: str) -> dict[str, tuple[float, int, float]]:
    """Export through a real gunicorn worker over HTTP; per format seconds, bytes, peak RSS."""
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "UPLOAD_DIR": tmp,
           "PORT": str(port), "WEB_WORKERS": "1", "SCHEDULER_IN_WEB": "0"}  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py",
         "run:app"], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                _request(port, "GET", "/health")
                break
            except OSError:
                time.sleep(0.5)
        body = {"username": "bench", "password": "Bench-2026!", "provider": "db"}
        answer = _request(port, "POST", "/api/v1/security/login", json.dumps(body),
                          {"Content-Type": "application/json"})  # fmt: skip
        bearer = json.loads(answer.read())["access_token"]
        results = {}
        for fmt in ("csv", "xlsx"):
            start = time.perf_counter()
            answer = _request(port, "GET", f"/api/v1/case/export?format={fmt}", None,
                              {"Authorization": f"Bearer {bearer}"})  # fmt: skip
            assert answer.status == 200, answer.status
            size = 0
            while chunk := answer.read(1 << 16):
                size += len(chunk)
            results[fmt] = (time.perf_counter() - start, size, _worker_hwm_mb(server.pid))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor(app) -> float:
    """The same columns read with one SQL scan and written with the csv module."""
    with app.app_context():
        start = time.perf_counter()
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        for row in db.session.execute(
            text(
                "SELECT c.id, c.kind, c.status, c.advice, c.decision, m.cbs_code, m.name, "
                "c.application_number, c.contract_number, a.bsn, a.initials, a.prefix, "
                "a.surname, a.birth_date, p.bsn, p.initials, p.prefix, p.surname, "
                "c.children_count, c.contact_preference, c.created_on, c.changed_on "
                'FROM "case" c JOIN municipality m ON m.id = c.municipality_id '
                "JOIN resident a ON a.id = c.applicant_id "
                "LEFT JOIN resident p ON p.id = c.partner_id ORDER BY c.id"
            ),
            execution_options={"yield_per": 500},
        ):
            writer.writerow(row)
        return time.perf_counter() - start


def run_export(app, admin, fmt: str, trace: bool) -> tuple[float, int, int]:
    """Stream one export to nowhere; answer seconds, bytes and peak traced memory."""
    with app.test_request_context():
        g.user = admin  # the platform Admin sees every municipality
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        stream, _mime, _name = export.export_cases(
            db.session.query(Case).order_by(Case.id), fmt, "-", channel="bench"
        )
        size = sum(len(chunk) for chunk in stream)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
    return seconds, size, peak


if __name__ == "__main__":
    args, target = arguments()
    main(int(args[0]) if args else 20000, target)
