"""Flask extensions, created unbound and attached to an app in create_app()."""

import sqlite3
from typing import Any

from flask_appbuilder.models.sqla.base import SQLA
from flask_apscheduler import APScheduler
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

# FAB's SQLA subclass, so FAB's security models and ours share one session.
db = SQLA()
migrate = Migrate()
scheduler = APScheduler()
# CSRF for every HTML form; the JSON APIs (JWT bearer or HMAC-signed) are exempted.
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """On the embedded SQLite: WAL, so readers are never locked out by a long import."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_plans(dbapi_connection: Any, _record: Any) -> None:
    """On PostgreSQL: plan every prepared statement for its own parameters.

    psycopg prepares a statement after five runs, and PostgreSQL then may keep one
    generic plan. A large import looks its new rows up by BSN batch after batch in one
    transaction: the plan made while the table was still empty scanned it whole, 0.3 s
    per look-up at 20,000 rows (an import took 6.8x its floor).
    """
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


@event.listens_for(Engine, "handle_error")
def _no_values_in_errors(context: Any) -> None:
    """Drop PostgreSQL's DETAIL from a driver error: it quotes the row ("Key (bsn)=(…)",
    "Failing row contains (…)"), and such errors end up in logs. The statement's own
    parameters are hidden by `hide_parameters` (create_app)."""
    error = context.original_exception
    diag = getattr(error, "diag", None)
    if diag is None or not getattr(diag, "message_detail", None) or not diag.message_primary:
        return
    quoted = str(error)
    error.args = (diag.message_primary,)
    # SQLAlchemy's error was made before this event, with the driver's text in it.
    wrapped = context.sqlalchemy_exception
    if wrapped is not None and wrapped.args and isinstance(wrapped.args[0], str):
        wrapped.args = (wrapped.args[0].replace(quoted, diag.message_primary), *wrapped.args[1:])
