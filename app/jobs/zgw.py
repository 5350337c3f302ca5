"""Job: deliver the zaaksysteem events (every minute), per case in order, with back-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services.zgw import registration


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Deliver what is due; never blocks a user: it runs beside them, in the scheduler."""
    return registration.deliver_pending(now)
