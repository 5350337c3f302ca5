"""Benchmark: preview and confirm a reassessment file of N rows (default 100,000).

Run: .venv/bin/python bench/import_bench.py [N] [csv|xlsx]
Prints time per phase and the process's peak resident memory (ru_maxrss).
Uses a temporary SQLite database unless BENCH_DATABASE_URL is set.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import g
from flask_migrate import upgrade
from openpyxl import Workbook

from app import create_app
from app.extensions import db
from app.models import ImportKind, ImportRecord, Municipality, Organisation, User
from app.services.demo import make_bsn
from app.services.imports import engine
from config import TestConfig

HEADER = ["bsn", "voorletters", "achternaam", "geboortedatum", "straat", "huisnummer",
          "postcode", "woonplaats", "email", "contractnummer", "partner_bsn",
          "partner_achternaam", "aantal_kinderen"]  # fmt: skip


def rows(n: int):
    rng = random.Random(1)
    taken: set[str] = set()
    for i in range(n):
        partner = make_bsn(rng, taken) if i % 3 == 0 else ""
        yield [make_bsn(rng, taken), "A.", f"Achternaam{i}", "01-02-1960", "Kerkstraat",
               str(i % 200 + 1), "8011 AB", "Zwolle", f"inwoner{i}@example.nl", f"K{i:07d}",
               partner, "Partner" if partner else "", str(i % 4)]  # fmt: skip


def write_file(folder: Path, n: int, kind: str) -> Path:
    if kind == "xlsx":
        path = folder / "bench.xlsx"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for r in rows(n):
            sheet.append(r)
        workbook.save(path)
        return path
    path = folder / "bench.csv"
    with open(path, "w", encoding="cp1252", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows(n))
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int, kind: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.db"
        )
        config.UPLOAD_DIR = str(folder / "uploads")
        with create_app(config).app_context():
            upgrade()
        app = create_app(config)
        start = time.perf_counter()
        source = write_file(folder, n, kind)
        print(
            f"file: {n} rows {kind}, {source.stat().st_size / 1e6:.1f} MB, "
            f"written in {time.perf_counter() - start:.1f} s; peak RSS so far {peak_mb():.0f} MB"
        )
        with app.app_context():
            org = Organisation(name="Bench")
            db.session.add(org)
            db.session.add(Municipality(organisation=org, cbs_code="9999", name="Bench"))
            db.session.commit()
            sm = app.appbuilder.sm
            admin = sm.add_user("bench", "B", "B", "b@example.nl", sm.find_role("Admin"),
                                password="Bench-2026!")  # fmt: skip
            admin_id = admin.id
        with app.test_request_context():
            admin = db.session.get(User, admin_id)
            g.user = admin
            with open(source, "rb") as f:
                record = engine.start(ImportKind.REASSESSMENT, "9999", f, source.name, admin)
            start = time.perf_counter()
            record, _summary = engine.run_preview(record.id)
            print(
                f"preview: {time.perf_counter() - start:.1f} s, new={record.new} "
                f"refused={record.refused}; peak RSS {peak_mb():.0f} MB"
            )
            engine.begin_confirm(record)
            start = time.perf_counter()
            record, _summary = engine.run_confirm(record.id, admin.id)
            print(
                f"confirm: {time.perf_counter() - start:.1f} s, status={record.status.name} "
                f"new={record.new}; peak RSS {peak_mb():.0f} MB"
            )
            record_id = record.id
            with open(source, "rb") as f:
                again = engine.start(ImportKind.REASSESSMENT, "9999", f, source.name, admin)
            start = time.perf_counter()
            again, _ = engine.run_preview(again.id)
            print(
                f"re-import preview: {time.perf_counter() - start:.1f} s, "
                f"unchanged={again.unchanged}; peak RSS {peak_mb():.0f} MB"
            )
            assert db.session.get(ImportRecord, record_id).new == n


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
        sys.argv[2] if len(sys.argv) > 2 else "csv",
    )
