"""The database as the only shared state: files in it, a second machine, backup and restore."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import db as _db
from app.models import (
    Case,
    CaseStatus,
    Document,
    ImportKind,
    ImportRecord,
    ImportStatus,
    Municipality,
    StoredFile,
)
from app.services import backup, files
from app.services.cases import information_requests
from app.services.imports import engine
from app.services.onboarding import municipalities
from tests.conftest import api_token, bearer, build_app, make_config, migrate_app, own_database
from tests.factories import invited_case
from tests.helpers import free_port, reassessment_csv, wait_for_health

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n% shared state test\n" + os.urandom(64) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(48)


def _open_case_of(cbs_code: str) -> Case:
    return _db.session.scalar(
        select(Case)
        .join(Municipality)
        .where(Municipality.cbs_code == cbs_code, Case.status == CaseStatus.DATA_RECEIVED)
        .order_by(Case.id)
        .limit(1)
    )


def _stored_content(cbs_code: str = "0193") -> dict:
    """A document, a logo and an import file, each stored through its own service."""
    from app.models import User

    user = _db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
    case = _open_case_of(cbs_code)
    data = PDF + os.urandom(8)
    (document,) = information_requests.add_documents(case.id, [("bewijs.pdf", data)], False, user)
    municipality = _db.session.scalar(select(Municipality).filter_by(cbs_code=cbs_code))
    municipalities.set_logo(municipality, PNG)
    record = engine.start(
        ImportKind.REASSESSMENT,
        cbs_code,
        io.BytesIO(reassessment_csv(1, refused=1)),
        "heronderzoek.csv",
        user,
    )
    return {
        "case": case.id,
        "document": document.id,
        "document_data": data,
        "import": record.id,
        "logo_key": municipality.logo_file,
    }


def _hashes() -> dict[str, str]:
    return {
        key: hashlib.sha256(bytes(data)).hexdigest()
        for key, data in _db.session.execute(select(StoredFile.key, StoredFile.data))
    }


def test_a_document_lives_in_the_database_not_on_disk(app, tmp_path):
    with app.app_context():
        stored = _stored_content()
        document = _db.session.get(Document, stored["document"])
        row = _db.session.scalar(select(StoredFile).filter_by(key=document.stored_name))
        assert row.kind == "document"
        assert row.sha256 == hashlib.sha256(stored["document_data"]).hexdigest()
    on_disk = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert not [p for p in on_disk if p.read_bytes() == stored["document_data"]]


def test_a_refused_upload_stores_no_file(app, db):
    case = _open_case_of("0193")
    before = db.session.scalar(select(func.count(StoredFile.id)))
    from app.models import User

    user = db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
    with pytest.raises(Exception, match="geen PDF"):
        information_requests.add_documents(
            case.id, [("goed.pdf", PDF), ("nep.pdf", b"<html>")], False, user
        )
    assert db.session.scalar(select(func.count(StoredFile.id))) == before


def test_another_instance_on_its_own_disk_confirms_an_import_this_one_received(app, tmp_path):
    other_disk = tmp_path / "other-machine"
    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], other_disk))
    with app.app_context():
        stored = _stored_content()
        record, _summary = engine.run_preview(stored["import"])
        assert record.status == ImportStatus.PREVIEWED, record.message
        key = record.stored_name
    with other.app_context():
        record, summary = engine.run_confirm(stored["import"], None)
        assert record.status == ImportStatus.DONE, record.message
        assert (summary.new, summary.refused) == (1, 1)
        assert record.stored_name is None
        assert not files.exists(key)  # the file went with the confirm
    assert not [p for p in other_disk.rglob("*") if p.is_file() and p.suffix == ".tmp"]


def test_a_second_instance_with_only_the_database_url_serves_every_document(app, tmp_path):
    with app.app_context():
        stored = _stored_content()
        _case, invitation_token = invited_case("0193")
    client = app.test_client()
    headers = bearer(api_token(client, "beheerder.zwolle"))
    first = client.get(
        f"/api/v1/case/{stored['case']}/documents/{stored['document']}", headers=headers
    )
    assert first.data == stored["document_data"]

    port = free_port()
    empty_disk = tmp_path / "second-machine"
    empty_disk.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORT": str(port),
        "UPLOAD_DIR": str(empty_disk),  # another machine's disk: nothing of the first one
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "second.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "run:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for_health(base, 60), (tmp_path / "second.log").read_text()[-3000:]
        login = requests.post(
            f"{base}/api/v1/security/login",
            json={"username": "beheerder.zwolle", "password": DEMO_PASSWORD, "provider": "db"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        document = requests.get(
            f"{base}/api/v1/case/{stored['case']}/documents/{stored['document']}",
            headers=auth,
            timeout=10,
        )
        assert document.status_code == 200
        assert document.content == stored["document_data"]
        logo = requests.get(f"{base}/inwoner/start/{invitation_token}/logo", timeout=10)
        assert logo.status_code == 200 and logo.content == PNG
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _empty_database(name: str, tmp_path: Path):
    """An app on a new database after `flask db upgrade` and a first start: nothing else."""
    url = own_database(name, tmp_path)
    migrate_app(create_app(make_config(url, tmp_path / name)))
    return create_app(make_config(url, tmp_path / name))  # syncs FAB's roles, as a start does


def _dump(connection) -> dict[str, list]:
    tables = {table.name: list(backup.rows_of(connection, table)) for table in backup.tables()}
    # The case tally is rebuilt, not copied: its sums must come back, whatever its rows.
    tables["case_tally (sums)"] = sorted(
        map(list, connection.execute(text(
            "SELECT municipality_id, status, advice, handler_id, sum(cases), sum(adults), "
            "sum(insured) FROM case_tally GROUP BY municipality_id, status, advice, handler_id "
            "HAVING sum(cases) <> 0"
        ))),
        key=repr,
    )  # fmt: skip
    return tables


def test_backup_and_restore_give_back_every_table_and_every_document(app, tmp_path):
    with app.app_context():
        _stored_content()
        source_hashes = _hashes()
        made = backup.create(tmp_path / "backup.gz")
        with _db.engine.connect() as connection:
            source = _dump(connection)
    assert made.files == len(source_hashes) >= 3
    assert made.rows["case"] == len(source["case"]) > 100

    target = _empty_database("restored", tmp_path)
    runner = target.test_cli_runner()
    result = runner.invoke(args=["restore", str(tmp_path / "backup.gz")])
    assert result.exit_code == 0, result.output
    assert "bestand(en) gecontroleerd" in result.output
    with target.app_context():
        with _db.engine.connect() as connection:
            restored = _dump(connection)
        assert restored.keys() == source.keys()
        for name in source:
            assert restored[name] == source[name], name
        assert _hashes() == source_hashes
        # The restored database keeps working: new rows get fresh ids.
        case = _open_case_of("0193")
        from app.models import User

        user = _db.session.scalar(select(User).where(User.username == "beheerder.zwolle"))
        (document,) = information_requests.add_documents(case.id, [("na.pdf", PDF)], False, user)
        assert document.id > max(row[0] for row in source["document"])


def _rewritten(path: Path, change, name: str) -> Path:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines = change(lines)
    out = path.with_name(f"{name}.gz")
    with gzip.open(out, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return out


def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(app, tmp_path):
    with app.app_context():
        _stored_content()
        backup.create(tmp_path / "backup.gz")
        with _db.engine.connect() as connection:
            before = _dump(connection)
    good = tmp_path / "backup.gz"

    def tampered_file(lines: list[str]) -> list[str]:
        for number, line in enumerate(lines):
            if line.startswith("[") and '"document"' in line:
                row = json.loads(line)
                lines[number] = json.dumps([row[0], row[1], row[2], row[3], row[4],
                                            {"$b64": "AAAA"}, *row[6:]])  # fmt: skip
        return lines

    cases = {
        "cut off": (_rewritten(good, lambda lines: lines[: len(lines) // 2], "cut"), "afgebroken"),
        "other revision": (
            _rewritten(
                good,
                lambda lines: [lines[0].replace('"revision":"', '"revision":"x'), *lines[1:]],
                "other",
            ),
            "databaseversie",
        ),
        "not a backup": (tmp_path / "x.gz", "beschadigd"),
        "bad file content": (_rewritten(good, tampered_file, "tampered"), "controlegetal"),
    }
    (tmp_path / "x.gz").write_bytes(b"not gzip at all")
    target = _empty_database("refused", tmp_path)
    with target.app_context(), _db.engine.connect() as connection:
        empty = _dump(connection)
    runner = target.test_cli_runner()
    for name, (path, message) in cases.items():
        result = runner.invoke(args=["restore", str(path)])
        assert result.exit_code != 0, name
        assert "Niets teruggezet" in result.output and message in result.output, (
            name,
            result.output,
        )
        with target.app_context(), _db.engine.connect() as connection:
            assert _dump(connection) == empty, name
    # Never over data: the audit log is append-only and nothing is overwritten.
    result = app.test_cli_runner().invoke(args=["restore", str(good)])
    assert result.exit_code != 0 and "nieuwe, lege database" in result.output
    with app.app_context(), _db.engine.connect() as connection:
        assert _dump(connection) == before


def test_migration_0019_moves_the_files_on_disk_into_the_database(tmp_path):
    application = build_app(own_database("files", tmp_path), tmp_path)
    with application.app_context():
        stored = _stored_content()
        hashes = _hashes()
        assert len(hashes) == 3
        _db.session.remove()  # no open transaction holding the tables the migration drops
        downgrade(revision="0018")  # the files back where version 0018 kept them
        assert "stored_file" not in inspect(_db.engine).get_table_names()
        uploads = Path(application.config["UPLOAD_DIR"])
        on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                   for folder in ("documents", "logos", "imports")
                   for p in (uploads / folder).iterdir()}  # fmt: skip
        assert on_disk == hashes
        upgrade()
        _db.session.remove()
        assert _hashes() == hashes
        assert files.get(stored["logo_key"]) == PNG
        document = _db.session.get(Document, stored["document"])
        assert files.get(document.stored_name) == stored["document_data"]
        record = _db.session.get(ImportRecord, stored["import"])
        assert engine.run_preview(record.id)[0].status == ImportStatus.PREVIEWED


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL beside SQLite"
)
def test_a_backup_of_sqlite_restores_into_postgresql(tmp_path):
    small = build_app(f"sqlite:///{tmp_path / 'small.db'}", tmp_path / "small")
    with small.app_context():
        _stored_content()
        hashes = _hashes()
        backup.create(tmp_path / "small.gz")
        with _db.engine.connect() as connection:
            source = _dump(connection)
    target = _empty_database("from_sqlite", tmp_path)
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "small.gz")])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert _db.engine.dialect.name == "postgresql"
        with _db.engine.connect() as connection:
            restored = _dump(connection)
        for name in source:
            assert restored[name] == source[name], name
        assert _hashes() == hashes


def test_a_backup_to_a_folder_that_does_not_exist_is_refused_in_dutch(app, tmp_path):
    target = tmp_path / "bestaat-niet" / "backup.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "Kan de back-up niet schrijven naar" in result.output
    assert not target.parent.exists()
