"""What every benchmark shares: a fresh database, the app on it, and the command line."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from app import create_app
from config import TestConfig


def reusing() -> bool:
    """BENCH_REUSE=1: measure the cases already in BENCH_DATABASE_URL (no new generation)."""
    return bool(os.environ.get("BENCH_DATABASE_URL")) and os.environ.get("BENCH_REUSE") == "1"


def database_url(tmp: str) -> str:
    """A temporary SQLite file, or BENCH_DATABASE_URL emptied (PostgreSQL: a new schema)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp}/bench.db"
    if reusing():
        return url
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_app(tmp: str, **settings: object) -> Flask:
    """The app on a fresh, migrated database, uploads under `tmp`."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url(tmp)
    config.UPLOAD_DIR = tmp
    for name, value in settings.items():
        setattr(config, name, value)
    with create_app(config).app_context():
        upgrade()
    return create_app(config)  # after the migration, so FAB creates its roles


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def arguments() -> tuple[list[str], str | None]:
    """Positional arguments, and the file named by --append= or --out= (if any)."""
    plain = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = next((a.split("=", 1)[1] for a in sys.argv[1:] if "=" in a and a[:2] == "--"), None)
    return plain, target


def bench_admin(app: Flask) -> int:
    """The id of the platform Admin `bench` (made once: a reused database keeps it)."""
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username="bench") or sm.add_user(
            "bench", "B", "B", "bench@example.nl", sm.find_role("Admin"), password="Bench-2026!"
        )
        return user.id


def free_cbs_code() -> str:
    """A CBS code no municipality in the database has yet (9999 downwards): a reused
    database may already hold an earlier run's bench municipality."""
    from app.extensions import db
    from app.models import Municipality

    taken = set(db.session.scalars(select(Municipality.cbs_code)))
    return next(code for code in (f"{n:04d}" for n in range(9999, 9000, -1)) if code not in taken)
