"""Benchmark: the scheduled jobs over N generated cases (default 100,000), as on a normal day.

Run: .venv/bin/python bench/jobs_bench.py [N] [--append=bench/RESULTS.md]
Generates N cases with `flask demo generate` on a fresh database (a temporary SQLite, or
BENCH_DATABASE_URL; with BENCH_REUSE=1 the cases already there), gives the cases on hold an
end date and the cases waiting for information a request with a deadline (spread over the
coming year and the coming two months, as in practice), and stores the reminders the
generated invitations (up to a year old) had by today as sent emails: the state of a
municipality that has used the system for a year. (Until issue 25 the reminder job caught
that backlog up itself, one unit of work per reminder: 73 s at 100,000 cases, about half an
hour at a million, none of it a morning's work.) Then it times each job on the next
morning, when a day's work is due, and once more the same morning (nothing left to do: the
cost of looking). The outbox sends over real SMTP to a local aiosmtpd server.
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
from common import arguments, free_port, make_app, reusing
from sqlalchemy import func, insert, select, update

from app import demo, demo_bulk
from app.extensions import db
from app.jobs.registry import JOBS
from app.models import (
    Case,
    CaseStatus,
    Channel,
    ContactPreference,
    InformationRequest,
    Invitation,
    Message,
    MessageStatus,
    TemplateEvent,
)
from app.services.messaging.reminders import (
    REMINDER_EVENTS,
    due_reminder,
    reminding_municipalities,
)

# Targets: the reminder job at 100,000 cases (issue 12) and at a million (issue 25), in s.
REMINDER_TARGETS_S = {100_000: 2.0, 1_000_000: 10.0}


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


def _past_reminders(now: dt.datetime) -> int:
    """Store every reminder the invited cases had by `now` as a sent email, in bulk."""
    stored = 0
    for municipality in reminding_municipalities():
        days = sorted(municipality.reminder_days or [])[:3]
        # The invitation's email gives the recipient; the job's own rules pick the cases.
        invited = db.session.execute(
            select(Invitation.case_id, func.min(Invitation.created_on), Message.recipient)
            .join(Case, Case.id == Invitation.case_id)
            .join(
                Message, (Message.case_id == Case.id) & (Message.event == TemplateEvent.INVITATION)
            )
            .where(
                Case.municipality_id == municipality.id,
                Case.status == CaseStatus.INVITED,
                Case.contact_preference == ContactPreference.EMAIL,
            )
            .group_by(Invitation.case_id, Message.recipient)
        ).all()
        already = set(
            db.session.scalars(
                select(Message.case_id).where(
                    Message.municipality_id == municipality.id,
                    Message.dedupe_key.like("reminder-%"),
                )
            )
        )
        rows = []
        for case_id, invited_on, recipient in invited:
            if case_id in already:
                continue
            for number in range(1, (due_reminder(days, invited_on, now) or 0) + 1):
                sent = invited_on + dt.timedelta(days=days[number - 1])
                rows.append({
                    "case_id": case_id, "municipality_id": municipality.id,
                    "event": REMINDER_EVENTS[number - 1], "channel": Channel.EMAIL,
                    "dedupe_key": f"reminder-{number}", "recipient": recipient,
                    "subject": "Herinnering: lever uw gegevens aan",
                    "body_text": "Beste inwoner,\n\nU heeft uw gegevens nog niet geleverd.\n",
                    "status": MessageStatus.SENT, "attempts": 1,
                    "created_on": sent, "sent_on": sent,
                })  # fmt: skip
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(Message), rows[start : start + 10_000])
        stored += len(rows)
    db.session.commit()
    return stored


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
                if not reusing():
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
                history_start = time.perf_counter()
                history = _past_reminders(today)
                history_s = time.perf_counter() - history_start
                # Whatever the history missed is the generator's, not a day's: sent, no SMTP.
                leftover_s, leftover = _timed("reminders", today)
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
        "een termijn verspreid over de komende twee maanden; de herinneringen die de "
        f"gegenereerde uitnodigingen tot vandaag kregen, als verzonden e-mails opgeslagen "
        f"({_dutch(history)} in {history_s:.1f} s; de herinneringstaak vond daarna nog "
        f"{leftover['queued']} in {leftover_s:.1f} s). "
        "Daarna de volgende ochtend, en dezelfde ochtend nog eens (niets meer te doen: "
        "alleen het zoeken).",
        "",
        "| taak | seconden | resultaat | nog eens (s) | resultaat | doel | gehaald |",
        "|---|---:|---|---:|---|---:|---|",
    ]
    for name, first_s, first, again_s, again in rows:
        target = _target(total) if name == "reminders" else None
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


def _dutch(number: int) -> str:
    """12.345, as Dutch writes thousands."""
    return f"{number:,}".replace(",", ".")


def _target(total: int) -> float:
    """The reminder job's target for the size nearest above `total` cases."""
    return next((s for n, s in sorted(REMINDER_TARGETS_S.items()) if total <= n * 1.01),
                max(REMINDER_TARGETS_S.values()))  # fmt: skip


def _counts(result: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in result.items())


if __name__ == "__main__":
    args, target = arguments()
    main(int(args[0]) if args else 100_000, target)
