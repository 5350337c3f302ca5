"""Job: send the outbox (every minute)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services.messaging import outbox
from ..services.onboarding import accounts


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Send due emails to residents, then account emails to users; safe to run twice."""
    counts = outbox.send_pending(now)
    system = accounts.send_system_mails(now)
    if system["sent"] or system["retry"]:
        counts = {**counts, "account_sent": system["sent"], "account_retry": system["retry"]}
    return counts
