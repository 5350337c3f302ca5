"""Benchmark: preview and confirm a reassessment file of N rows (default 100,000).

Run: .venv/bin/python bench/import_bench.py [N] [csv|xlsx] [--append=bench/RESULTS.md]
Prints time per phase and the process's peak resident memory (ru_maxrss).
Uses a temporary SQLite database unless BENCH_DATABASE_URL is set.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import arguments, bench_admin, free_cbs_code, make_app
from flask import g
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.demo import make_bsn
from app.extensions import db
from app.models import Case, ImportKind, ImportRecord, Municipality, Organisation, User
from app.services.imports import engine

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


def floor(app, source: Path, kind: str, n: int) -> float:
    """The same file parsed (csv module, or openpyxl's read-only mode for XLSX) and written
    with executemany into the same tables (residents, cases, timeline) in one
    transaction: what the database itself needs."""
    from sqlalchemy import insert, select

    from app.models import Case, CaseEvent, CaseKind, CaseStatus, ContactPreference, Resident

    with app.app_context():
        code = free_cbs_code()
        org = Organisation(name=f"Floor {code}")
        m = Municipality(organisation=org, cbs_code=code, name=f"Floor {code}")
        db.session.add_all([org, m])
        db.session.commit()
        start = time.perf_counter()
        now = dt.datetime.now(dt.UTC)
        if kind == "xlsx":
            workbook = load_workbook(source, read_only=True)
            values = workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
            rows = [["" if v is None else str(v) for v in r] for r in values]
            workbook.close()
        else:
            with open(source, encoding="cp1252", newline="") as f:
                reader = csv.reader(f, delimiter=";")
                next(reader)
                rows = list(reader)
        db.session.execute(
            insert(Resident),
            [{"municipality_id": m.id, "bsn": r[0], "initials": r[1], "surname": r[2],
              "birth_date": dt.date(1960, 2, 1), "street": r[4], "house_number": r[5],
              "postcode": r[6], "city": r[7], "email": r[8], "created_on": now,
              "changed_on": now} for r in rows],
        )  # fmt: skip
        ids = dict(db.session.execute(select(Resident.bsn, Resident.id).where(
            Resident.municipality_id == m.id)).all())  # fmt: skip
        db.session.execute(
            insert(Case),
            [{"municipality_id": m.id, "kind": CaseKind.REASSESSMENT, "status": CaseStatus.NEW,
              "applicant_id": ids[r[0]], "children_count": int(r[12]),
              "contact_preference": ContactPreference.EMAIL, "contract_number": r[9],
              "created_on": now, "changed_on": now} for r in rows],
        )  # fmt: skip
        case_ids = db.session.scalars(select(Case.id).where(Case.municipality_id == m.id)).all()
        db.session.execute(
            insert(CaseEvent),
            [{"case_id": c, "created_on": now, "action": "create", "description": "floor",
              "to_status": CaseStatus.NEW} for c in case_ids],
        )  # fmt: skip
        db.session.commit()
        assert len(case_ids) == n
        return time.perf_counter() - start


class WriterProbe:
    """Another writer during the confirm (SQLite): how long it waits for the write lock.

    Every 50 ms a connection of its own takes SQLite's write lock (BEGIN IMMEDIATE, as
    any page that writes an audit entry must) and lets go: the longest wait is what a
    caseworker's page waits while the import is confirmed.
    """

    def __init__(self, path: str | None) -> None:
        self.path, self.waits = path, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import sqlite3

        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        while not self.stop.is_set():
            start = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            self.waits.append(time.perf_counter() - start)
            connection.execute("ROLLBACK")
            time.sleep(0.05)
        connection.close()

    def __enter__(self) -> WriterProbe:
        if self.path:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.path:
            self.thread.join()

    def summary(self) -> str:
        if not self.waits:
            return "n.v.t. (PostgreSQL: geen schrijfslot voor de hele database)"
        ordered = sorted(self.waits)
        p95 = ordered[int(len(ordered) * 0.95)]
        return f"{len(ordered)} keer, p95 {p95:.2f} s, langst {ordered[-1]:.2f} s"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int, kind: str, append: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = make_app(str(folder))
        start = time.perf_counter()
        source = write_file(folder, n, kind)
        print(
            f"file: {n} rows {kind}, {source.stat().st_size / 1e6:.1f} MB, "
            f"written in {time.perf_counter() - start:.1f} s; peak RSS so far {peak_mb():.0f} MB"
        )
        with app.app_context():
            existing = db.session.scalar(select(func.count(Case.id)))
            dialect = db.engine.dialect.name
            code = free_cbs_code()  # a reused database may hold an earlier run's
            org = Organisation(name=f"Bench {code}")
            db.session.add(org)
            db.session.add(Municipality(organisation=org, cbs_code=code, name=f"Bench {code}"))
            db.session.commit()
        admin_id = bench_admin(app)
        with app.test_request_context():
            admin = db.session.get(User, admin_id)
            g.user = admin
            with open(source, "rb") as f:
                record = engine.start(ImportKind.REASSESSMENT, code, f, source.name, admin)
            start = time.perf_counter()
            record, _summary = engine.run_preview(record.id)
            preview_s = time.perf_counter() - start
            print(
                f"preview: {time.perf_counter() - start:.1f} s, new={record.new} "
                f"refused={record.refused}; peak RSS {peak_mb():.0f} MB"
            )
            engine.begin_confirm(record)
            sqlite_file = db.engine.url.database if dialect == "sqlite" else None
            start = time.perf_counter()
            with WriterProbe(sqlite_file) as probe:
                record, _summary = engine.run_confirm(record.id, admin.id)
            confirmed = time.perf_counter() - start
            print(f"another writer during the confirm waited: {probe.summary()}")
            print(
                f"confirm: {time.perf_counter() - start:.1f} s, status={record.status.name} "
                f"new={record.new}; peak RSS {peak_mb():.0f} MB"
            )
            record_id = record.id
            with open(source, "rb") as f:
                again = engine.start(ImportKind.REASSESSMENT, code, f, source.name, admin)
            start = time.perf_counter()
            again, _ = engine.run_preview(again.id)
            print(
                f"re-import preview: {time.perf_counter() - start:.1f} s, "
                f"unchanged={again.unchanged}; peak RSS {peak_mb():.0f} MB"
            )
            assert db.session.get(ImportRecord, record_id).new == n
        confirm_s = confirmed
        floor_s = floor(app, source, kind, n)
        print(f"floor (csv + executemany): {floor_s:.1f} s; confirm is {confirm_s / floor_s:.1f}x")
        # Issue 12 sets the target for CSV; XLSX is shown beside its own floor.
        target = "≤ 3 × vloer" if kind == "csv" else ""
        met = "" if kind != "csv" else ("ja" if confirm_s <= 3 * floor_s else "**nee**")
        if append:
            with open(append, "a") as out:
                out.write(
                    f"\n## Import heronderzoek: {n:_} rijen ({kind}), naast {existing:_} "
                    f"bestaande zaken ({dialect})\n\n".replace("_", ".")
                    + "| stap | seconden | × vloer | doel | gehaald |\n|---|---:|---:|---:|---|\n"
                    + f"| controle (preview) | {preview_s:.1f} | | | |\n"
                    + f"| bevestigen (klaarzetten, dan in één keer live) | {confirm_s:.1f} | "
                    f"{confirm_s / floor_s:.1f} | {target} | {met} |\n"
                    + f"| vloer: {'openpyxl' if kind == 'xlsx' else 'csv'} + executemany, "
                    f"zelfde tabellen | {floor_s:.1f} | 1.0 | | |\n"
                    + f"\nPiekgeheugen van het proces: {peak_mb():.0f} MB.\n"
                    + "Een andere schrijver (elke 50 ms het schrijfslot, zoals een pagina met "
                    f"een auditregel) wachtte tijdens het bevestigen: {probe.summary()}.\n"
                )


if __name__ == "__main__":
    args, target = arguments()
    main(
        int(args[0]) if args else 100_000,
        args[1] if len(args) > 1 else "csv",
        target,
    )
