"""Benchmark: the screens a caseworker uses all day, at municipal scale, beside /health.

Run: .venv/bin/python bench/screens_bench.py [N] [--out bench/RESULTS.md]
Generates N cases (default 100,000) with `flask demo generate` on a fresh database
(a temporary SQLite, or BENCH_DATABASE_URL), then times each screen in process
(Flask's test client: the app's own time, no network) over REQUESTS requests:
median and p95, beside GET /health as the floor. Writes a Markdown table.
"""

from __future__ import annotations

import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import arguments, make_app, reusing
from sqlalchemy import func, select, text, update

from app import demo, demo_bulk
from app.extensions import db
from app.models import Case, Municipality, Resident, User
from app.services.cases import tally

REQUESTS = 30
PASSWORD = demo.DEMO_PASSWORD
# (name, target median in ms) from issue 12.
TARGETS = {
    "REST-lijst (filter + sortering, 25)": 60,
    "HTML-lijst (filter + sortering, 25)": 150,
    "Zaakdetail": 80,
    "Dashboard": 200,
    "Zoeken op BSN": 30,
    "REST-lijst, laatste pagina (filter)": 150,
    "HTML-lijst, laatste pagina (filter)": 150,
    "Dashboard, één gemeente met de helft van alle zaken": 200,
}


def _login(app):
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login/",
        data={"username": "beheerder.zwolle", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, "login failed"
    api = app.test_client()
    answer = api.post(
        "/api/v1/security/login",
        json={"username": "beheerder.zwolle", "password": PASSWORD, "provider": "db"},
    )
    return client, {"Authorization": f"Bearer {answer.get_json()['access_token']}"}, token


def _time(call: Callable[[], object]) -> tuple[float, float]:
    call()  # warm
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


@contextmanager
def _half_in_one_municipality(app) -> Iterator[None]:
    """Move the cases of Lisse to Zwolle (about half of all), and back afterwards."""
    with app.app_context():
        ids = dict(db.session.execute(select(Municipality.cbs_code, Municipality.id)).all())
        zwolle, lisse = ids["0193"], ids["0553"]
        of_lisse = select(Resident.id).where(Resident.municipality_id == lisse)
        db.session.execute(
            update(Case).where(Case.municipality_id == lisse).values(municipality_id=zwolle)
        )
        db.session.commit()
        tally.compact()
        _settle()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(
                update(Case)
                .where(Case.municipality_id == zwolle, Case.applicant_id.in_(of_lisse))
                .values(municipality_id=lisse)
            )
            db.session.commit()
            tally.compact()
            _settle()


def _settle() -> None:
    """After moving 250,000 rows: what autovacuum does next (visibility map, statistics)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text('VACUUM ANALYZE "case"'))


def main(n: int, out: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
            generated = None
            if not (reusing() and (db.session.scalar(select(func.count(Case.id))) or 0) >= n):
                demo.load()
                start = time.perf_counter()
                demo_bulk.generate(n, seed=12)
                generated = time.perf_counter() - start
            total = db.session.scalar(select(func.count(Case.id)))
            rng = random.Random(3)
            organisation = db.session.scalar(
                select(User.organisation_id).where(User.username == "beheerder.zwolle")
            )
            ids = db.session.scalars(
                select(Case.id)
                .join(Municipality, Case.municipality_id == Municipality.id)
                .where(Municipality.organisation_id == organisation)
                .order_by(Case.id)
            ).all()
            sample_ids = [rng.choice(ids) for _ in range(REQUESTS + 1)]
            invited = db.session.scalar(
                select(func.count(Case.id))
                .join(Municipality, Case.municipality_id == Municipality.id)
                .where(Municipality.organisation_id == organisation, Case.status == "INVITED")
            )
            bsn = db.session.scalar(
                select(Resident.bsn)
                .join(Case, Case.applicant_id == Resident.id)
                .where(Case.id == sample_ids[0])
            )
        client, bearer, token = _login(app)
        rest = (
            "/api/v1/case/?q=(filters:!((col:status,opr:eq,value:INVITED)),"
            "order_column:created_on,order_direction:desc,page:0,page_size:25)"
        )
        html = (
            "/zaken/list/?_flt_0_status=INVITED&_oc_CaseModelView=created_on"
            "&_od_CaseModelView=desc&psize_CaseModelView=25"
        )
        last = max(invited - 1, 0) // 25
        rest_last = rest.replace("page:0", f"page:{last}")
        html_last = html + f"&page_CaseModelView={last}"
        details = iter(sample_ids * 2)

        def check(response) -> None:
            assert response.status_code == 200, response.status_code

        measured = {
            "GET /health (vloer)": _time(lambda: check(client.get("/health"))),
            "REST-lijst (filter + sortering, 25)": _time(
                lambda: check(client.get(rest, headers=bearer))
            ),
            "HTML-lijst (filter + sortering, 25)": _time(lambda: check(client.get(html))),
            "Zaakdetail": _time(lambda: check(client.get(f"/zaken/show/{next(details)}"))),
            "Dashboard": _time(lambda: check(client.get("/"))),
            "Zoeken op BSN": _time(
                lambda: client.post("/zaken/zoek-bsn", data={"csrf_token": token, "bsn": bsn})
            ),
            "REST-lijst, laatste pagina (filter)": _time(
                lambda: check(client.get(rest_last, headers=bearer))
            ),
            "HTML-lijst, laatste pagina (filter)": _time(lambda: check(client.get(html_last))),
        }
        with _half_in_one_municipality(app):
            measured["Dashboard, één gemeente met de helft van alle zaken"] = _time(
                lambda: check(client.get("/"))
            )
    floor = measured["GET /health (vloer)"][0]
    lines = [
        f"## Schermen bij {total:,} zaken".replace(",", "."),
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, database {url.split(':', 1)[0]}",
        f"- Datum: {time.strftime('%Y-%m-%d %H:%M')}; {REQUESTS} verzoeken per scherm, "
        "in het proces (Flask-testclient)",
        f"- `flask demo generate --cases {n}`: {generated:.1f} s"
        if generated is not None
        else "- Bestaande database hergebruikt (BENCH_REUSE=1): geen nieuwe generatie",
        f"- Laatste pagina: pagina {last + 1} van de {invited} uitgenodigde zaken (25 per pagina)",
        "",
        "| scherm | mediaan (ms) | p95 (ms) | × /health | doel (mediaan) | gehaald |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, (median, p95) in measured.items():
        target = TARGETS.get(name)
        met = "" if target is None else ("ja" if median <= target else "**nee**")
        lines.append(
            f"| {name} | {median:.1f} | {p95:.1f} | {median / floor:.1f} | "
            f"{'' if target is None else f'≤ {target}'} | {met} |"
        )
    report = "# Benchmarkresultaten (`make bench`)\n\n" + "\n".join(lines) + "\n"
    print(report)
    if out:
        out.write_text(report)


if __name__ == "__main__":
    args, out_arg = arguments()
    main(int(args[0]) if args else 100_000, Path(out_arg) if out_arg else None)
