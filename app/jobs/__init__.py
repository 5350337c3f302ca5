"""Scheduled jobs: thin, idempotent wrappers around services, run by one scheduler process.

Each entry maps a job name to (function, APScheduler trigger arguments). Every job
takes an optional `now`, so `flask jobs run NAME --now ...` can run it as if it were
that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from . import deadlines, holds, outbox, reminders, retention

JOBS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "outbox": (outbox.run, {"trigger": "interval", "minutes": 1}),
    "reminders": (reminders.run, {"trigger": "cron", "hour": 8, "minute": 0}),
    "holds": (holds.run, {"trigger": "cron", "hour": 6, "minute": 30}),
    "deadlines": (deadlines.run, {"trigger": "cron", "hour": 6, "minute": 45}),
    "retention": (retention.run, {"trigger": "cron", "hour": 5, "minute": 15}),
}


def start_scheduler(app: Flask, paused: bool = False) -> Any:
    """Start Flask-APScheduler with every registered job (coalescing, one hour grace)."""
    from ..extensions import scheduler

    app.config.setdefault(
        "SCHEDULER_JOB_DEFAULTS", {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}
    )
    app.config.setdefault("SCHEDULER_TIMEZONE", "Europe/Amsterdam")
    scheduler.init_app(app)
    for name, (func, trigger) in JOBS.items():
        scheduler.add_job(
            id=name, func=_in_app_context(app, func), replace_existing=True, **trigger
        )
    scheduler.start(paused=paused)
    return scheduler


def _in_app_context(app: Flask, func: Callable[..., Any]) -> Callable[[], Any]:
    def run() -> Any:
        with app.app_context():
            return func()

    run.__name__ = getattr(func, "__name__", "job")
    return run
