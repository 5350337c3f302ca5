"""Job: a notice for every information request whose deadline has passed (every morning)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services.cases import information_requests


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Raise each expired-deadline notice once; safe to run twice or in parallel."""
    return {"notices": information_requests.expire_deadlines(now)}
