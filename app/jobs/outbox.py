"""Job: send the outbox (every minute)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services import messaging


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Send due emails; safe to run twice or in parallel."""
    return messaging.send_pending(now)
