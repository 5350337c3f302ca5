"""Run the jobs in the one process that holds the scheduler lease.

`run_scheduler` is the loop of `flask scheduler` (and of the web process when
SCHEDULER_IN_WEB is on): it takes or renews the lease every third of its period,
resumes APScheduler while it holds it and pauses it when it lost it. Each job checks
the lease again right before it runs and records its run (app/jobs/lease.py), so
even a scheduler that lost its lease a moment ago never runs a job beside the new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from ..extensions import scheduler
from . import lease
from .registry import INTERVAL_SETTINGS, JOBS

log = logging.getLogger(__name__)


def start_scheduler(app: Flask, holder: str | None = None, paused: bool = False) -> Any:
    """Start Flask-APScheduler with every registered job (coalescing, one hour grace)."""
    holder = holder or lease.new_holder()
    app.config.setdefault(
        "SCHEDULER_JOB_DEFAULTS", {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}
    )
    app.config.setdefault("SCHEDULER_TIMEZONE", "Europe/Amsterdam")
    scheduler.init_app(app)
    for name, (func, trigger) in JOBS.items():
        setting = INTERVAL_SETTINGS.get(name)
        if setting and app.config.get(setting):
            trigger = {"trigger": "interval", "seconds": int(app.config[setting])}
        scheduler.add_job(
            id=name, func=_guarded(app, name, func, holder), replace_existing=True, **trigger
        )
    scheduler.start(paused=paused)
    return scheduler


def run_scheduler(app: Flask, stop: threading.Event, holder: str | None = None) -> None:
    """Hold the lease and run the jobs until `stop` is set; then hand the lease over."""
    holder = holder or lease.new_holder()
    seconds = int(app.config["SCHEDULER_LEASE_SECONDS"])
    jobs = start_scheduler(app, holder, paused=True)
    active = False
    try:
        while not stop.is_set():
            with app.app_context():
                try:
                    holding = lease.acquire(holder, seconds)
                except Exception:
                    log.exception("scheduler lease could not be checked")
                    holding = False
            if holding and not active:
                log.info("scheduler %s active: holds the lease", holder)
                jobs.resume()
            elif active and not holding:
                log.info("scheduler %s idle: another scheduler holds the lease", holder)
                jobs.pause()
            active = holding
            stop.wait(max(1.0, seconds / 3))
    finally:
        jobs.shutdown(wait=True)
        if active:
            with app.app_context():
                lease.release(holder)
            log.info("scheduler %s stopped and released the lease", holder)


def run_in_background(app: Flask) -> threading.Thread:
    """Join the lease from a daemon thread of this (web) process: SCHEDULER_IN_WEB."""
    thread = threading.Thread(
        target=run_scheduler, args=(app, threading.Event()), name="scheduler", daemon=True
    )
    thread.start()
    return thread


def _guarded(app: Flask, name: str, func: Callable[..., Any], holder: str) -> Callable[[], Any]:
    def run() -> Any:
        with app.app_context():
            if not lease.holds(holder):
                return None  # another scheduler holds the lease now
            run_id = lease.job_started(name, holder)
            try:
                result = func()
            except Exception as exc:
                log.exception("job %s failed", name)
                # Only the type: an exception's text may quote personal data.
                lease.job_finished(run_id, False, type(exc).__name__)
                return None
            lease.job_finished(run_id, True, _summary(result))
            return result

    run.__name__ = f"job_{name}"
    return run


def _summary(result: Any) -> str | None:
    # Counts only: a job's result is a number or a mapping of counts.
    if isinstance(result, int | str) and len(str(result)) < 100:
        return str(result)
    if isinstance(result, dict):
        counts = {k: v for k, v in result.items() if isinstance(v, int)}
        return ", ".join(f"{k}={v}" for k, v in counts.items()) or None
    return None
