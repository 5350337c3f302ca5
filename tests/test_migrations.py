"""Migrations: from empty on SQLite and PostgreSQL, and the models match them exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from app import create_app
from app.extensions import db as _db
from app.models import AssetLimit, NationalNorm
from tests.conftest import make_config


def test_models_and_migrations_do_not_differ(app):
    """`flask db migrate` would generate nothing: the schema is fully migrated."""
    with app.app_context(), _db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, Model.metadata)
    assert diff == []


def test_migrated_database_has_every_table_and_the_reference_data(app):
    with app.app_context():
        tables = set(inspect(_db.engine).get_table_names())
        for table in [
            "ab_user",
            "organisation",
            "municipality",
            "resident",
            "case",
            "case_event",
            "notice",
            "memo",
            "document",
            "template",
            "message",
            "allowlist_entry",
            "national_norm",
            "asset_limit",
            "audit_log",
            "alembic_version",
        ]:
            assert table in tables
        assert _db.session.scalar(select(func.count(NationalNorm.id))) == 20
        national = select(func.count(AssetLimit.id)).where(AssetLimit.municipality_id.is_(None))
        assert _db.session.scalar(national) == 8


def test_downgrade_to_empty_and_up_again(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'roundtrip.db'}", tmp_path))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(_db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "case" in inspect(_db.engine).get_table_names()
