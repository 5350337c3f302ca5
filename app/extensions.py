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
