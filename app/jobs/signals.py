"""Job: the daily digest email of unread signals (a count and a link), every morning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services.messaging import signals


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Queue one digest per user who asked for it and has new signals; safe to run twice."""
    return {"digests": signals.send_digests(now)}
