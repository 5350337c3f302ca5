"""Scheduled jobs: thin, idempotent wrappers around services.

`registry.JOBS` lists them; `scheduler` runs them in whichever process holds the
scheduler lease, so among several instances exactly one runs each job.
"""

from __future__ import annotations

from .registry import INTERVAL_SETTINGS, JOBS
from .scheduler import run_in_background, run_scheduler, start_scheduler

__all__ = ["INTERVAL_SETTINGS", "JOBS", "run_in_background", "run_scheduler", "start_scheduler"]
