"""Job: the nightly retention report per organisation (a dry run; a Beheerder confirms)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..formatting import date_in_nl
from ..services.security import retention


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Make or keep each organisation's report; removes nothing, safe to run twice."""
    today = date_in_nl(now) if now else None
    return {"due": retention.propose_all(today)}
