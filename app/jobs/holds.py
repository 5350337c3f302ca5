"""Job: release holds whose end date has passed (every morning)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..services.cases import workflow


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """Release every due hold once; safe to run twice or in parallel."""
    return {"released": workflow.release_due_holds(now)}
