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


def test_migration_0013_puts_stored_links_on_a_line_of_their_own(tmp_path):
    from sqlalchemy import text

    app = create_app(make_config(f"sqlite:///{tmp_path / 'links.db'}", tmp_path))
    with app.app_context():
        upgrade(revision="0012")
        _db.session.execute(text("INSERT INTO organisation (id, name, created_on, "
                                 "two_factor_for_caseworkers, retention_years, kind) VALUES "
                                 "(1, 'Oud', '2026-01-01', 0, 7, 'MUNICIPALITY')"))  # fmt: skip
        _db.session.execute(text(
            "INSERT INTO municipality (id, cbs_code, name, organisation_id, check_mode, "
            "uses_allowlist, reminders_enabled, reminder_days, module_ockto, module_legitimacy, "
            "module_decisions, income_percentage, income_includes_holiday_allowance, "
            "advice_margin_percentage, check_assets, deduct_debts, max_data_age_days, "
            "info_request_days, primary_color, created_on, changed_on) VALUES (1, '0148', "
            "'Dalfsen', 1, 'BEFORE', 0, 1, '[5, 10, 14]', 1, 1, 1, 130, 0, 5, 1, 1, 62, 14, "
            "'#1f4e79', '2026-01-01', '2026-01-01')"
        ))  # fmt: skip
        _db.session.execute(text(
            "INSERT INTO template (municipality_id, event, email_subject, email_body, "
            "letter_body, changed_on) VALUES (1, 'INFORMATION_REQUEST', 'Onderwerp', "
            "'Upload via {{ link }}.', 'Dit kost ongeveer tien minuten. Ga naar {{ link }} nu.', "
            "'2026-01-01')"
        ))  # fmt: skip
        _db.session.commit()
        upgrade()
        email, letter = _db.session.execute(
            text("SELECT email_body, letter_body FROM template")
        ).one()
    assert email == "Upload via:\n{{ link }}\n"
    assert letter == "Dit kost ongeveer 15 minuten. Ga naar {{ link }} nu."
