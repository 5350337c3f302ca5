"""Every scheduled job: name -> (function, APScheduler trigger arguments).

Every job takes an optional `now`, so `flask jobs run NAME --now ...` can run it as
if it were that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import deadlines, heartbeat, holds, outbox, reminders, retention, signals, tally, zgw

JOBS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "outbox": (outbox.run, {"trigger": "interval", "minutes": 1}),
    "reminders": (reminders.run, {"trigger": "cron", "hour": 8, "minute": 0}),
    "holds": (holds.run, {"trigger": "cron", "hour": 6, "minute": 30}),
    "deadlines": (deadlines.run, {"trigger": "cron", "hour": 6, "minute": 45}),
    "retention": (retention.run, {"trigger": "cron", "hour": 5, "minute": 15}),
    "signals": (signals.run, {"trigger": "cron", "hour": 7, "minute": 0}),
    "zgw": (zgw.run, {"trigger": "interval", "minutes": 1}),
    "tally": (tally.run, {"trigger": "interval", "minutes": 5}),
    "heartbeat": (heartbeat.run, {"trigger": "interval", "minutes": 1}),
}
# Interval jobs whose period an operator (or a test) may set, in seconds.
INTERVAL_SETTINGS = {
    "outbox": "SCHEDULER_OUTBOX_SECONDS",
    "heartbeat": "SCHEDULER_HEARTBEAT_SECONDS",
}
