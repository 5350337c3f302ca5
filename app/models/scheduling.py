"""The scheduler's lease (exactly one active scheduler) and the record of every job run."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .types import TZDateTime, utcnow


class SchedulerLease(Model):
    """Who may run the jobs, until when: a scheduler renews it or another takes over."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    # host:pid:random of the `flask scheduler` process that holds the lease.
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[dt.datetime] = mapped_column(TZDateTime)
    acquired_at: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow)

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"


class JobRun(Model):
    """One run of a scheduled job: by which scheduler, when, and how it ended."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50), index=True)
    holder: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[dt.datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(TZDateTime)
    # "ok" or "fout"; None while running.
    result: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%d-%m-%Y %H:%M}"
