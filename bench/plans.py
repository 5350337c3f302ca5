"""The query plans of every screen a caseworker uses all day, on PostgreSQL.

Run: BENCH_DATABASE_URL=... BENCH_REUSE=1 .venv/bin/python bench/plans.py [--out=bench/plans]
on a database filled by `bench/screens_bench.py` (BENCH_REUSE keeps it). Each screen is
requested once through the app; every SELECT it sent is run again under
EXPLAIN (ANALYZE, BUFFERS) and written to one file per screen, slowest first, with a
summary table (README.md in the folder). A plan that scans `case` from end to end
is marked: at a million cases no request may read the whole table.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import arguments, make_app
from screens_bench import _login
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Case, Municipality, Resident, User

SCREENS = {
    "rest-lijst": ("GET", "/api/v1/case/?q=(filters:!((col:status,opr:eq,value:INVITED)),"
                   "order_column:created_on,order_direction:desc,page:0,page_size:25)"),
    "html-lijst": ("GET", "/zaken/list/?_flt_0_status=INVITED&_oc_CaseModelView=created_on"
                   "&_od_CaseModelView=desc&psize_CaseModelView=25"),
    "zaakdetail": ("GET", "/zaken/show/{case_id}"),
    "dashboard": ("GET", "/"),
    "zoeken-op-bsn": ("POST", "/zaken/zoek-bsn"),
    "laatste-pagina": ("GET", "/api/v1/case/?q=(filters:!((col:status,opr:eq,value:INVITED)),"
                       "order_column:created_on,order_direction:desc,page:{last},page_size:25)"),
}  # fmt: skip
FULL_SCAN = re.compile(r'Seq Scan on "?case"?\b')


def main(out: Path) -> None:
    if not os.environ.get("BENCH_DATABASE_URL"):
        raise SystemExit("BENCH_DATABASE_URL (PostgreSQL) is needed: plans are PostgreSQL's.")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
            mine = select(Municipality.id).where(
                Municipality.organisation_id == user.organisation_id
            )
            case_id = db.session.scalar(
                select(Case.id).where(Case.municipality_id.in_(mine)).order_by(Case.id.desc())
            )
            invited = db.session.scalar(
                select(func.count(Case.id)).where(
                    Case.municipality_id.in_(mine), Case.status == "INVITED"
                )
            )
            bsn = db.session.scalar(
                select(Resident.bsn)
                .join(Case, Case.applicant_id == Resident.id)
                .where(Case.id == case_id)
            )
        client, bearer, token = _login(app)
        summary = [
            "| scherm | queries | traagste (ms) | volledige scan van `case` |",
            "|---|---:|---:|---|",
        ]
        for name, (method, path) in SCREENS.items():
            path = path.format(case_id=case_id, last=max(invited - 1, 0) // 25)
            with app.app_context():
                sent: list[tuple[str, object]] = []

                def record(conn, cursor, statement, params, context, many, sent=sent):
                    if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                        sent.append((statement, params))

                event.listen(db.engine, "before_cursor_execute", record)
                try:
                    if method == "POST":
                        response = client.post(path, data={"csrf_token": token, "bsn": bsn})
                    else:
                        response = client.get(path, headers=bearer if "/api/" in path else None)
                finally:
                    event.remove(db.engine, "before_cursor_execute", record)
                assert response.status_code == 200, (name, response.status_code)
                plans = []
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    for statement, params in sent:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                        lines = [row[0] for row in cursor.fetchall()]
                        took = float(re.search(r"Execution Time: ([\d.]+)", lines[-1]).group(1))
                        plans.append((took, statement, lines))
                    raw.rollback()
                finally:
                    raw.close()
            plans.sort(key=lambda p: -p[0])
            scans = [p for p in plans if any(FULL_SCAN.search(line) for line in p[2])]
            text = [
                f"# {name}: {method} {path}",
                "",
                f"{len(plans)} SELECT-queries, traagste eerst.",
                "",
            ]
            for took, statement, lines in plans:
                text += [f"## {took:.2f} ms", "", "```sql", statement.strip(), "```", "", "```",
                         *lines, "```", ""]  # fmt: skip
            (out / f"{name}.md").write_text("\n".join(text))
            slowest = plans[0][0] if plans else 0.0
            summary.append(f"| [{name}]({name}.md) | {len(plans)} | {slowest:.1f} | "
                           f"{'**ja**' if scans else 'nee'} |")  # fmt: skip
            print(summary[-1])
        with app.app_context():
            total = db.session.scalar(select(func.count(Case.id)))
        (out / "README.md").write_text(
            f"# Queryplannen bij {total:,} zaken (PostgreSQL)\n\n".replace(",", ".")
            + "Gemaakt met `bench/plans.py`: elk scherm één keer opgevraagd, elke SELECT "
            "opnieuw uitgevoerd onder `EXPLAIN (ANALYZE, BUFFERS)`.\n\n" + "\n".join(summary) + "\n"
        )


if __name__ == "__main__":
    _args, target = arguments()
    main(Path(target) if target else Path(__file__).resolve().parent / "plans")
