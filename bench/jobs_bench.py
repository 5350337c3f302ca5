"""Benchmark: the scheduled jobs over N generated cases (default 100,000), as on a normal day.

Run: .venv/bin/python bench/jobs_bench.py [N] [--append=bench/RESULTS.md]
Generates N cases with `flask demo generate` on a fresh database (a temporary SQLite, or
BENCH_DATABASE_URL), gives the cases on hold an end date and the cases waiting for
information a request with a deadline (spread over the coming year and the coming two
months, as in practice), and lets the reminder job catch up once: the generated
invitations are up to a year old and never had a reminder. Then it times each job on the
next morning, when a day's work is due, and once more the same morning (nothing left to
do: the cost of looking). The outbox sends over real SMTP to a local aiosmtpd server.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from common import arguments, free_port, make_app
from sqlalchemy import func, insert, select, update

from app import demo, demo_bulk
from app.extensions import db
from app.jobs.registry import JOBS
from app.models import Case, CaseStatus, InformationRequest, Message, MessageStatus

# Target from issue 12: the reminder job at 100,000 cases, in seconds.
REMINDER_TARGET_S = 2.0


def _spread_work(now: dt.datetime) -> tuple[int, int]:
    """End dates for holds over the coming year, deadlines over the coming two months."""
    rng = random.Random(5)
    today = now.date()
    held = db.session.scalars(select(Case.id).where(Case.status == CaseStatus.ON_HOLD)).all()
    for case_id in held:
        db.session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(hold_until=today + dt.timedelta(days=rng.randint(0, 364)))
        )
    waiting = db.session.scalars(
        select(Case.id).where(Case.status == CaseStatus.INFO_REQUESTED)
    ).all()
    db.session.execute(
        insert(InformationRequest),
        [
            {
                "case_id": case_id,
                "description": "Loonstroken van de laatste drie maanden",
                "deadline": today + dt.timedelta(days=rng.randint(0, 59)),
                "token": secrets.token_hex(32),
                "created_on": now,
            }
            for case_id in waiting
        ],
    )
    db.session.commit()
    return len(held), len(waiting)


def _timed(name: str, now: dt.datetime) -> tuple[float, dict]:
    function = JOBS[name][0]
    start = time.perf_counter()
    result = function(now=now)
    seconds = time.perf_counter() - start
    db.session.remove()
    return seconds, result


def main(n: int, append: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
        smtp.start()
        app = make_app(tmp, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            with app.app_context():
                demo.load()
                demo_bulk.generate(n, seed=12)
                total = db.session.scalar(select(func.count(Case.id)))
                open_cases = db.session.scalar(
                    select(func.count(Case.id)).where(
                        Case.status.not_in([CaseStatus.DECIDED, CaseStatus.ABORTED])
                    )
                )
                today = dt.datetime.now(dt.UTC).replace(hour=7, minute=0, second=0)
                held, waiting = _spread_work(today)
                catch_up_s, catch_up = _timed("reminders", today)
                # The backlog is the generator's, not a day's: mark it sent without SMTP.
                db.session.execute(
                    update(Message)
                    .where(Message.status == MessageStatus.PENDING)
                    .values(status=MessageStatus.SENT, sent_on=today)
                )
                db.session.commit()
                rows = []
                morning = today + dt.timedelta(days=1)
                for name in ("reminders", "outbox", "holds", "deadlines"):
                    first_s, first = _timed(name, morning)
                    again_s, again = _timed(name, morning + dt.timedelta(minutes=1))
                    rows.append((name, first_s, first, again_s, again))
        finally:
            smtp.stop()
    labels = {
        "reminders": "herinneringen (08:00)",
        "outbox": "uitgaande e-mail (elke minuut)",
        "holds": "wachttijden vrijgeven (06:30)",
        "deadlines": "verlopen termijnen (06:45)",
    }
    lines = [
        f"\n## Geplande taken bij {total:,} zaken ({open_cases:,} open)\n".replace(",", "."),
        f"Database {url.split(':', 1)[0]}. Voorbereiding: {held} zaken in de wacht met een "
        f"einddatum verspreid over het komende jaar, {waiting} verzoeken om informatie met "
        "een termijn verspreid over de komende twee maanden; de herinneringstaak haalde "
        f"eenmalig de achterstand van de gegenereerde uitnodigingen in "
        f"({catch_up['queued']} herinneringen in {catch_up_s:.1f} s, "
        f"{catch_up_s / max(catch_up['queued'], 1) * 1000:.1f} ms per herinnering). "
        "Daarna de volgende ochtend, en dezelfde ochtend nog eens (niets meer te doen: "
        "alleen het zoeken).",
        "",
        "| taak | seconden | resultaat | nog eens (s) | resultaat | doel | gehaald |",
        "|---|---:|---|---:|---|---:|---|",
    ]
    for name, first_s, first, again_s, again in rows:
        target = REMINDER_TARGET_S if name == "reminders" else None
        met = "" if target is None else ("ja" if first_s <= target else "**nee**")
        lines.append(
            f"| {labels[name]} | {first_s:.2f} | {_counts(first)} | {again_s:.2f} | "
            f"{_counts(again)} | {'' if target is None else f'≤ {target:g} s'} | {met} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if append:
        with open(append, "a") as out:
            out.write(report)


def _counts(result: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in result.items())


if __name__ == "__main__":
    args, target = arguments()
    main(int(args[0]) if args else 100_000, target)
