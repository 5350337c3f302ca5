"""`make loadtest`: a working day compressed into LOAD_MINUTES (10) on two gunicorn instances
sharing one PostgreSQL, driven by Locust (bench/locustfile.py) -> bench/LOAD.md.

Without LOAD_DATABASE_URL it starts a PostgreSQL of its own (Debian's binaries, removed
afterwards). It prepares the database as an operator would (`flask db upgrade`, `flask demo
load`, `flask demo generate`), adds the day's people and work (40 caseworkers, 5 beheerders
with a file of 20,000 rows each, invitations waiting for Ockto, information requests
waiting for residents), starts both instances (SCHEDULER_IN_WEB=1: the jobs run too), runs
Locust headless, and then checks in the database that every application and delivery a
partner saw stored is there exactly once.

Settings: LOAD_MINUTES, LOAD_CASES (generated cases, default 20000), LOAD_DATABASE_URL.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import DEMO_PASSWORD, make_bsn  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Case,
    CaseStatus,
    Delivery,
    Municipality,
    Organisation,
    Resident,
)
from config import Config  # noqa: E402
from tests.pgserver import own_postgres  # noqa: E402

MINUTES = float(os.environ.get("LOAD_MINUTES", "10"))
CASES = int(os.environ.get("LOAD_CASES", "20000"))
CASEWORKERS, BEHEERDERS, IMPORT_ROWS = 40, 5, 20_000
INTAKE_SECRET, OCKTO_SECRET = "load-intake-secret", "load-ockto-secret"
# The instances' settings for the day: every client comes from 127.0.0.1, so the limits
# per address (logins, residents' pages) are raised; everything else is as shipped.
INSTANCE_ENV = {
    "APP_ENV": "development",
    "SCHEDULER_IN_WEB": "1",
    "WEB_WORKERS": "2",
    "INTAKE_HMAC_SECRET": INTAKE_SECRET,
    "OCKTO_HMAC_SECRET": OCKTO_SECRET,
    "AUTH_RATE_LIMIT": "100000 per minute",
    "RESIDENT_RATE_LIMIT": "100000 per minute",
}
SCREEN_TARGET_MS = 300


def flask(url: str, *args: str) -> None:
    """Run a `flask` command on the database, as an operator would."""
    env = {**os.environ, "FLASK_APP": "run", "DATABASE_URL": url, "APP_ENV": "development"}
    subprocess.run([str(Path(sys.executable).parent / "flask"), *args], cwd=ROOT, env=env,
                   check=True)  # fmt: skip


def app_for(url: str):
    """The app on the load database (for the preparation and the checks)."""
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def _reassessment_file(folder: Path, rows: int, town: str, taken: set[str], rng) -> str:
    path = folder / f"herbeoordeling-{town.lower()}-{len(taken)}.csv"
    lines = ["BSN;Voorletters;Achternaam;Geboortedatum;Straat;Huisnummer;Postcode;Woonplaats"]
    lines += [f"{make_bsn(rng, taken)};J.;Jansen;01-02-1960;Kerkstraat;{n + 1};8011AB;{town}"
              for n in range(rows)]  # fmt: skip
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return str(path)


def prepare(url: str, folder: Path) -> dict:
    """The day's people and work; answers the fixtures for Locust."""
    from app.services.cases import information_requests
    from app.services.ockto import invitations
    from tests import helpers
    from tests.factories import new_case

    rng = random.Random(2026)
    app = app_for(url)
    with app.app_context():
        taken = set(db.session.scalars(select(Resident.bsn)))
        sm = app.appbuilder.sm
        orgs = {o.name: o for o in db.session.scalars(select(Organisation))}
        fixtures: dict = {
            "password": DEMO_PASSWORD,
            "intake_secret": INTAKE_SECRET,
            "ockto_secret": OCKTO_SECRET,
            "caseworkers": [],
            "beheerders": [],
        }
        for n in range(CASEWORKERS):
            org = orgs["Gemeente Zwolle"] if n % 4 else orgs["ISD Bollenstreek"]
            fixtures["caseworkers"].append(_account(sm, f"dag.medewerker{n}", "Medewerker", org))
        for n in range(BEHEERDERS):
            org = orgs["Gemeente Zwolle"] if n % 2 == 0 else orgs["ISD Bollenstreek"]
            account = _account(sm, f"dag.beheerder{n}", "Beheerder", org)
            town, cbs = ("Zwolle", "0193") if n % 2 == 0 else ("Hillegom", "0534")
            account["cbs_code"] = cbs
            account["import_file"] = _reassessment_file(folder, IMPORT_ROWS, town, taken, rng)
            fixtures["beheerders"].append(account)
        db.session.commit()
        # Each caseworker: cases to open, BSNs to search, and cases of their own to decide.
        per_org: dict[int, list[tuple[int, str, CaseStatus, bool]]] = {}
        for org in orgs.values():
            rows = db.session.execute(
                select(Case.id, Resident.bsn, Case.status, Municipality.module_decisions)
                .join(Resident, Case.applicant_id == Resident.id)
                .join(Municipality, Case.municipality_id == Municipality.id)
                .where(Municipality.organisation_id == org.id)
                .order_by(func.random()).limit(20_000)
            ).all()  # fmt: skip
            per_org[org.id] = [tuple(r) for r in rows]
        # Only where the municipality decides in this system (its module is on).
        decidable = {org_id: [r[0] for r in rows if r[2] == CaseStatus.DATA_RECEIVED and r[3]]
                     for org_id, rows in per_org.items()}  # fmt: skip
        for account in fixtures["caseworkers"]:
            org_id = account.pop("organisation_id")
            rows = per_org[org_id]
            account["cases"] = [r[0] for r in rng.sample(rows, 200)]
            account["bsns"] = [r[1] for r in rng.sample(rows, 50)]
            account["to_decide"] = [decidable[org_id].pop() for _ in range(20)
                                    if decidable[org_id]]  # fmt: skip
        for account in fixtures["beheerders"]:
            account.pop("organisation_id")
        # Ockto: invitations waiting for their delivery.
        fixtures["deliveries"] = []
        for _ in range(550):
            case = new_case("0193")
            invitation = invitations.issue(case)
            case.status = CaseStatus.INVITED
            db.session.commit()
            fixtures["deliveries"].append(helpers.delivery(invitation.token, case))
        # Residents: information requests waiting for their documents.
        fixtures["uploads"] = []
        caseworker = sm.find_user(username="medewerker.zwolle")
        for _ in range(250):
            case = new_case("0193", status=CaseStatus.DATA_RECEIVED)
            information_requests.request_info(case.id, "Uw laatste loonstrook.", user=caseworker)
            fixtures["uploads"].append(information_requests.open_request(case).token)
        fixtures["applications"] = [helpers.payload("0534") for _ in range(1100)]
        for body in fixtures["applications"]:
            body["aanvraagnummer"] = f"GV-LOAD-{body['aanvraagnummer'][-6:]}-{rng.randrange(10**6)}"
    return fixtures


