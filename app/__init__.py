"""Application factory of the Gemeentepolis Backoffice."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.api import BaseApi
from sqlalchemy import inspect, text

from config import DEV_SECRET_KEY, Config

from .extensions import csrf, db, migrate

log = logging.getLogger(__name__)


def _tables_exist(app: Flask) -> bool:
    """Tell whether `flask db upgrade` has created the security tables yet."""
    with app.app_context():
        try:
            return "ab_permission_view" in inspect(db.engine).get_table_names()
        except Exception:  # noqa: BLE001 - an unreachable database is reported by /health
            return False


# Key of the advisory lock held while FAB synchronises its permissions (imports use 25).
PERMISSIONS_LOCK = 26


@contextlib.contextmanager
def _one_process_at_a_time(app: Flask) -> Iterator[None]:
    """Hold the start-up lock while FAB writes its permissions, if it does.

    Every process synchronises FAB's permissions when it starts. Two workers starting on a
    new database both added the same rows, and one of them logged an IntegrityError per
    row. On PostgreSQL an advisory lock (freed if the process dies), on SQLite an flock on
    a file beside the database; the second process then finds every row in place.
    """
    if not app.config["FAB_UPDATE_PERMS"]:
        yield
        return
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key, 0)"), {"key": PERMISSIONS_LOCK})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key, 0)"), {"key": PERMISSIONS_LOCK}
                )
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # a database of this process alone
        return
    with open(f"{database}.startup-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def create_app(config: Config | type[Config] | None = None) -> Flask:
    """Build the Flask app with FAB, the models, views, REST API, CLI and jobs."""
    app = Flask(__name__, instance_relative_config=True)
    if config is None:
        config = Config()
    elif isinstance(config, type):
        config = config()
    app.config.from_object(config)
    if config.ENV_NAME not in {"development", "test"} and app.config["SECRET_KEY"] in (
        DEV_SECRET_KEY,
        "",
    ):
        raise RuntimeError(
            "SECRET_KEY is not set: refusing to start outside development with the default key."
        )
    from config import base_url_problem

    problem = base_url_problem(app.config["PUBLIC_BASE_URL"])
    if problem and config.ENV_NAME not in {"development", "test"}:
        # Residents would get dead links in every invitation, letter and request.
        raise RuntimeError(f"{problem} Stel PUBLIC_BASE_URL in op het https-adres van de site.")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    # A database error's text never quotes the statement's values (BSNs, names, incomes):
    # such errors end up in logs.
    options.setdefault("hide_parameters", True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A connection broken by a database restart is replaced, not handed to a request.
        options.setdefault("pool_pre_ping", True)
        # PostgreSQL's JIT compiles a query costed as large before running it: 150 ms on
        # the overview at a million cases, for queries that then run in 20. Off for us.
        options["connect_args"] = {"options": "-c jit=off", **options.get("connect_args", {})}

    from . import models  # noqa: F401 - registers every model on the metadata

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))

    # Permissions are synchronised only once the tables exist (after `flask db upgrade`);
    # before that FAB would try to write into tables Alembic has not created.
    app.config["FAB_UPDATE_PERMS"] = _tables_exist(app)
    app.config["FAB_CREATE_DB"] = app.config["FAB_UPDATE_PERMS"]

    with app.app_context(), _one_process_at_a_time(app):
        # One AppBuilder per app: FAB keeps its views on the instance, and tests build
        # several apps in one process.
        appbuilder = AppBuilder(update_perms=app.config["FAB_UPDATE_PERMS"])
        appbuilder.init_app(app, db.session)
        from .formatting import register_template_filters

        register_template_filters(app)
        from .views import register_views

        register_views(appbuilder)
        from .views.base import register_unknown_action_guard

        register_unknown_action_guard(app)
        from .api import register_apis

        register_apis(appbuilder)
        csrf.init_app(app)
        for view in appbuilder.baseviews:
            # JSON APIs authenticate with a bearer token, never a session cookie.
            if isinstance(view, BaseApi):
                csrf.exempt(view.blueprint)

    from .cli import register_cli

    register_cli(app)
    from .views.resident import register_resident_pages

    register_resident_pages(app)
    from .views.account import register_public_pages

    register_public_pages(app)
    from .errors import register_error_handlers

    register_error_handlers(app)
    from .headers import register_security_headers

    register_security_headers(app)
    from .input_guard import register_input_guard

    register_input_guard(app)
    from .session_guard import register_session_guard

    register_session_guard(app)
    from .audit_guard import register_audit_guard

    register_audit_guard(app)
    from .health import bp as health_bp

    app.register_blueprint(health_bp)
    if app.config.get("OCKTO_MODE") == "sandbox" and config.ENV_NAME not in {"development", "test"}:
        log.warning("OCKTO_MODE=sandbox outside development: residents can make up their data.")
    from .services.messaging import documents
    from .services.security import audit

    audit.connect_signals(app)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    documents.quiet_library_logs()
    return app
