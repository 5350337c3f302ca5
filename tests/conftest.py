"""Fixtures: a migrated database with the demo data, and a logged-in client per role.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import db as _db
from app.services.zgw.client import Credentials, ZgwClient, ZgwError
from config import TestConfig
from tests.smtp import SmtpServer

ADMIN_PASSWORD = "Admin-Test-2026!"
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def database_url(tmp_dir: Path) -> str:
    """PostgreSQL from TEST_DATABASE_URL (schema wiped first), else a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_dir / 'test.db'}"


def own_database(suffix: str, tmp_dir: Path) -> str:
    """A fresh, empty database beside the shared one, for a module that must not share it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / f'{suffix}.db'}"
    target = make_url(url)
    name = f"{target.database}_{suffix}"
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


def make_config(url: str, tmp_dir: Path) -> TestConfig:
    """A TestConfig pointing at `url` with uploads in a temporary folder."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.UPLOAD_DIR = str(tmp_dir / "uploads")
    return config


def migrate_app(app: Flask) -> None:
    """Run every Alembic migration from empty, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def tmp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gp-test-") as d:
        yield Path(d)


def build_app(url: str, tmp_dir: Path) -> Flask:
    """An app on `url` migrated from empty, with the demo and a platform Admin."""
    bootstrap = create_app(make_config(url, tmp_dir))
    migrate_app(bootstrap)
    # A second app, as after `flask db upgrade`: it sees the tables and syncs permissions.
    application = create_app(make_config(url, tmp_dir))
    runner = application.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    from flask_appbuilder.cli import create_admin

    result = runner.invoke(
        create_admin,
        args=[
            "--username",
            "admin",
            "--firstname",
            "Platform",
            "--lastname",
            "Beheer",
            "--email",
            "admin@example.nl",
            "--password",
            ADMIN_PASSWORD,
        ],
    )
    assert result.exit_code == 0, result.output
    return application


@pytest.fixture(scope="session")
def app(tmp_dir: Path) -> Flask:
    """The app on a database migrated from empty, with the demo and a platform Admin."""
    return build_app(database_url(tmp_dir), tmp_dir)


@pytest.fixture()
def db(app: Flask) -> Iterator[Any]:
    """The SQLAlchemy handle inside an app context."""
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """An anonymous HTTP client."""
    return app.test_client()


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on `path`."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(app: Flask, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    """A client logged in through the real login form."""
    c = app.test_client()
    token = csrf_token(c, "/login/")
    response = c.post(
        "/login/", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, f"login of {username} failed"
    assert response.headers["Location"].endswith("/"), response.headers["Location"]
    return c


def api_token(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """A JWT access token from POST /api/v1/security/login."""
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


@pytest.fixture()
def admin_client(app: Flask) -> FlaskClient:
    return login(app, "admin", ADMIN_PASSWORD)


@pytest.fixture()
def beheerder_client(app: Flask) -> FlaskClient:
    """Beheerder of Gemeente Zwolle."""
    return login(app, "beheerder.zwolle")


@pytest.fixture()
def medewerker_client(app: Flask) -> FlaskClient:
    """Medewerker of Gemeente Zwolle."""
    return login(app, "medewerker.zwolle")


@pytest.fixture()
def isd_beheerder_client(app: Flask) -> FlaskClient:
    """Beheerder of ISD Bollenstreek (Hillegom, Lisse, Teylingen)."""
    return login(app, "beheerder.bollenstreek")


@pytest.fixture()
def isd_medewerker_client(app: Flask) -> FlaskClient:
    """Medewerker of ISD Bollenstreek."""
    return login(app, "medewerker.bollenstreek")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def token(client):
    """An API token of Zwolle's Beheerder (the imports' municipal system)."""
    return api_token(client, "beheerder.zwolle")


@pytest.fixture()
def smtp(app):
    """A real SMTP server (aiosmtpd) on a free port; the app sends its mail there."""
    server = SmtpServer().start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
    yield server
    server.stop()
    app.config.update(SMTP_HOST="", SMTP_PORT=25)


class Clock:
    """The clock of the login guard, the sessions and the two-factor codes, in a test's hand."""

    def __init__(self) -> None:
        self.moment = dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture()
def clock(monkeypatch) -> Clock:
    """A controllable clock for throttling, session timeouts and two-factor codes."""
    from app.services.security import login_guard, sessions, two_factor

    state = Clock()
    for module in (login_guard, sessions, two_factor):
        monkeypatch.setattr(module, "now", state.now)
    return state


# Where ../shared/tools/openzaak/start-openzaak.sh writes it (OZ_KIT_DIR, /tmp/openzaak).
OPENZAAK_KIT = Path(os.environ.get("OPENZAAK_JSON", "/tmp/openzaak/openzaak.json"))  # noqa: S108


@pytest.fixture(scope="session")
def openzaak() -> dict:
    """The running Open Zaak's URLs and credentials (openzaak.json)."""
    problem = None
    if not OPENZAAK_KIT.is_file():
        problem = f"{OPENZAAK_KIT} ontbreekt"
    else:
        kit = json.loads(OPENZAAK_KIT.read_text())
        try:
            ZgwClient(Credentials(kit["client_id"], kit["secret"])).get(kit["zaaktype"])
        except ZgwError as exc:
            problem = f"Open Zaak antwoordt niet: {exc.message}"
    if problem:
        message = (f"Geen Open Zaak ({problem}): start ../shared/tools/openzaak/"
                   "start-openzaak.sh; de ZGW-tests zijn overgeslagen.")  # fmt: skip
        if os.environ.get("ZGW_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return kit