def _account(sm, username: str, role: str, org: Organisation) -> dict:
    user = sm.find_user(username=username) or sm.add_user(
        username=username, first_name="Dag", last_name=username.split(".")[1].capitalize(),
        email=f"{username}@example.nl", role=sm.find_role(role), password=DEMO_PASSWORD,
    )  # fmt: skip
    user.organisation_id = org.id
    return {"username": username, "organisation_id": org.id}


@contextlib.contextmanager
def instances(url: str, folder: Path) -> Iterator[list[str]]:
    """Two gunicorn instances on the one database, each with its own local folder."""
    from tests.helpers import free_port, wait_for_health

    servers, bases = [], []
    try:
        for n in range(2):
            port = free_port()
            env = {**os.environ, **INSTANCE_ENV, "DATABASE_URL": url, "PORT": str(port),
                   "UPLOAD_DIR": str(folder / f"instance{n}")}  # fmt: skip
            log = (folder / f"instance{n}.log").open("w")
            servers.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py",
                 "run:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            if not wait_for_health(base, 120):
                raise RuntimeError(f"{base} start niet; zie {folder}")
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=60)


def run_locust(bases: list[str], fixtures: dict, folder: Path) -> Path:
    """Locust headless for LOAD_MINUTES; answers the prefix of its CSV files."""
    fixture_file = folder / "fixtures.json"
    fixture_file.write_text(json.dumps(fixtures), encoding="utf-8")
    prefix = folder / "locust"
    users = CASEWORKERS + BEHEERDERS + 5 + 1
    env = {**os.environ, "LOAD_HOSTS": ",".join(bases), "LOAD_FIXTURES": str(fixture_file),
           "LOAD_OUTCOME": str(folder / "outcome.json"), "LOAD_MINUTES": str(MINUTES)}  # fmt: skip
    locust = ROOT / ".venv-load" / "bin" / "locust"
    subprocess.run(
        [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "--users", str(users), "--spawn-rate", "1", "--run-time", f"{int(MINUTES * 60)}s",
         "--host", bases[0], "--csv", str(prefix), "--only-summary", "--stop-timeout", "120",
         "--exit-code-on-error", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return prefix


def exactly_once(url: str, folder: Path) -> dict[str, tuple[int, int, int]]:
    """Per kind: (seen stored by the partner, found in the database, found more than once)."""
    outcome = json.loads((folder / "outcome.json").read_text(encoding="utf-8"))
    app = app_for(url)
    result = {}
    keys = {"aanvragen": (Case.application_number, Case.id),
            "leveringen": (Delivery.delivery_key, Delivery.id)}  # fmt: skip
    with app.app_context():
        for kind, (key, row_id) in keys.items():
            stored = [k for k, status in outcome[kind].items() if status in (200, 201)]
            found = db.session.execute(
                select(key, func.count(row_id)).where(key.in_(stored)).group_by(key)
            ).all()
            result[kind] = (len(stored), len(found), sum(1 for _, n in found if n > 1))
        unanswered = {kind: sum(1 for s in seen.values() if s not in (200, 201))
                      for kind, seen in outcome.items()}  # fmt: skip
    return {**result, "nooit opgeslagen": (unanswered["aanvragen"], unanswered["leveringen"], 0)}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def report(prefix: Path, checks: dict, started: dt.datetime, seconds: float) -> str:
    """bench/LOAD.md: p50/p95/p99 per request kind, the errors, the exactly-once check."""
    rows = _csv(Path(f"{prefix}_stats.csv"))
    failures = _csv(Path(f"{prefix}_failures.csv"))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    kinds = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"])
    # Screens: what a person waits for (pages, lists, a case, a search, a memo, a decision,
    # the login page); not the password check of a login (slow by design), an import of
    # 20,000 rows or an export.
    screens = [r for r in kinds if r["Name"].startswith(("scherm", "api", "inwoner"))
               and not any(w in r["Name"] for w in ("import", "export", "inloggen"))]  # fmt: skip
    worst = max(screens, key=lambda r: float(r["95%"]))
    slow = [r["Name"] for r in screens if float(r["95%"]) > SCREEN_TARGET_MS]
    errors = int(total["Failure Count"])
    held = errors == 0 and not slow and all(checks[k][0] == checks[k][1] and not checks[k][2]
                                            for k in ("aanvragen", "leveringen"))  # fmt: skip
    lines = [
        "# Load test: a working day on two instances",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, {MINUTES:g} minutes of load ({seconds / 60:.1f} "
        f"minutes in all with the preparation), this 2-core machine: two gunicorn instances "
        f"(2 workers × 8 threads each, the scheduler in the web processes) on one PostgreSQL "
        f"with {CASES:,} generated cases plus the demo. Locust {CASEWORKERS} caseworkers, "
        f"{BEHEERDERS} beheerders (imports of {IMPORT_ROWS:,} rows spread over the day, "
        "at most one each; exports), "
        "residents uploading documents, and the partners: every two minutes a burst of 10 s "
        "with 20 applications and 10 Ockto deliveries per second, one in ten sent again.",
        "",
        f"**{'Held' if held else 'Not held'}. Requests: {int(total['Request Count']):,}; "
        f"errors: {errors}.** Slowest screen p95: {worst['Name']} {worst['95%']} ms "
        f"(target ≤ {SCREEN_TARGET_MS} ms for every screen"
        + (f"; above it: {', '.join(slow)}" if slow else "")
        + ").",
        "",
        "| request | count | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in kinds:
        slowest = float(r["Max Response Time"])
        lines.append(f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
                     f"{r['50%']} | {r['95%']} | {r['99%']} | {slowest:.0f} |")  # fmt: skip
    lines += ["", "## Exactly once", "",
              "| | stored according to the partner | in the database | more than once |",
              "|---|---:|---:|---:|"]  # fmt: skip
    for kind in ("aanvragen", "leveringen"):
        seen, found, twice = checks[kind]
        lines.append(f"| {kind} | {seen} | {found} | {twice} |")
    never = checks["nooit opgeslagen"]
    lines += ["", f"Never stored after five tries: {never[0]} applications, {never[1]} deliveries.",
              ""]  # fmt: skip
    if failures:
        lines += ["## Errors", "", "| request | error | count |", "|---|---|---:|"]
        for f in failures:
            lines.append(f"| {f['Name']} | {f['Error'][:150]} | {f['Occurrences']} |")
        lines.append("")
    lines += [
        "Settings of the day (the rest as shipped): AUTH_RATE_LIMIT and RESIDENT_RATE_LIMIT "
        "raised, since every simulated person comes from 127.0.0.1; APP_ENV=development "
        "(no 2FA codes to type for the simulated accounts).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="gp-load-"))
    given = os.environ.get("LOAD_DATABASE_URL")
    database = contextlib.nullcontext((given, None)) if given else own_postgres("gp_load", "")
    with database as (url, _pg_ctl):
        flask(url, "db", "upgrade")
        flask(url, "demo", "load")
        flask(url, "demo", "generate", "--cases", str(CASES))
        fixtures = prepare(url, folder)
        with instances(url, folder) as bases:
            prefix = run_locust(bases, fixtures, folder)
        checks = exactly_once(url, folder)
    text = report(prefix, checks, started, time.monotonic() - clock)
    out = ROOT / "bench" / "LOAD.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"(logs and Locust's files: {folder})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
