"""Progress of running imports, kept in this process so polling never touches the database.

A large confirm holds one write transaction for its whole length (it must be atomic);
on SQLite a progress row in the database would wait for that very transaction.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_state: dict[int, dict[str, Any]] = {}


def update(import_id: int, phase: str, done: int, total: int) -> None:
    """Record how far an import has come."""
    with _lock:
        _state[import_id] = {"fase": phase, "verwerkt": done, "totaal": total}


def get(import_id: int) -> dict[str, Any] | None:
    """The last progress of an import running in this process, if any."""
    with _lock:
        value = _state.get(import_id)
        return dict(value) if value else None


def clear(import_id: int) -> None:
    """Forget an import that has finished."""
    with _lock:
        _state.pop(import_id, None)
