"""The app factory, configuration, /health and the CLI as a newcomer runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from config import Config, TestConfig

ROOT = Path(__file__).resolve().parent.parent


def test_default_secret_key_is_refused_outside_development():
    config = Config()
    config.ENV_NAME = "production"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "smtp.example.nl")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_USE_TLS", "ja")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://polis.example.nl")
    import importlib

    import config as config_module

    reloaded = importlib.reload(config_module)
    try:
        c = reloaded.Config()
        assert (c.SMTP_HOST, c.SMTP_PORT, c.SMTP_USE_TLS) == ("smtp.example.nl", 2525, True)
        assert c.PUBLIC_BASE_URL == "https://polis.example.nl"
        assert c.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
        assert c.BABEL_DEFAULT_LOCALE == "nl"
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


def test_every_setting_has_a_comment():
    source = (ROOT / "config.py").read_text().split("class Config:")[1]
    source = source.split("# --- fixed framework settings")[0]
    lines = source.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped and stripped.split(" ")[0].isupper() and "=" in stripped:
            assert lines[i - 1].strip().startswith("#"), f"no comment above {stripped}"


def test_health_answers_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["planner"] in ("actief", "niet actief")  # the scheduler lease, see test_scheduler
    assert set(body) == {"status", "database", "planner", "laatste_taak"}


def test_health_answers_503_when_the_database_is_gone(tmp_path):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    config.UPLOAD_DIR = str(tmp_path)
    app = create_app(config)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def _flask(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_newcomer_cli_upgrade_demo_and_create_admin(tmp_path):
    """`flask db upgrade`, `flask demo load` (twice) and `flask fab create-admin` work."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    env.pop("FLASK_APP", None)
    for args in (["db", "upgrade"], ["demo", "load"]):
        result = _flask(args, env)
        assert result.returncode == 0, result.stderr[-2000:]
    assert "Demogegevens geladen" in result.stdout
    again = _flask(["demo", "load"], env)
    assert "niet opnieuw geladen" in again.stdout
    result = _flask(
        [
            "fab",
            "create-admin",
            "--username",
            "platform",
            "--firstname",
            "P",
            "--lastname",
            "B",
            "--email",
            "platform@example.nl",
            "--password",
            "Platform-Test-2026!",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "created" in (result.stdout + result.stderr).lower()
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"]
    config.UPLOAD_DIR = env["UPLOAD_DIR"]
    app = create_app(config)
    with app.app_context():
        from app.extensions import db
        from app.models import Case, User

        user = db.session.scalar(select(User).where(User.username == "platform"))
        assert user.organisation_id is None
        assert {r.name for r in user.roles} == {"Admin"}
        assert 180 <= len(db.session.scalars(select(Case)).all()) <= 230


def test_postgresql_connections_skip_the_jit_and_are_checked_before_use(app):
    from sqlalchemy import text

    from app.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no JIT and no connections to lose")
    with app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        assert db.engine.pool._pre_ping
