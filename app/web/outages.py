"""Outages that are nobody's input and no fault of ours: the database out of reach, the disk full.

Every path (the screens, the REST API, the resident's pages) answers them with a Dutch
503 and a Retry-After; the transaction is rolled back, so nothing of the request stays.
"""

from __future__ import annotations

import contextlib
import errno
import logging

from flask import Flask, Response, current_app, g, jsonify, make_response, request
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "De database is even niet bereikbaar; er is niets opgeslagen. "
    "Probeer het over een minuut opnieuw."
)
STORAGE_FULL = (
    "De opslag van de server is vol; er is niets opgeslagen. "
    "Probeer het later opnieuw en meld het aan de beheerder."
)
RETRY_AFTER = "60"
# SQLite's OperationalError also means a wrong statement; only these say it is unusable.
SQLITE_UNUSABLE = ("database is locked", "unable to open database", "disk i/o error")


def message_for(exc: BaseException | None) -> str | None:
    """The Dutch message of an outage; None when the error is something else (a fault)."""
    if isinstance(exc, DBAPIError):
        if _disk_full(exc):
            log.error("storage full: %s", type(exc.orig).__name__)
            return STORAGE_FULL
        if _unreachable(exc):
            # The type only: a driver's message may quote the statement's values.
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            return UNAVAILABLE
        return None
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        log.error("storage full while writing a file")
        return STORAGE_FULL
    return None


def end_session_quietly(app: Flask) -> None:
    """End each request's session before Flask-SQLAlchemy does, surviving a dead connection.

    A connection lost after the answer was made (the database restarted) fails the
    session's closing rollback; that must not turn a finished answer into a 500.
    Teardowns run in reverse order, so this one (registered after `db.init_app`) is first.
    """
    from ..extensions import db

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as error:
            if message_for(error) is None:
                raise
            db.session.registry.clear()  # its connection died with the database


def response(message: str) -> Response:
    """The 503 for an outage: JSON under /api/, else a page that needs no database."""
    from ..extensions import db

    g.outage = True  # the audit fallback leaves it: nothing was shown, the database is out
    # The broken transaction ends here, nothing of it stored; a connection lost mid-way
    # may fail its rollback too, and must not fail the request's teardown after this.
    for end in (db.session.rollback, db.session.close):
        with contextlib.suppress(Exception):
            end()
    if request.path.startswith("/api/"):
        answer = make_response(jsonify(fouten=[{"veld": None, "melding": message}]), 503)
    else:
        # A page of its own, rendered without the context processors: the usual pages
        # (and Flask-Login's processor) read the user and the menu from the database.
        page = current_app.jinja_env.get_template("unavailable.html").render(message=message)
        answer = make_response(page, 503)
    answer.headers["Retry-After"] = RETRY_AFTER
    return answer


def _disk_full(error: DBAPIError) -> bool:
    """PostgreSQL's disk_full (SQLSTATE 53100) or SQLite's SQLITE_FULL."""
    if getattr(error.orig, "sqlstate", None) == "53100":
        return True
    return "database or disk is full" in str(error.orig)


def _unreachable(error: DBAPIError) -> bool:
    """A database that cannot be reached or used right now (not a wrong statement)."""
    if error.connection_invalidated:
        return True
    orig = error.orig
    module = type(orig).__module__
    if module.startswith("psycopg"):
        import psycopg

        # Connection lost or refused, server shutting down, statement cancelled.
        return isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError)
    if module.startswith("sqlite3"):
        return any(text in str(orig).lower() for text in SQLITE_UNUSABLE)
    return False
