"""One action, one unit of work: the only place in the domain layer that commits.

Every service action runs inside `unit_of_work()`: the user and the clock are resolved
once, everything the action writes (the change, its timeline event, its audit entry)
joins one transaction, and that transaction commits exactly once when the block ends
— or rolls back entirely on any error, so a refused action leaves nothing behind.
A unit opened inside another joins it: only the outermost one commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import g, has_request_context

from ..extensions import db
from ..models.types import utcnow
from ..roles import current_user

_OPEN = "unit_of_work"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Work:
    """What an action knows once: who acts (None: the system) and when."""

    user: Any
    now: dt.datetime


def acting(user: Any = None, now: dt.datetime | None = None) -> Work:
    """Who acts and when, for a read that writes nothing (a preview)."""
    return Work(user if user is not None else current_user(), now or utcnow())


def is_open() -> bool:
    """Whether a unit of work is running in this session (its writes will be committed)."""
    return _OPEN in db.session().info


@contextmanager
def unit_of_work(
    user: Any = None, now: dt.datetime | None = None, *, system: bool = False,
    keep_loaded: bool = False,
) -> Iterator[Work]:  # fmt: skip
    """Run one action: commit once at the end, roll everything back on any error.

    `system`: a job acts, not the logged-in user. `keep_loaded`: what the request loaded
    stays loaded after the commit (an audited read of a list page would otherwise
    reload every row, one query each).
    """
    session = db.session()
    outer = session.info.get(_OPEN)
    if outer is not None:
        yield outer
        return
    work = Work(None, now or utcnow()) if system else acting(user, now)
    session.info[_OPEN] = work
    try:
        yield work
        keep = session.expire_on_commit
        session.expire_on_commit = keep and not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    except BaseException:
        session.rollback()
        if has_request_context():
            # An audit entry of this unit is gone with it: the request's audit guard
            # (app/audit_guard.py) must write its own entry for the refused request.
            g.pop("audit_written", None)
        raise
    finally:
        session.info.pop(_OPEN, None)


def transactional(function: F) -> F:
    """A service function that is one unit of work of its own (or joins the caller's)."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work(system=True):
            return function(*args, **kwargs)

    return run  # type: ignore[return-value]
