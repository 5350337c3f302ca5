"""Exactly one active scheduler among several instances: a lease row in the database.

Every `flask scheduler` process tries to take or renew the lease a few times per lease
period. The holder runs the jobs; the others stay idle until the lease expires (the
holder died) or is released (the holder stopped), and then one of them takes over.
Taking the lease is one conditional UPDATE (or the first INSERT), so two schedulers
can never both win it. Every job run is recorded, with the scheduler that ran it.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import JobRun, SchedulerLease
from ..models.types import utcnow

LEASE = "scheduler"
DETAIL_LENGTH = 2000


def new_holder() -> str:
    """A name for this scheduler process: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire(holder: str, seconds: int, now: dt.datetime | None = None) -> bool:
    """Take or renew the lease for `seconds`; False while another holder's lease runs."""
    now = now or utcnow()
    expires = now + dt.timedelta(seconds=seconds)
    renewed = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE)
        .where((SchedulerLease.holder == holder) | (SchedulerLease.expires_at <= now))
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False)
    ).rowcount
    if renewed:
        db.session.commit()
        return True
    db.session.rollback()
    try:
        db.session.execute(
            insert(SchedulerLease).values(
                name=LEASE, holder=holder, expires_at=expires, acquired_at=now
            )
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the row exists and another holder's lease still runs
        return False
    return True


def holds(holder: str, now: dt.datetime | None = None) -> bool:
    """Whether `holder` holds an unexpired lease right now."""
    now = now or utcnow()
    lease = db.session.get(SchedulerLease, LEASE)
    result = lease is not None and lease.holder == holder and lease.expires_at > now
    db.session.rollback()  # end the read, so the lease row is never kept locked
    return result


def release(holder: str) -> None:
    """Give the lease up at once (a clean stop), so another scheduler takes over now."""
    db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
        .values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def job_started(job: str, holder: str) -> int:
    """Record that a job starts; the id to finish it with."""
    run = JobRun(job=job, holder=holder, started_at=utcnow())
    db.session.add(run)
    db.session.commit()
    return run.id


def job_finished(run_id: int, ok: bool, detail: str | None = None) -> None:
    """Record how a job run ended."""
    db.session.rollback()  # a failed job may have left its transaction broken
    run = db.session.get(JobRun, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.result = "ok" if ok else "fout"
    run.detail = (detail or "")[:DETAIL_LENGTH] or None
    db.session.commit()


def status(now: dt.datetime | None = None) -> dict[str, str | None]:
    """Whether a scheduler is active, and the last finished job run (for /health)."""
    now = now or utcnow()
    lease = db.session.get(SchedulerLease, LEASE)
    last = db.session.scalar(
        select(JobRun.finished_at)
        .where(JobRun.finished_at.is_not(None))
        .order_by(JobRun.finished_at.desc())
        .limit(1)
    )
    return {
        "planner": "actief" if lease is not None and lease.expires_at > now else "niet actief",
        "laatste_taak": last.isoformat() if last else None,
    }
