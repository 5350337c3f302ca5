"""Settings from the environment; every setting has a safe development default."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - refused outside development


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _base_url_from_bind() -> str:
    """http://<host>:<port> of where `make run` listens (BIND, else 127.0.0.1:PORT)."""
    bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8080'}"
    host, _, port = bind.rpartition(":")
    if host in {"", "0.0.0.0", "[::]", "::"}:  # noqa: S104 - we only name the address here
        host = "127.0.0.1"
    return f"http://{host}:{port or '8080'}"


def base_url_problem(url: str) -> str | None:
    """Why residents outside this machine cannot open links with this base URL, or None."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in {"localhost", "::1"} or host.startswith("127.") or host.endswith(".local"):
        return f"PUBLIC_BASE_URL is {url}: dat adres werkt alleen op deze computer."
    if parts.scheme != "https":
        return f"PUBLIC_BASE_URL is {url}: gebruik https, anders gaan links onbeveiligd."
    return None


class Config:
    """Production-shaped configuration read from the environment."""

    # "development" allows the built-in SECRET_KEY; anything else demands a real one.
    ENV_NAME = os.environ.get("APP_ENV", "development")
    # Database URL; SQLite in instance/ by default, postgresql+psycopg://... for real deployments.
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'gemeentepolis.db'}"
    )
    # Signs sessions and tokens; the default is refused outside development.
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Port that `make run` / `python run.py` serves on.
    PORT = _int("PORT", 8080)
    # SMTP server for outgoing email; empty means emails stay in the outbox unsent.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    # SMTP port.
    SMTP_PORT = _int("SMTP_PORT", 25)
    # SMTP user name, empty for no authentication.
    SMTP_USER = os.environ.get("SMTP_USER", "")
    # SMTP password.
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    # Use STARTTLS towards the SMTP server.
    SMTP_USE_TLS = _bool("SMTP_USE_TLS", False)
    # Sender address of outgoing email.
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@gemeentepolis.local")
    # Shared secret of the national application site (intake API); empty refuses intake.
    INTAKE_HMAC_SECRET = os.environ.get("INTAKE_HMAC_SECRET", "")
    # Shared secret of the Ockto deliveries; empty refuses deliveries.
    OCKTO_HMAC_SECRET = os.environ.get("OCKTO_HMAC_SECRET", "")
    # "sandbox" (built-in pretend Ockto; default in development) or "production".
    OCKTO_MODE = os.environ.get(
        "OCKTO_MODE", "sandbox" if ENV_NAME in {"development", "test"} else "production"
    )
    # Production: the Ockto journey the start button leads to (?uitnodiging=<token> added).
    OCKTO_JOURNEY_URL = os.environ.get("OCKTO_JOURNEY_URL", "")
    # Requests per address on the residents' public pages (Flask-Limiter notation).
    RESIDENT_RATE_LIMIT = os.environ.get("RESIDENT_RATE_LIMIT", "30 per minute")
    # Local working folder, never shared (temporary copies, logo cache); files live in the DB.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))
    # Largest document a resident or caseworker may upload, in megabytes.
    UPLOAD_MAX_MB = int(os.environ.get("UPLOAD_MAX_MB", "10"))
    # Base of links in emails and letters; unset, it follows BIND/PORT (refused in production).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or _base_url_from_bind()
    # Largest import file accepted, in bytes (refused before parsing); 200,000 rows fit.
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 40 * 1024 * 1024)
    # Most data rows accepted in one import file.
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 200_000)
    # Nice value (0-19; 0: as is) of the threads doing imports and partners' posts (PostgreSQL).
    BACKGROUND_NICE = _int("BACKGROUND_NICE", 10)
    # Threads per web process that do the partners' posts (intake, Ockto) at that nice value;
    # one, since in a process they share the GIL with people's pages (nice cannot help there).
    WEBHOOK_THREADS = _int("WEBHOOK_THREADS", 1)
    # Run the job scheduler inside the web process (single-machine default of `make run`).
    SCHEDULER_IN_WEB = _bool("SCHEDULER_IN_WEB", False)
    # Seconds a scheduler's lease lasts; a stopped or dead scheduler is replaced after it.
    SCHEDULER_LEASE_SECONDS = _int("SCHEDULER_LEASE_SECONDS", 60)
    # Period of the outbox job in seconds (0: every minute).
    SCHEDULER_OUTBOX_SECONDS = _int("SCHEDULER_OUTBOX_SECONDS", 0)
    # Seconds an outbox run holds an email it is sending; after a crash it is retried then.
    OUTBOX_CLAIM_SECONDS = _int("OUTBOX_CLAIM_SECONDS", 600)
    # Period of the scheduler's heartbeat job in seconds (0: every minute).
    SCHEDULER_HEARTBEAT_SECONDS = _int("SCHEDULER_HEARTBEAT_SECONDS", 0)
    # Login attempts per address (Flask-Limiter syntax); raise it when every client comes
    # through one address (a proxy without X-Forwarded-For, or a load test).
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
    # Refused logins per user name before that name is locked for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES_PER_USER = _int("LOGIN_MAX_FAILURES_PER_USER", 5)
    # Refused logins per address (all user names) before that address is locked.
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    # Length of the counting window and of the lock, in minutes.
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
    # A session without a request for this many minutes ends.
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    # A session ends this many hours after login, active or not.
    SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", 12)
    # Lifetime of a REST access token in minutes (a refresh token lives SESSION_MAX_HOURS).
    API_TOKEN_MINUTES = _int("API_TOKEN_MINUTES", 15)
    # Two-factor login required (Admins, Beheerders, and Medewerkers where their organisation
    # says so); on by default everywhere except development, so the demo opens at once.
    TWO_FACTOR_REQUIRED = _bool("TWO_FACTOR_REQUIRED", ENV_NAME != "development")

    # --- fixed framework settings (not from the environment) ---
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    APP_NAME = "Gemeentepolis Backoffice"
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_RATE_LIMITED = True
    RATELIMIT_ENABLED = True  # FAB defaults Flask-Limiter to off; login limits need it on
    RATELIMIT_STORAGE_URI = "memory://"
    FAB_SECURITY_MANAGER_CLASS = "app.security.SecurityManager"
    FAB_INDEX_VIEW = "app.views.overview.OverviewIndexView"
    FAB_API_SWAGGER_UI = True
    FAB_ADD_SECURITY_API = False
    # Our own spec endpoint (app/api/spec.py) replaces FAB's, so the spec tells every answer.
    FAB_ADD_OPENAPI_VIEWS = False
    # The screens are server-rendered; FAB's menu API served no one and refused every role.
    FAB_ADD_MENU_API = False
    # Only Alembic creates tables; FAB's create_all is switched off in our security manager.
    FAB_CREATE_DB = True
    FAB_API_MAX_PAGE_SIZE = 500
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {"nl": {"flag": "nl", "name": "Nederlands"}}
    WTF_CSRF_ENABLED = True
    # Session and remember-me cookies: never readable by scripts, not sent cross-site.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    # Uploads above this are cut off by Werkzeug before our own (friendlier) size check.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    SCHEDULER_API_ENABLED = False
    TESTING = False

    def __init__(self) -> None:
        from app.roles import FAB_ROLES
        from app.services.security.passwords import validate

        self.FAB_ROLES = FAB_ROLES
        # At least 12 characters, not common (FAB calls it on every password form).
        self.FAB_PASSWORD_COMPLEXITY_VALIDATOR = validate
        # Cookies travel only over TLS when the product is served over https.
        secure = self.PUBLIC_BASE_URL.lower().startswith("https://")
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = secure
        self.PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=self.SESSION_MAX_HOURS)
        self.JWT_ACCESS_TOKEN_EXPIRES = dt.timedelta(minutes=self.API_TOKEN_MINUTES)
        self.JWT_REFRESH_TOKEN_EXPIRES = dt.timedelta(hours=self.SESSION_MAX_HOURS)


class TestConfig(Config):
    """Configuration for the test suite: a throw-away database, no real secrets."""

    __test__ = False  # not a pytest test class
    TESTING = True
    ENV_NAME = "test"
    SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"  # noqa: S105
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = False
    SERVER_NAME = None
    INTAKE_HMAC_SECRET = "test-intake-secret"  # noqa: S105
    OCKTO_HMAC_SECRET = "test-ockto-secret"  # noqa: S105
    OCKTO_MODE = "sandbox"
    # The suite's fixtures log in with a password only; the two-factor tests switch it on.
    TWO_FACTOR_REQUIRED = False
