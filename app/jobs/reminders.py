"""Job: queue due reminders (every morning)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services.messaging import reminders


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Queue every due reminder once; safe to run twice or in parallel."""
    return {"queued": reminders.send_reminders(now)}
